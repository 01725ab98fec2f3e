"""OmniACT's offline scores for a generated PyAutoGUI script against the gold script.

Scripts are parsed with the desktop parser (never run). As we read OmniACT's definitions:

* **Sequence score**: the generated script earns ``beta1 + beta2 * (s - 1)`` (``s`` the gold script's
  length) when its action types (click, write, press, hotkey...) are the gold's, in order; else 0.
* **Action score**: the sequence score less three penalties, floored at 0, over the sequence score:
  a *click penalty* per click-like action, ``1 - mu / (alpha + mu)`` with ``alpha`` the distance from
  the predicted point to the gold element's box in units of that box's size (0 inside the box);
  a *key penalty* of 1 per press/hotkey whose keys differ; a *write penalty* of ``1 - similarity``
  between the typed texts. Summed over a data set, action score = sum(max(seq - penalties, 0)) /
  sum(seq) and sequence score = sum(seq) / sum(gold seq).
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Sequence
from dataclasses import dataclass

from palaestra.envs.actions.types import Action
from palaestra.envs.desktop import actions as A
from palaestra.envs.desktop.parse import parse_pyautogui
from palaestra.errors import ActionError

Box = tuple[float, float, float, float]  # left, top, right, bottom
BETA1, BETA2, MU = 0.1, 1.0, 1.0
POINTER = (A.Click, A.DoubleClick, A.TripleClick, A.RightClick, A.MiddleClick, A.MoveTo, A.DragTo)


@dataclass(frozen=True)
class ScriptScore:
    sequence: float  # earned sequence score (0 when the action types differ)
    gold_sequence: float  # what the gold script itself earns
    penalty: float
    parse_error: str = ""

    @property
    def action(self) -> float:
        """This script's action score (0 to 1)."""
        return max(self.sequence - self.penalty, 0.0) / self.gold_sequence if self.gold_sequence else 0.0


def action_type(action: Action) -> str:
    return {"doubleClick": "click", "tripleClick": "click", "rightClick": "rightClick", "write": "write"}.get(
        action.name, action.name
    )


def scored_actions(script: str) -> list[Action]:
    """The actions that count: waits and messages do not."""
    return [a for a in parse_pyautogui(script) if not isinstance(a, A.Wait | A.SendMsgToUser | A.Done)]


def click_penalty(point: tuple[float, float], box: Box | None, gold_point: tuple[float, float]) -> float:
    if box is None:  # no box known for the gold click: a 1-pixel box at its point
        box = (gold_point[0], gold_point[1], gold_point[0], gold_point[1])
    left, top, right, bottom = box
    dx = max(left - point[0], 0.0, point[0] - right)
    dy = max(top - point[1], 0.0, point[1] - bottom)
    size = max(right - left, bottom - top, 1.0)
    alpha = math.hypot(dx, dy) / size
    return 1.0 - MU / (alpha + MU)


def _point(action: Action) -> tuple[float, float] | None:
    target = getattr(action, "target", None)
    return (float(target[0]), float(target[1])) if isinstance(target, tuple) else None


def score_script(generated: str, gold: str, boxes: Sequence[Box | None] = ()) -> ScriptScore:
    """Score one generated script; `boxes` are the gold element boxes of the gold's pointer actions,
    in order (None where unknown)."""
    gold_actions = scored_actions(gold)
    gold_seq = BETA1 + BETA2 * (len(gold_actions) - 1) if gold_actions else 0.0
    try:
        actions = scored_actions(generated)
    except ActionError as exc:
        return ScriptScore(0.0, gold_seq, 0.0, parse_error=str(exc))
    if [action_type(a) for a in actions] != [action_type(a) for a in gold_actions]:
        return ScriptScore(0.0, gold_seq, 0.0)
    penalty, pointer_index = 0.0, 0
    for got, want in zip(actions, gold_actions, strict=True):
        if isinstance(want, POINTER):
            box = boxes[pointer_index] if pointer_index < len(boxes) else None
            pointer_index += 1
            point, gold_point = _point(got), _point(want)
            if gold_point is not None:
                penalty += 1.0 if point is None else click_penalty(point, box, gold_point)
        elif isinstance(want, A.Press | A.Hotkey):
            same = [k.lower() for k in got.keys] == [k.lower() for k in want.keys]  # type: ignore[attr-defined]
            penalty += 0.0 if same else 1.0
        elif isinstance(want, A.Write):
            typed = got.text if isinstance(got, A.Write) else ""
            penalty += 1.0 - difflib.SequenceMatcher(None, typed, want.text).ratio()
    return ScriptScore(gold_seq, gold_seq, penalty)


def aggregate(scores: Sequence[ScriptScore]) -> dict[str, float]:
    """OmniACT's data-set scores: sequence score and action score, each 0 to 1."""
    gold = sum(s.gold_sequence for s in scores)
    earned = sum(s.sequence for s in scores)
    kept = sum(max(s.sequence - s.penalty, 0.0) for s in scores)
    return {"sequence_score": earned / gold if gold else 0.0, "action_score": kept / gold if gold else 0.0}
