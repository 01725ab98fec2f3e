"""Demonstrations and exemplar memories: save a live episode into a memory, list, view and delete.

A saved demonstration is the same exemplar a run's recorded demonstrations become
(`Demonstration.to_exemplar`, added with `runs.memory_cli.add_to_memory`), so the memory and
Synapse agents use it with no conversion. Its source says who acted (`ui:person`, `ui:agent`,
`ui:person+agent`), and each step keeps who took it.

`ExemplarMemory` is single-threaded; every use of one memory folder here holds that folder's lock,
and runs in a worker thread (embedding a goal takes a model). Opening a memory to list, view or
delete never loads its embedding model (models load on the first embedding).
"""

from __future__ import annotations

import contextlib
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from palaestra.memory import Embedder, ExemplarMemory
from palaestra.ui.live import AGENT, API, EDITED, PERSON, LiveError, LiveView
from palaestra.ui.replay import REPLAY

_locks: dict[Path, threading.Lock] = {}
_locks_guard = threading.Lock()


def _lock(path: Path) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(path, threading.Lock())


def source_of(view: LiveView) -> str:
    actors = {h["by"] for h in view.history}
    person = PERSON in actors or EDITED in actors
    agent = AGENT in actors or EDITED in actors or API in actors or REPLAY in actors  # a run's agent's
    return "ui:person+agent" if person and agent else "ui:agent" if agent else "ui:person"


class Embedders:
    """One embedding model per UI, loaded on the first save, used for every memory recorded with it
    (a memory recorded with another embedder is opened with its own)."""

    def __init__(self, embedder: Embedder | None = None) -> None:
        self.embedder = embedder
        self._guard = threading.Lock()

    def for_memory(self, path: Path) -> Embedder | None:
        from palaestra.memory import SentenceTransformerEmbedder, persist

        with self._guard:
            if self.embedder is None:
                self.embedder = SentenceTransformerEmbedder()
            if not persist.is_memory(path):
                return self.embedder
            recorded = persist.read_meta(path)["embedder"]["name"]
            return self.embedder if recorded == self.embedder.name else None


def save_demonstration(view: LiveView, path: Path, embedders: Embedders) -> dict[str, Any]:
    """Add the session's episode to the memory at ``path`` (created if missing)."""
    from palaestra.agents.demos import Demonstration
    from palaestra.runs.memory_cli import add_to_memory

    if not view.demo:
        raise LiveError("Nothing to save yet: take at least one step that runs without an error.")
    suite, _, task = view.session.task.partition(".")
    demo = Demonstration(goal=view.goal, steps=list(view.demo), success=view.success,
                         reward=view.reward)  # fmt: skip
    exemplar = demo.to_exemplar(
        suite,
        task,
        source_of(view),
        seed=view.session.seed,
        recorded_by="palaestra ui",
        actors=[step["by"] for step in view.demo],
    )
    with _lock(path):
        memory, added = add_to_memory(path, [exemplar], embedder=embedders.for_memory(path))
        total = len(memory)
        memory.close()
    return {"memory": str(path), "added": added, "total": total, "success": view.success}


@contextlib.contextmanager
def _opened(path: Path, exemplar_id: str | None = None) -> Iterator[ExemplarMemory]:
    """The memory at ``path``, locked and open (without loading its embedding model); with
    ``exemplar_id``, first checked to hold that exemplar."""
    with _lock(path):
        memory = ExemplarMemory.open(path, embedder=None)
        try:
            if exemplar_id is not None and exemplar_id not in memory:
                raise LiveError(f"No exemplar {exemplar_id!r} in {path.name}.")
            yield memory
        finally:
            memory.close()


def memory_summary(path: Path) -> dict[str, Any]:
    with _opened(path) as memory:
        exemplars = [memory.get(i) for i in memory.ids()]
    listed = ("id", "goal", "suite", "task", "success", "reward", "source", "metadata")
    return {
        "path": str(path),
        "count": len(exemplars),
        "families": dict(Counter(e.family for e in exemplars).most_common()),
        "exemplars": [{**{k: getattr(e, k) for k in listed}, "steps": len(e.trajectory)} for e in exemplars],
    }


def exemplar_detail(path: Path, exemplar_id: str) -> dict[str, Any]:
    with _opened(path, exemplar_id) as memory:
        exemplar = memory.get(exemplar_id)
    fields = ("action", "state", "by", "url")
    steps = [
        {f: str(s.get(f, "")) for f in fields} if isinstance(s, dict) else {"action": str(s)}
        for s in exemplar.trajectory
    ]  # fmt: skip
    return {**{k: v for k, v in exemplar.to_dict().items() if k != "trajectory"}, "steps": steps}


def delete_exemplar(path: Path, exemplar_id: str) -> dict[str, Any]:
    with _opened(path, exemplar_id) as memory:
        memory.remove([exemplar_id])
        memory.save()
        left = len(memory)
    return {"deleted": exemplar_id, "total": left}
