"""The Synapse agent with the embedded LLM and exemplar memory on MiniWoB++ (issue 19's figure).

    python -m bench.agents.synapse_llm [--tasks GLOBS] [--seeds 1000-1049] [--workers 2] [--out FILE.jsonl]
                                [--in-process] [--exemplars 3] [--max-steps 12] [--refer-by auto]
                                [--trace DIR]

It plays the 37 tasks of issue 19's figure (``FIGURE_TASKS``: the tasks that had oracles then;
``--tasks '*'`` adds the six oracles written since). The memory holds the demonstrations of every
oracle on seeds 0-4 (``bench.agents.memory_agent.oracle_memory``, the same cached directory as
that benchmark's). One
embedded server is shared by the workers (each worker has its own browser), unless
``--in-process`` gives every worker its own model.
Per task it prints success, steps, tokens and seconds per step; rows are appended to ``--out``
as tasks finish and a rerun skips the tasks already there, so a stopped run resumes. ``--trace``
keeps every step's answer, action and error per task, to see why episodes fail. ``--refer-by id``
gives the first attempt's prompts (elements by id, no grammar) for comparison.

Target: at least 0.8 mean success. Prompts are tuned on seeds 500-549, never on 1000-1049.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import multiprocessing
import os
import statistics
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from bench.agents.memory_agent import CACHE, oracle_memory

#: The tasks README's figure is measured on (issue 19: "the 37 MiniWoB++ tasks that have exemplars").
FIGURE_TASKS = (
    "book-flight", "choose-date-easy", "choose-list", "click-button", "click-button-sequence",
    "click-checkboxes", "click-collapsible", "click-color", "click-dialog", "click-dialog-2", "click-link",
    "click-menu-2", "click-option", "click-pie-nodelay", "click-scroll-list", "click-tab", "click-test",
    "click-test-2", "click-widget", "copy-paste", "drag-box", "email-inbox", "enter-date", "enter-password",
    "enter-text", "enter-text-2", "enter-time", "focus-text", "focus-text-2", "identify-shape", "login-user",
    "navigate-tree", "scroll-text-2", "search-engine", "social-media", "use-autocomplete", "use-colorwheel-2",
)  # fmt: skip

_STATE: dict[str, Any] = {}


def make_agent(options: dict[str, Any]) -> Any:
    """One Synapse agent per worker process, over the shared server or an in-process model."""
    from palaestra.agents.llm import ChatModel, LLMConfig, default_model
    from palaestra.agents.retrieval import MemoryExemplars
    from palaestra.agents.synapse import SynapseAgent, SynapseConfig
    from palaestra.memory import ExemplarMemory, SentenceTransformerEmbedder

    if "agent" not in _STATE:
        source = MemoryExemplars(
            ExemplarMemory.open(options["memory"], SentenceTransformerEmbedder(num_threads=1))
        )
        if options.get("base_url"):
            model: Any = ChatModel(LLMConfig(
                model="gemma-3-270m", base_url=options["base_url"], max_tokens=options["max_tokens"],
                capabilities="chat,completion,grammar", timeout=600, max_retries=1,
            ))  # fmt: skip
        else:
            model = default_model(max_tokens=options["max_tokens"])
        config = SynapseConfig(
            exemplars=options["exemplars"],
            max_tokens=options["max_tokens"],
            refer_by=options.get("refer_by", "auto"),
        )
        _STATE["agent"] = SynapseAgent(config, model=model, source=source)
    return _STATE["agent"]


def evaluate_task(task: str, seeds: list[int], options: dict[str, Any]) -> dict[str, Any]:
    import palaestra  # noqa: F401
    from palaestra.agents import TaskInfo
    from palaestra.envs import BrowserEnv, ObsConfig

    agent = make_agent(options)
    env = BrowserEnv(f"miniwob.{task}", obs_config=ObsConfig(screenshot=False))
    wins, steps, tokens_in, tokens_out, model_seconds, parse_failures = 0, 0, 0, 0, 0.0, 0
    started = time.perf_counter()
    trace: list[dict[str, Any]] = []
    try:
        for seed in seeds:
            obs, _ = env.reset(seed=seed)
            agent.reset(TaskInfo(goal=obs["goal"], action_set=env.action_set))
            for _ in range(options["max_steps"]):
                step = agent.act(obs)
                if step.stop:  # the agent gave up: a failure, as the runner counts it
                    break
                steps += 1
                tokens_in, tokens_out = tokens_in + step.tokens_in, tokens_out + step.tokens_out
                model_seconds += step.latency
                parse_failures += bool(step.extra.get("parse_errors"))
                obs, _, terminated, truncated, info = env.step(step.action)
                trace.append({
                    "seed": seed, "goal": obs["goal"], "answer": step.raw_response, "action": step.action,
                    "error": obs["last_action_error"], "success": info.get("success"),
                })  # fmt: skip
                if terminated or truncated:
                    wins += bool(info["success"])
                    break
    finally:
        env.close()
        if options.get("trace"):
            path = Path(options["trace"]) / f"{task}.jsonl"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("".join(json.dumps(line) + "\n" for line in trace))
    wall = time.perf_counter() - started
    per_step = max(1, steps)
    return {
        "task": task, "episodes": len(seeds), "success": round(wins / len(seeds), 3), "steps": steps,
        "tokens_in_per_step": round(tokens_in / per_step),
        "tokens_out_per_step": round(tokens_out / per_step, 1),
        "model_s_per_step": round(model_seconds / per_step, 2), "wall_s_per_step": round(wall / per_step, 2),
        "unparsed_steps": parse_failures, "wall_s": round(wall, 1),
    }  # fmt: skip


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    steps = sum(r["steps"] for r in rows) or 1
    return {
        "tasks": len(rows), "episodes": sum(r["episodes"] for r in rows),
        "mean_success": round(statistics.mean(r["success"] for r in rows), 3) if rows else None,
        "tokens_in_per_step": round(sum(r["tokens_in_per_step"] * r["steps"] for r in rows) / steps),
        "tokens_out_per_step": round(sum(r["tokens_out_per_step"] * r["steps"] for r in rows) / steps, 1),
        "model_s_per_step": round(sum(r["model_s_per_step"] * r["steps"] for r in rows) / steps, 2),
        "wall_s_per_step": round(sum(r["wall_s_per_step"] * r["steps"] for r in rows) / steps, 2),
        "below_0.8": sorted(r["task"] for r in rows if r["success"] < 0.8),
        "target": 0.8,
    }  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    from palaestra.agents.llm.embedded import LlamaRuntime
    from palaestra.agents.llm.embedded.server import EmbeddedServer, ServerThread
    from palaestra.config import parse_seeds
    from palaestra.tasks.miniwob.oracles import ORACLES

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--tasks", default="", help="globs over the tasks that have oracles (default: the figure's 37)"
    )
    parser.add_argument("--seeds", default="1000-1049")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--exemplars", type=int, default=3)
    parser.add_argument("--max-tokens", type=int, default=96)
    parser.add_argument("--max-steps", type=int, default=12)
    parser.add_argument("--in-process", action="store_true", help="a model per worker instead of one server")
    parser.add_argument("--trace", type=Path, help="a folder for each task's steps (answer, action, error)")
    parser.add_argument("--refer-by", default="auto", help="synapse's refer_by: auto, id or text")
    parser.add_argument(
        "--out", type=Path, help="JSONL of per-task rows (resumes: finished tasks are skipped)"
    )
    parser.add_argument("--memory-tasks", default="*", help="globs over the oracles in the exemplar memory")
    parser.add_argument("--cache", type=Path, default=CACHE, help="where the exemplar memory is kept")
    args = parser.parse_args(argv)
    if args.tasks:
        tasks = sorted(t for t in ORACLES if any(fnmatch.fnmatchcase(t, p) for p in args.tasks.split(",")))
    else:
        tasks = sorted(FIGURE_TASKS)
    done: dict[str, dict[str, Any]] = {}
    if args.out and args.out.exists():
        done = {row["task"]: row for row in map(json.loads, args.out.read_text().splitlines()) if row}
    options = {
        "memory": str(oracle_memory(tasks=args.memory_tasks, cache=args.cache)), "exemplars": args.exemplars,
        "max_tokens": args.max_tokens, "max_steps": args.max_steps, "trace": str(args.trace or ""),
        "refer_by": args.refer_by,
    }  # fmt: skip
    server = None
    if not args.in_process:
        server = ServerThread(EmbeddedServer(LlamaRuntime())).start()
        options["base_url"] = server.base_url
    started = time.perf_counter()
    rows = [done[t] for t in tasks if t in done]
    todo = [t for t in tasks if t not in done]
    try:
        with ProcessPoolExecutor(args.workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            futures = [pool.submit(evaluate_task, t, parse_seeds(args.seeds), options) for t in todo]
            for future in as_completed(futures):
                row = future.result()
                rows.append(row)
                print(json.dumps(row), flush=True)
                if args.out:
                    with args.out.open("a") as out:
                        out.write(json.dumps(row) + "\n")
    finally:
        if server is not None:
            server.stop()
    rows.sort(key=lambda r: r["task"])
    print(
        f"{'task':<24} {'success':>7} {'steps':>6} {'tok in':>7} {'tok out':>7} {'model s':>7} {'wall s':>7}"
    )
    for r in rows:
        print(
            f"{r['task']:<24} {r['success']:>7.2f} {r['steps']:>6} {r['tokens_in_per_step']:>7} "
            f"{r['tokens_out_per_step']:>7} {r['model_s_per_step']:>7} {r['wall_s_per_step']:>7}"
        )
    summary = summarise(rows)
    summary["this_run_minutes"] = round((time.perf_counter() - started) / 60, 1)
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
