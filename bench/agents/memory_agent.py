"""The offline memory agent on MiniWoB++: demonstrations from the oracles on seeds 0-4, evaluation
on seeds 1000-1049 of the same tasks, and on tasks that have no exemplar of their own.

    python -m bench.agents.memory_agent [--tasks '*'] [--eval-seeds 1000-1049]
                                        [--others-seeds 1000-1004] [--workers 2] [--json out.json]

Target: at least 0.9 mean success on the tasks that have exemplars.

The memory is built once and cached under ``.cache/bench/memory-agent/memory-v<format>-seeds-<seeds>``:
a change to what a demonstration records bumps ``palaestra.agents.demos.DEMO_FORMAT`` and so the
directory; ``--rebuild`` records it again regardless. It holds every oracle's demonstrations unless
``--demo-tasks`` narrows them (then the directory's name says which).
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import multiprocessing
import os
import shutil
import statistics
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from palaestra.memory import Embedder

CACHE = Path(".cache/bench/memory-agent")
_SOURCES: dict[str, Any] = {}


def evaluate_task(task: str, seeds: list[int], memory_dir: str) -> dict[str, Any]:
    """Success of the memory agent on one task (runs in a worker process with its own browser)."""
    import palaestra  # noqa: F401
    from palaestra.agents import TaskInfo
    from palaestra.agents.memory_agent import MemoryAgent, MemoryAgentConfig
    from palaestra.agents.retrieval import MemoryExemplars
    from palaestra.envs import BrowserEnv, ObsConfig
    from palaestra.memory import ExemplarMemory, SentenceTransformerEmbedder

    if memory_dir not in _SOURCES:  # one model and memory per worker process, not per task
        embedder = SentenceTransformerEmbedder(num_threads=1)
        _SOURCES[memory_dir] = MemoryExemplars(ExemplarMemory.open(memory_dir, embedder))
    agent = MemoryAgent(MemoryAgentConfig(), source=_SOURCES[memory_dir])
    env = BrowserEnv(f"miniwob.{task}", obs_config=ObsConfig(screenshot=False))
    wins, retrieved = 0, 0
    try:
        for seed in seeds:
            obs, _ = env.reset(seed=seed)
            agent.reset(TaskInfo(goal=obs["goal"], action_set=env.action_set))
            for _ in range(30):
                step = agent.act(obs)
                obs, _, terminated, truncated, info = env.step(step.action)
                if terminated or truncated:
                    wins += bool(info["success"])
                    break
                if step.extra.get("exhausted"):
                    break
            # The agent chooses its exemplar on the first page: count after the episode.
            retrieved += agent.exemplar is not None and agent.exemplar.family == task
    finally:
        env.close()
    return {"task": task, "episodes": len(seeds), "success": wins / len(seeds), "own_family": retrieved}


def oracle_memory(
    demo_seeds: str = "0-4",
    rebuild: bool = False,
    tasks: str = "*",
    cache: Path = CACHE,
    embedder: Embedder | None = None,
) -> Path:
    """The memory of the oracles' episodes on ``demo_seeds`` (every oracle's, unless the globs in
    ``tasks`` narrow them), recorded once (``bench.agents.synapse_llm`` uses it too). One directory
    per recording format and seeds: a memory recorded by an older recorder lacks what the agents now
    read (the first page's signature, ancestors, value sources). ``embedder`` is MiniLM unless given
    (a caller that has it loaded already passes it, not paying a second load)."""
    from palaestra.agents.demos import DEMO_FORMAT, record_oracles
    from palaestra.config import parse_seeds
    from palaestra.runs.memory_cli import add_to_memory

    memory_dir = cache / f"memory-v{DEMO_FORMAT}-seeds-{demo_seeds}"
    if tasks != "*":
        memory_dir = memory_dir.with_name(f"{memory_dir.name}-tasks-{tasks.replace('/', '_')}")
    if rebuild and memory_dir.exists():
        shutil.rmtree(memory_dir)
    if not (memory_dir / "meta.json").exists():
        building = memory_dir.with_name(memory_dir.name + ".building")  # a stopped build is not reused
        shutil.rmtree(building, ignore_errors=True)
        building.parent.mkdir(parents=True, exist_ok=True)
        memory, count = add_to_memory(
            building, record_oracles(tasks.split(","), parse_seeds(demo_seeds)), embedder
        )
        memory.close()
        building.rename(memory_dir)
        print(f"built {memory_dir}: {count} exemplars", flush=True)
    return memory_dir


def main(argv: list[str] | None = None) -> int:
    from palaestra.config import parse_seeds
    from palaestra.tasks import list_tasks
    from palaestra.tasks.miniwob.oracles import ORACLES

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", default="*", help="globs over the tasks that have oracles")
    parser.add_argument("--demo-seeds", default="0-4")
    parser.add_argument("--eval-seeds", default="1000-1049")
    parser.add_argument(
        "--others-seeds",
        default="1000-1004",
        help="seeds for tasks without exemplars ('' skips); not the demonstrations' seeds, on which a "
        "variant such as book-flight-nodelay replays its sibling's recorded episode exactly",
    )
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--demo-tasks", default="*", help="globs over the oracles recorded into the memory")
    parser.add_argument("--cache", type=Path, default=CACHE, help="where the memory is kept")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--json", default="")
    args = parser.parse_args(argv)
    tasks = sorted(t for t in ORACLES if any(fnmatch.fnmatchcase(t, p) for p in args.tasks.split(",")))
    memory_dir = oracle_memory(args.demo_seeds, args.rebuild, args.demo_tasks, args.cache)
    others = [n.split(".", 1)[1] for n in list_tasks(suite="miniwob") if n.split(".", 1)[1] not in ORACLES]
    jobs = [(t, parse_seeds(args.eval_seeds), True) for t in tasks]
    if args.others_seeds:
        jobs += [(t, parse_seeds(args.others_seeds), False) for t in others]
    # spawn, not fork: this process already runs a browser loop thread, which a fork would not copy.
    with ProcessPoolExecutor(
        max_workers=args.workers, mp_context=multiprocessing.get_context("spawn")
    ) as pool:
        futures = {pool.submit(evaluate_task, t, seeds, str(memory_dir)): own for t, seeds, own in jobs}
        results = []
        for future in as_completed(futures):  # print as tasks finish: a stopped run keeps its lines
            own, row = futures[future], future.result()
            results.append((own, row))
            print(
                f"done {row['task']:<28} exemplars={'yes' if own else 'no'} success={row['success']:.2f}",
                flush=True,
            )
    results.sort(key=lambda pair: (not pair[0], pair[1]["task"]))
    print(f"{'task':<30} {'exemplars':>9} {'episodes':>8} {'success':>8}")
    for own, r in results:
        print(f"{r['task']:<30} {'yes' if own else 'no':>9} {r['episodes']:>8} {r['success']:>8.2f}")
    with_ex = [r["success"] for own, r in results if own]
    without = [r["success"] for own, r in results if not own]
    summary = {
        "tasks_with_exemplars": len(with_ex),
        "mean_success_with_exemplars": round(statistics.mean(with_ex), 3) if with_ex else None,
        "tasks_without_exemplars": len(without),
        "mean_success_without_exemplars": round(statistics.mean(without), 3) if without else None,
        "target": 0.9,
        "pass": bool(with_ex) and statistics.mean(with_ex) >= 0.9,
    }
    if args.json:
        Path(args.json).write_text(
            json.dumps({"summary": summary, "rows": [r for _, r in results]}, indent=1)
        )
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
