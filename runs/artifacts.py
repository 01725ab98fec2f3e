"""Where an episode's files go, confined to the run's directory.

Agent labels and task names come from users and run files; a label such as `../../etc` must not
write outside the run. Every path is built from sanitised parts and checked to stay inside.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from palaestra.errors import PalaestraError

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
#: Outcomes of the calls agents made to their tasks' APIs, and the routes that worked (SQLite, shared
#: by the run's workers); the runner writes `API_REPORT` from it when the run stops.
API_FEEDBACK = "api_feedback.db"
API_REPORT = "api_feedback.md"


class ArtifactPathError(PalaestraError, ValueError):
    """A path that would leave the run's directory."""


def safe_part(text: str) -> str:
    """A single path component: unsafe characters become `_`, and it is never `.` or `..`."""
    part = _UNSAFE.sub("_", text).strip(".") or "_"
    return part[:120]


def confined(root: Path, relative: str | Path) -> Path:
    """`root / relative`, refusing anything that resolves outside `root`."""
    root = root.resolve()
    path = (root / relative).resolve()
    if path != root and root not in path.parents:
        raise ArtifactPathError(f"{relative} is outside the run directory {root}.")
    return path


def episode_dir(run_dir: Path, agent: str, task: str, seed: int, *, fresh: bool = False) -> Path:
    """`run_dir/episodes/<agent>/<task>/<seed>`; with `fresh`, emptied of a previous attempt's files."""
    folder = confined(run_dir, Path("episodes", safe_part(agent), safe_part(task), str(int(seed))))
    if fresh and folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return folder
