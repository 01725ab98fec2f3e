"""Throughput of the embedded LLM: prompt and generation tokens per second, and Synapse episodes per
minute with 1 and 2 workers sharing one ``palaestra llm serve`` server.

    python -m bench.speed.llm_throughput [--tasks enter-text,click-button,click-link,choose-list]
                                   [--seeds 500-504] [--json out.json]

Prompt speed is timed on fresh prompts of ~1,000 tokens (no cached prefix; ``--prompt-chars``),
generation on 128 tokens after a short prompt (``--generation-tokens``). The episodes are
Synapse's (two exemplars from the oracle memory, ``--exemplars``) on tuning seeds; the ratio of
2 workers to 1 says how much of a step is the browser's (overlapped by the second worker) rather
than the model's (which the server serves one request at a time).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from bench.common import emit


def token_speeds(
    runtime: Any, repeats: int = 3, prompt_chars: int = 3600, generation_tokens: int = 128
) -> dict[str, float]:
    from bench.agents.fuzzy_match import SAMPLE
    from palaestra.agents.llm.embedded import Sampling

    base = SAMPLE.read_text()
    prompt_rates, generation_rates = [], []
    for i in range(repeats):
        prompt = f"Run {i} {time.time()}\n" + base[:prompt_chars]  # fresh: no cached prefix
        started = time.perf_counter()
        prefill = runtime.generate(prompt, Sampling(max_tokens=1))
        prompt_rates.append(prefill.prompt_tokens / (time.perf_counter() - started))
        started = time.perf_counter()
        generation = runtime.generate(f"Story {i}: Once upon a time", Sampling(max_tokens=generation_tokens))
        generation_rates.append(generation.completion_tokens / (time.perf_counter() - started))
    return {
        "prompt_tokens_per_s": round(max(prompt_rates), 1),
        "generation_tokens_per_s": round(max(generation_rates), 1),
        "prompt_tokens_timed": prefill.prompt_tokens,
    }  # fmt: skip


def episodes_per_minute(
    tasks: list[str], seeds: list[int], workers: int, base_url: str, memory: Path, exemplars: int = 2
) -> dict[str, Any]:
    from bench.agents.synapse_llm import evaluate_task

    options = {
        "memory": str(memory), "exemplars": exemplars, "max_tokens": 64, "max_steps": 12,
        "base_url": base_url,
    }  # fmt: skip
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        list(
            pool.map(evaluate_task, [tasks[0]] * workers, [seeds[:1]] * workers, [options] * workers)
        )  # warm
        started = time.perf_counter()
        rows = list(pool.map(evaluate_task, tasks, [seeds] * len(tasks), [options] * len(tasks)))
    minutes = (time.perf_counter() - started) / 60
    episodes = sum(r["episodes"] for r in rows)
    success = sum(r["success"] * r["episodes"] for r in rows) / episodes
    return {"workers": workers, "episodes": episodes, "episodes_per_min": round(episodes / minutes, 2),
            "success": round(success, 3), "minutes": round(minutes, 2)}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    from bench.agents.memory_agent import CACHE, oracle_memory
    from palaestra.agents.llm.embedded import LlamaRuntime
    from palaestra.agents.llm.embedded.server import EmbeddedServer, ServerThread
    from palaestra.config import parse_seeds

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", default="enter-text,click-button,click-link,choose-list")
    parser.add_argument("--seeds", default="500-504")
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--repeats", type=int, default=3, help="timings of each token speed (the best counts)"
    )
    parser.add_argument(
        "--prompt-chars", type=int, default=3600, help="text of each timed prompt (3600: ~1,000 tokens)"
    )
    parser.add_argument("--generation-tokens", type=int, default=128, help="tokens of each timed generation")
    parser.add_argument("--exemplars", type=int, default=2, help="exemplars in each episode's prompts")
    parser.add_argument("--memory-tasks", default="*", help="globs over the oracles in the exemplar memory")
    parser.add_argument("--cache", type=Path, default=CACHE, help="where the exemplar memory is kept")
    args = parser.parse_args(argv)
    load_start = os.getloadavg()
    started = time.perf_counter()
    runtime = LlamaRuntime()
    result: dict[str, Any] = {"load_s": round(time.perf_counter() - started, 2), "threads": runtime.threads}
    result.update(token_speeds(runtime, args.repeats, args.prompt_chars, args.generation_tokens))
    memory = oracle_memory(tasks=args.memory_tasks, cache=args.cache)
    print(json.dumps(result), flush=True)
    tasks, seeds = args.tasks.split(","), parse_seeds(args.seeds)
    with ServerThread(EmbeddedServer(runtime)) as server:
        for workers in (1, 2):
            result[f"workers_{workers}"] = episodes_per_minute(
                tasks, seeds, workers, server.base_url, memory, args.exemplars
            )
            print(json.dumps(result[f"workers_{workers}"]), flush=True)
    result["two_over_one"] = round(
        result["workers_2"]["episodes_per_min"] / result["workers_1"]["episodes_per_min"], 2
    )
    result["loadavg"] = {"start": load_start, "end": os.getloadavg()}
    return emit(result, args.json)


if __name__ == "__main__":
    raise SystemExit(main())
