"""Where an episode's files go, confined to the run's directory.

Agent labels and task names come from users and run files; a label such as `../../etc` must not
write outside the run. Every path is built from sanitised parts and checked to stay inside.
"""

from __future__ import annotations

import hashlib
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


def folder_name(text: str) -> str:
    """The folder for an agent label or task name, one to one: the name itself when it is safe,
    else its safe form and a hash of the name (`my agent` -> `my_agent~1c2d3e4f`), so that two
    labels never share a folder and overwrite each other's episodes. `~` never occurs in a safe
    name, so a hashed folder cannot equal another label's plain one."""
    part = safe_part(text)
    if part == text:
        return part
    return f"{part[:100]}~{hashlib.sha256(text.encode()).hexdigest()[:8]}"


def confined(root: Path, relative: str | Path) -> Path:
    """`root / relative`, refusing anything that resolves outside `root`."""
    root = root.resolve()
    path = (root / relative).resolve()
    if path != root and root not in path.parents:
        raise ArtifactPathError(f"{relative} is outside the run directory {root}.")
    return path


def episode_dir(run_dir: Path, agent: str, task: str, seed: int, *, fresh: bool = False) -> Path:
    """`run_dir/episodes/<agent>/<task>/<seed>`; with `fresh`, emptied of a previous attempt's files."""
    folder = confined(run_dir, Path("episodes", folder_name(agent), folder_name(task), str(int(seed))))
    if fresh and folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return folder
