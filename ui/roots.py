"""Where the UI may read runs and read or write memories: configured roots, and nothing outside them.

Every run folder and memory path in a request is a string from the browser. It is resolved (links
followed) and accepted only when it lies inside one of the roots the UI was started with, so a
request for `../../etc` or a link planted in a results folder reads nothing else.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from palaestra.errors import PalaestraError
from palaestra.runs.store import DB_NAME

#: How deep below a root runs are looked for (results/<group>/<run> is two).
RUN_DEPTH = 3
#: Folders never searched for runs: they hold episodes, reports and environments, not runs.
_SKIP = frozenset({"episodes", "report", ".venv", "node_modules", ".git", "__pycache__"})


class UiPathError(PalaestraError, ValueError):
    """A run or memory path outside the UI's configured roots, or not what it should be."""


class MemoryNotNamed(PalaestraError, ValueError):
    """A memory request that names no memory, or a UI started without a memory root: a 400 (the
    request needs fixing, no path was refused)."""


class RunNotFound(PalaestraError, LookupError):
    """A run path inside the UI's roots where no run is (moved, deleted, or a typo): a 404."""


@dataclass(frozen=True)
class UiRoots:
    """The folders the UI serves: runs are found under `runs`, memories live under `memories`.

    A root may itself be a run (``palaestra ui runs/mem``) or a folder of runs (``palaestra ui
    results``). New memories (saved demonstrations) are created under the first memory root.
    """

    runs: tuple[Path, ...]
    memories: tuple[Path, ...] = ()

    @classmethod
    def of(cls, runs: Sequence[str | Path], memories: Sequence[str | Path] = ()) -> UiRoots:
        return cls(tuple(Path(r).resolve() for r in runs), tuple(Path(m).resolve() for m in memories))

    # -- runs ---------------------------------------------------------------------------------------

    def find_runs(self) -> list[Path]:
        """Every run folder (one holding a results database) under the run roots, sorted, no repeats."""
        found: dict[Path, None] = {}
        for root in self.runs:
            for run in _runs_under(root, RUN_DEPTH):
                found.setdefault(run, None)
        return sorted(found)

    def run(self, ident: str) -> Path:
        """The run folder a request names (an absolute path, or one relative to a run root)."""
        path = _inside(ident, self.runs, "run")
        if not (path / DB_NAME).is_file():
            found = self.find_runs()
            shown = ", ".join(self.label(r) for r in found[:5]) + (", ..." if len(found) > 5 else "")
            raise RunNotFound(
                f"No run at {ident} (no {DB_NAME} there). "
                + (f"The runs this UI serves: {shown}." if found else "This UI serves no runs yet.")
            )
        return path

    # -- memories -----------------------------------------------------------------------------------

    def memory(self, ident: str) -> Path:
        """A memory folder a request names; it need not exist yet (demonstrations create it)."""
        if not self.memories:
            raise MemoryNotNamed("No memory folder is configured: start the UI with --memories DIR.")
        if not ident.strip():
            raise MemoryNotNamed("Name the memory: a folder name under the memory root.")
        return _inside(ident, self.memories, "memory")

    def find_memories(self) -> list[Path]:
        from palaestra.memory import persist

        found: dict[Path, None] = {}
        for root in self.memories:
            if persist.is_memory(root):
                found.setdefault(root, None)
            for folder in _folders_under(root, 2):
                if persist.is_memory(folder):
                    found.setdefault(folder, None)
        return sorted(found)

    def label(self, path: Path) -> str:
        """How a path is shown: relative to its root when it is under one."""
        for root in (*self.runs, *self.memories):
            if path == root:
                return path.name or str(path)
            if root in path.parents:
                return f"{root.name}/{path.relative_to(root)}"
        return str(path)


def _inside(ident: str, roots: tuple[Path, ...], what: str) -> Path:
    """``ident`` resolved against each root in turn; the first that stays inside its root wins."""
    if "\x00" in ident:
        raise UiPathError(f"The {what} path holds a NUL character.")
    given = Path(ident)
    candidates = [given] if given.is_absolute() else [root / given for root in roots]
    for candidate in candidates:
        path = candidate.resolve()
        for root in roots:
            if path == root or root in path.parents:
                return path
    shown = ", ".join(str(r) for r in roots) or "(none)"
    raise UiPathError(f"{ident} is outside the folders this UI serves ({shown}); start it with that folder.")


def _runs_under(root: Path, depth: int) -> Iterator[Path]:
    if (root / DB_NAME).is_file():
        yield root
        return
    for folder in _folders_under(root, depth):
        if (folder / DB_NAME).is_file():
            yield folder


def _folders_under(root: Path, depth: int) -> Iterator[Path]:
    """Folders below ``root`` up to ``depth`` levels, not entering runs or skipped names; links are
    followed only when they stay inside ``root``."""
    if depth <= 0 or not root.is_dir():
        return
    try:
        entries = sorted(os.scandir(root), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        if entry.name in _SKIP or entry.name.startswith(".") or not entry.is_dir():
            continue
        folder = Path(entry.path)
        real = folder.resolve()
        if entry.is_symlink() and root.resolve() not in real.parents:
            continue
        yield folder.resolve()
        if not (folder / DB_NAME).is_file():
            yield from _folders_under(folder, depth - 1)
