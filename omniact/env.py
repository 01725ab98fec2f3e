"""OmniACT as an offline environment, so that `palaestra eval` scores agents' scripts on it.

One step per episode: the observation is the task and its screenshot; the action is a PyAutoGUI
script in the screenshot's pixels, parsed and never run, scored against the gold script. The reward
is OmniACT's action score; success means a perfect one. The suite exists when ``PALAESTRA_OMNIACT``
names the data set's root (``PALAESTRA_OMNIACT_SPLIT`` picks the split, ``test`` by default).

The labelled element boxes are OmniACT's evaluation metadata, which its authors say must not be used
for inference on the test set: they are hidden. ``PALAESTRA_OMNIACT_ELEMENTS=shown`` shows them (as
``axtree`` lines and element records, so an agent may write ``click('3')``), for ablations with
perfect grounding; such figures are not comparable with OmniACT's.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

import numpy as np
from gymnasium import spaces
from PIL import Image

from palaestra.envs.actions import get_action_set
from palaestra.envs.actions.types import Action
from palaestra.envs.base import PalaestraEnv, StepResult
from palaestra.envs.desktop.actions import DesktopActionSet
from palaestra.envs.desktop.parse import parse_pyautogui
from palaestra.envs.obs import Observation, ObservationLayout
from palaestra.envs.spaces import Unicode
from palaestra.errors import ActionError, EnvStateError, SuiteUnavailable
from palaestra.omniact.data import OmniActDataError, OmniActTask, load_entry, load_split, read_index
from palaestra.omniact.score import score_actions, scored_actions
from palaestra.tasks.registry import TaskSpec, get_task_spec

#: Whether agents see the data set's labelled element boxes: "hidden" (OmniACT's protocol) or "shown".
ELEMENTS_ENV = "PALAESTRA_OMNIACT_ELEMENTS"
#: What the action set says to agents when the boxes are hidden: the desktop's own intro offers
#: element ids from an accessibility tree, which an OmniACT screenshot does not come with.
PIXELS_INTRO = (
    "Write PyAutoGUI calls, one per line (the `pyautogui.` prefix is optional), with x, y in the\n"
    "screenshot's pixels: pyautogui.click(640, 400). No elements are listed here, so element ids such "
    "as click('12') do not apply."
)


def suite_tasks() -> list[TaskSpec]:
    """The `omniact` suite's entry point: the tasks of the split, when the data set is there."""
    root = os.environ.get("PALAESTRA_OMNIACT", "")
    if not root:
        raise SuiteUnavailable(
            "it reads the OmniACT data set, which is not shipped: set PALAESTRA_OMNIACT=/path/to/omniact "
            "(the folder of train.json and test.json)."
        )
    split = os.environ.get("PALAESTRA_OMNIACT_SPLIT", "test")
    elements = os.environ.get(ELEMENTS_ENV, "hidden")
    if elements not in ("hidden", "shown"):
        raise SuiteUnavailable(f"{ELEMENTS_ENV}={elements!r}: say 'hidden' (the default) or 'shown'.")
    if not (Path(root) / f"{split}.json").is_file():
        splits = [s for s in ("train", "val", "test") if (Path(root) / f"{s}.json").is_file()]
        raise SuiteUnavailable(
            f"PALAESTRA_OMNIACT={root} has no {split}.json"
            + (
                f" (its splits: {', '.join(splits)}; PALAESTRA_OMNIACT_SPLIT picks one)."
                if splits
                else ": point it at the OmniACT data set's root, the folder of train.json and test.json."
            )
        )
    return [
        TaskSpec(
            f"omniact.{t.id}",
            "omniact",
            "palaestra.omniact.env:load_task",
            {"root": root, "split": split, "task_id": t.id, "show_elements": elements == "shown"},
            t.task[:80],
            env="palaestra.omniact.env:OmniActEnv",
            seeded=False,  # one screenshot, one script: five seeds would ask the model five times
        )
        for t in load_split(root, split)
    ]


def load_task(root: str, split: str, task_id: str, show_elements: bool = False) -> OmniActTask:
    """One task, reading its own files only (not the whole split's, once per episode)."""
    index = read_index(root, split)
    if task_id not in index:
        raise OmniActDataError(f"{split}.json under PALAESTRA_OMNIACT={root} has no task {task_id!r}.")
    return dataclasses.replace(load_entry(root, task_id, index[task_id]), show_elements=show_elements)


def with_coordinates(task: OmniActTask, script: str) -> list[Action]:
    """The script's actions with element ids (``click('3')``, the observation's numbering of the
    task's labelled boxes) replaced by the centres of their boxes, as the score reads them. The
    actions themselves, not a script printed again: printing rounds coordinates (``%g``)."""
    boxes = {str(i): box for i, box in enumerate(task.boxes.values(), 1)}

    def resolve(element_id: str) -> tuple[float, float]:
        if not task.show_elements:
            raise ActionError(
                f"No element ids here ({element_id!r}): give x, y in the screenshot's pixels, "
                "such as pyautogui.click(640, 400)."
            )
        if element_id not in boxes:
            raise ActionError(f"No element {element_id!r}; use an id from the observation or x, y.")
        x1, y1, x2, y2 = boxes[element_id]
        return (x1 + x2) / 2, (y1 + y2) / 2

    out = []
    for action in scored_actions(script):
        target = getattr(action, "target", None)
        if isinstance(target, str):
            action = dataclasses.replace(action, target=resolve(target))  # type: ignore[call-arg]
        out.append(action)
    return out


class OmniActEnv(PalaestraEnv):
    """One OmniACT task: show the screen, score the script the agent writes."""

    def __init__(self, task: str | OmniActTask, **_: Any) -> None:
        made = get_task_spec(task).make() if isinstance(task, str) else task
        if not isinstance(made, OmniActTask):
            raise TypeError(f"{made!r} is not an OmniACT task; OmniActEnv plays `omniact.*` tasks only.")
        self.task: OmniActTask = made
        with Image.open(self.task.image) as image:
            self.pixels = np.asarray(image.convert("RGB"))
        height, width = self.pixels.shape[:2]
        shown = get_action_set("desktop")
        self.action_set = (
            shown if self.task.show_elements else DesktopActionSet("desktop", parse_pyautogui, PIXELS_INTRO)
        )
        self.layout = ObservationLayout.of(["axtree", "elements", "screenshot"], (width, height))
        self.observation_space: spaces.Space[Observation] = self.layout.space()  # type: ignore[assignment]
        self.action_space = Unicode(max_length=20_000)
        self.timings: dict[str, float] = {}
        self.labels = list(self.task.boxes)
        self._started = False

    def _elements(self) -> list[dict[str, Any]]:
        if not self.task.show_elements:
            return []
        out = []
        for i, (label, (x1, y1, x2, y2)) in enumerate(self.task.boxes.items(), 1):
            box = (x1, y1, x2 - x1, y2 - y1)
            out.append(
                {
                    "id": str(i),
                    "tag": "element",
                    "role": "element",
                    "name": label,
                    "value": "",
                    "text": label,
                    "bbox": box,
                    "visible": True,
                    "in_viewport": True,
                    "clickable": True,
                    "editable": False,
                    "checked": None,
                    "selected": None,
                    "focused": False,
                    "attributes": {},
                    "parent": "",
                }
            )
        return out

    def _observe(self, action: str = "", error: str = "") -> Observation:
        elements = self._elements()
        axtree = "\n".join(
            f"[{e['id']}] {e['name']} ({','.join(str(round(v)) for v in e['bbox'])})" for e in elements
        )
        return self.layout.build(
            {
                "goal": self.task.task,
                "axtree": axtree,
                "elements": elements,
                "screenshot": self.pixels,
                "last_action": action,
                "last_action_error": error,
            }
        )

    async def areset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Observation, dict[str, Any]]:
        self.seed_rng(seed)
        self._started, self._done = True, False
        return self._observe(), {"seed": seed or 0, "task": f"omniact.{self.task.id}"}

    async def _astep(self, action: str) -> StepResult:
        if not self._started:
            raise EnvStateError("step() before reset(): call reset() to start an episode.")
        try:
            actions = with_coordinates(self.task, action)
        except ActionError as exc:
            return self._observe(action, str(exc)), 0.0, True, False, {"success": False, "error": None}
        score = score_actions(actions, scored_actions(self.task.gold_script), self.task.gold_boxes())
        info = {
            "success": score.action >= 0.999,
            "error": None,
            "task_info": {
                "action_score": score.action,
                "sequence_score": score.sequence / (score.gold_sequence or 1),
                "click_penalty": score.click_penalty,
                "key_penalty": score.key_penalty,
                "write_penalty": score.write_penalty,
            },
        }
        return self._observe(action, score.parse_error), score.action, True, False, info

    async def aclose(self) -> None:
        self._started = False

    @property
    def goal(self) -> str:
        return self.task.task
