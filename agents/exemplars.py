"""Exemplar sources for agents, and building an exemplar memory from demonstrations.

``python -m palaestra.agents.exemplars build --out memories/miniwob --tasks click-*,enter-text
--seeds 0-4`` records the MiniWoB++ oracles' episodes and stores the successful ones.
"""

from __future__ import annotations

import argparse
import fnmatch
from pathlib import Path

from palaestra.agents.demos import Demonstration, record_episode
from palaestra.agents.retrieval import Exemplar, ExemplarSource
from palaestra.config import parse_seeds
from palaestra.memory import Embedder, ExemplarMemory
from palaestra.memory import Exemplar as StoredExemplar


class NoExemplars:
    """The source of a zero-shot agent."""

    def search(self, goal: str, k: int) -> list[Exemplar]:
        return []


class MemoryExemplars:
    """Successful trajectories from an ``ExemplarMemory``, nearest goal first."""

    def __init__(self, memory: ExemplarMemory) -> None:
        self.memory = memory

    def search(self, goal: str, k: int) -> list[Exemplar]:
        hits = self.memory.search(goal, k=k, filters={"success": True})
        return [Exemplar(stored.goal, stored.task, stored.trajectory, score) for stored, score in hits]


def open_exemplar_source(path: str) -> ExemplarSource:
    if not path:
        return NoExemplars()
    return MemoryExemplars(ExemplarMemory.open(path))


def to_stored(demo: Demonstration, suite: str, task: str, source: str) -> StoredExemplar:
    return StoredExemplar(
        goal=demo.goal, suite=suite, task=task, trajectory=demo.steps, success=demo.success,
        reward=demo.reward, source=source,
    )  # fmt: skip


def build_from_oracles(
    out: str | Path,
    patterns: list[str],
    seeds: list[int],
    only_successful: bool = True,
    embedder: Embedder | None = None,
) -> ExemplarMemory:
    """Record the oracles of the MiniWoB++ tasks matching ``patterns`` on ``seeds`` into a memory."""
    from palaestra.envs import BrowserEnv
    from palaestra.tasks.miniwob.oracles import ORACLES

    tasks = sorted(t for t in ORACLES if any(fnmatch.fnmatchcase(t, p) for p in patterns))
    if (Path(out) / "meta.json").exists():
        memory = ExemplarMemory.open(out, embedder=embedder)
    else:
        memory = ExemplarMemory.create(out, embedder=embedder)
    for task in tasks:
        env = BrowserEnv(f"miniwob.{task}")
        try:
            demos = [record_episode(env, ORACLES[task], seed) for seed in seeds]
        finally:
            env.close()
        memory.add(to_stored(d, "miniwob", task, "oracle") for d in demos if d.success or not only_successful)
    memory.save()
    return memory


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build an exemplar memory from demonstrations.")
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="record the MiniWoB++ oracles into a memory")
    build.add_argument("--out", required=True)
    build.add_argument("--tasks", default="*", help="comma-separated globs over MiniWoB++ task names")
    build.add_argument("--seeds", default="0-4")
    args = parser.parse_args(argv)
    memory = build_from_oracles(args.out, args.tasks.split(","), parse_seeds(args.seeds))
    print(f"{len(memory)} exemplars in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
