"""Loading OmniACT for users who have the data set (it is not shipped, nor downloaded).

Layout, relative to the data set's root (the folder ``PALAESTRA_OMNIACT`` names): a split file
(``train.json``, ``val.json``, ``test.json``) maps ids to ``{"task": ..., "image": ..., "box": ...}``
paths, such as ``data/tasks/desktop/ibooks/task_1.30.txt``, ``data/data/desktop/ibooks/screen_1.png``
and ``data/metadata/desktop/boxes/ibooks/screen_1.json``. A task file holds ``Task: <text>``, then
``Output Script:`` and the gold PyAutoGUI script. A box file maps element labels to
``{"top_left": [x, y], "bottom_right": [x, y]}`` in screenshot pixels.

A data set with files missing, or a file not in these formats, raises `OmniActDataError` naming the
file and the layout: a task scored against no boxes would get click penalties that mean nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from palaestra.errors import ActionError, SuiteUnavailable
from palaestra.omniact.score import POINTER, Box, scored_actions

LAYOUT = (
    'each entry of the split file is {"task": "data/tasks/...txt", "image": "data/data/...png", '
    '"box": "data/metadata/.../boxes/...json"}, paths relative to the folder PALAESTRA_OMNIACT names'
)


class OmniActDataError(SuiteUnavailable):
    """The OmniACT data set at ``PALAESTRA_OMNIACT`` is incomplete or not in OmniACT's formats."""


@dataclass(frozen=True)
class OmniActTask:
    id: str
    task: str
    gold_script: str
    image: Path
    boxes: dict[str, Box]
    #: Whether the environment shows agents the boxes (OmniACT's evaluation metadata; see `env`).
    show_elements: bool = False

    def gold_boxes(self) -> list[Box | None]:
        """For each pointer action of the gold script, the box of its element: the one centred on
        the gold point (OmniACT's gold clicks are box centres, and its scorer looks them up so), else
        the smallest labelled box around it."""
        out: list[Box | None] = []
        for action in scored_actions(self.gold_script):
            if isinstance(action, POINTER):
                target = getattr(action, "target", None)
                out.append(_box_of(target, self.boxes.values()) if isinstance(target, tuple) else None)
        return out


def _box_of(point: tuple[float, float], boxes: Any) -> Box | None:
    x, y = point
    centred = [b for b in boxes if (b[0] + b[2]) / 2 == x and (b[1] + b[3]) / 2 == y]
    inside = centred or [b for b in boxes if b[0] <= x <= b[2] and b[1] <= y <= b[3]]
    return min(inside, key=lambda b: (b[2] - b[0]) * (b[3] - b[1])) if inside else None


def parse_task_file(text: str) -> tuple[str, str]:
    """(task text, gold script) of an OmniACT task file."""
    head, _, script = text.partition("Output Script:")
    return head.strip().removeprefix("Task:").strip(), script.strip()


def read_index(root: str | Path, split: str = "test") -> dict[str, dict[str, str]]:
    """The split file: task ids to their entries, checked for the three paths."""
    path = Path(root) / f"{split}.json"
    try:
        index = json.loads(path.read_text())
    except FileNotFoundError:
        raise OmniActDataError(f"PALAESTRA_OMNIACT={root} has no {split}.json: {LAYOUT}.") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise OmniActDataError(f"{path} is not JSON ({exc}); {LAYOUT}.") from None
    if not isinstance(index, dict):
        raise OmniActDataError(f"{path} holds no mapping of task ids to entries; {LAYOUT}.")
    for task_id, entry in index.items():
        if not isinstance(entry, dict) or not all(
            isinstance(entry.get(k), str) for k in ("task", "image", "box")
        ):
            raise OmniActDataError(f"{path}: entry {task_id!r} is {entry!r}; {LAYOUT}.")
    return index


def load_entry(
    root: str | Path, task_id: str, entry: dict[str, str], read: dict[Path, dict[str, Box]] | None = None
) -> OmniActTask:
    """One task of the split file, its files read and checked; `read` keeps box files already read
    (OmniACT's screens serve several tasks each)."""
    root = Path(root)
    task_path, image, box_path = (root / entry[k] for k in ("task", "image", "box"))
    for what, key in (("task file", "task"), ("screenshot", "image"), ("box file", "box")):
        if not (root / entry[key]).is_file():
            raise OmniActDataError(
                f"Task {task_id}'s {what} {entry[key]} is not under PALAESTRA_OMNIACT={root}: "
                f"the data set is incomplete ({LAYOUT})."
            )
    text, script = parse_task_file(task_path.read_text())
    if not script:
        raise OmniActDataError(f"{task_path} has no 'Output Script:' line and gold script after it.")
    try:
        scored_actions(script)
    except ActionError as exc:  # scored at every step: say so now, naming the file, not mid-run
        raise OmniActDataError(f"{task_path}: its gold script does not parse: {exc}") from None
    read = {} if read is None else read
    if box_path not in read:
        read[box_path] = read_boxes(box_path)
    return OmniActTask(str(task_id), text, script, image, read[box_path])


def read_boxes(path: Path) -> dict[str, Box]:
    boxes: dict[str, Box] = {}
    try:
        for label, b in json.loads(path.read_text()).items():
            (x1, y1), (x2, y2) = b["top_left"], b["bottom_right"]
            boxes[label] = (float(x1), float(y1), float(x2), float(y2))
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise OmniActDataError(
            f"{path} is not a box file ({exc!r}): it maps labels to "
            '{"top_left": [x, y], "bottom_right": [x, y]}.'
        ) from None
    return boxes


def load_split(root: str | Path, split: str = "test") -> list[OmniActTask]:
    read: dict[Path, dict[str, Box]] = {}
    return [load_entry(root, task_id, entry, read) for task_id, entry in read_index(root, split).items()]
