"""Loading OmniACT for users who have the data set (it is not shipped, nor downloaded).

Layout, relative to the data set's root: a split file (``train.json``, ``val.json``, ``test.json``)
maps ids to ``{"task": ..., "image": ..., "box": ...}`` paths. A task file holds ``Task: <text>``,
then ``Output Script:`` and the gold PyAutoGUI script. A box file maps element labels to
``{"top_left": [x, y], "bottom_right": [x, y]}`` in screenshot pixels.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from palaestra.omniact.score import POINTER, Box, scored_actions


@dataclass(frozen=True)
class OmniActTask:
    id: str
    task: str
    gold_script: str
    image: Path
    boxes: dict[str, Box]

    def gold_boxes(self) -> list[Box | None]:
        """For each pointer action of the gold script, the smallest labelled box around its point."""
        out: list[Box | None] = []
        for action in scored_actions(self.gold_script):
            if isinstance(action, POINTER):
                target = getattr(action, "target", None)
                inside = [
                    b
                    for b in self.boxes.values()
                    if isinstance(target, tuple) and b[0] <= target[0] <= b[2] and b[1] <= target[1] <= b[3]
                ]
                out.append(min(inside, key=lambda b: (b[2] - b[0]) * (b[3] - b[1])) if inside else None)
        return out


def parse_task_file(text: str) -> tuple[str, str]:
    """(task text, gold script) of an OmniACT task file."""
    head, _, script = text.partition("Output Script:")
    return head.strip().removeprefix("Task:").strip(), script.strip()


def load_split(root: str | Path, split: str = "test") -> list[OmniActTask]:
    root = Path(root)
    index = json.loads((root / f"{split}.json").read_text())
    tasks = []
    for task_id, entry in index.items():
        text, script = parse_task_file((root / entry["task"]).read_text())
        boxes: dict[str, Box] = {}
        box_path = root / entry.get("box", "")
        if entry.get("box") and box_path.is_file():
            for label, b in json.loads(box_path.read_text()).items():
                (x1, y1), (x2, y2) = b["top_left"], b["bottom_right"]
                boxes[label] = (float(x1), float(y1), float(x2), float(y2))
        tasks.append(OmniActTask(str(task_id), text, script, root / entry["image"], boxes))
    return tasks
