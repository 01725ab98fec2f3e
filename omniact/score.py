"""OmniACT's offline scores for a generated PyAutoGUI script against the gold script.

Scripts are parsed with the desktop parser (never run). The figures are those of OmniACT's own
scorer (its ``action_scorer.py``, which produced the paper's tables), written anew here:

* **Sequence score**: a gold script of ``s`` actions weighs ``s - 0.9`` (the paper's
  ``beta1 + beta2 * (s - 1)`` with ``beta1 = 0.1``, ``beta2 = 1``). A generated script earns that
  weight when its PyAutoGUI functions are the gold's, name for name and in order (``doubleClick``
  is not ``click``); else 0.
* **Action score**: a matching script keeps ``max(1 - (M + K + W) / s, 0)`` of its weight, each
  penalty summed over the gold's actions and divided by the gold's length ``s``:
  ``M``, per pointer action, ``1 - mu / (d + mu)`` with ``d`` the distance in pixels from the
  predicted point to the gold element's box (0 inside) and ``mu`` that box's diagonal; ``K``, 1 per
  ``press`` whose key or ``hotkey`` whose set of keys differs; ``W``, per ``write``, ``1 - BLEU``
  of the typed text against the gold's over characters (unigrams and bigrams weighed 0.5 each,
  NLTK's ``sentence_bleu`` without smoothing). Like OmniACT, keys and texts compare lower-cased.

Over a data set, sequence score = sum(earned weight) / sum(gold weight) and action score =
sum(weight * kept) / sum(gold weight) (`aggregate`), so longer gold scripts count more.
"""

from __future__ import annotations

import math
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from palaestra.envs.actions.types import Action
from palaestra.envs.desktop import actions as A
from palaestra.envs.desktop.parse import parse_pyautogui
from palaestra.errors import ActionError

Box = tuple[float, float, float, float]  # left, top, right, bottom
#: The sequence weight of a gold script of s actions is BETA1 + BETA2 * (s - 1).
BETA1, BETA2 = 0.1, 1.0
POINTER = (A.Click, A.DoubleClick, A.TripleClick, A.RightClick, A.MiddleClick, A.MoveTo, A.DragTo)


@dataclass(frozen=True)
class ScriptScore:
    """One script's score. The penalties are OmniACT's, each already divided by the gold's length."""

    sequence: float  # earned sequence weight (0 when the functions differ from the gold's)
    gold_sequence: float  # what the gold script itself earns
    click_penalty: float = 0.0
    key_penalty: float = 0.0
    write_penalty: float = 0.0
    parse_error: str = ""

    @property
    def penalty(self) -> float:
        return self.click_penalty + self.key_penalty + self.write_penalty

    @property
    def action(self) -> float:
        """This script's action score (0 to 1): the share of its sequence weight it keeps."""
        return max(1.0 - self.penalty, 0.0) if self.sequence > 0 else 0.0


def scored_actions(script: str) -> list[Action]:
    """The actions that count: waits and messages do not (OmniACT reads only ``pyautogui.`` lines)."""
    return [a for a in parse_pyautogui(script) if not isinstance(a, A.Wait | A.SendMsgToUser | A.Done)]


def click_penalty(point: tuple[float, float], box: Box | None, gold_point: tuple[float, float]) -> float:
    """``1 - mu / (d + mu)``: 0 inside the gold box, 0.5 at a diagonal's length from it."""
    if box is None:  # no box known for the gold click: a 1-pixel box at its point
        box = (gold_point[0], gold_point[1], gold_point[0], gold_point[1])
    left, top, right, bottom = box
    dx = max(left - point[0], 0.0, point[0] - right)
    dy = max(top - point[1], 0.0, point[1] - bottom)
    mu = max(math.hypot(right - left, bottom - top), 1.0)
    return 1.0 - mu / (math.hypot(dx, dy) + mu)


def char_bleu(candidate: str, reference: str) -> float:
    """BLEU of two texts read as sequences of characters, unigrams and bigrams weighed 0.5 each,
    with the brevity penalty and no smoothing: what OmniACT gets by giving NLTK's ``sentence_bleu``
    strings rather than token lists."""
    logs = []
    for n in (1, 2):
        grams = Counter(candidate[i : i + n] for i in range(len(candidate) - n + 1))
        wanted = Counter(reference[i : i + n] for i in range(len(reference) - n + 1))
        matched = sum(min(count, wanted[gram]) for gram, count in grams.items())
        if matched == 0 and n == 1:
            return 0.0
        # NLTK puts the smallest float for a precision of 0, which makes the score 0 in effect.
        logs.append(math.log(matched / max(1, sum(grams.values())) if matched else sys.float_info.min))
    c, r = len(candidate), len(reference)
    brevity = 1.0 if c > r else math.exp(1 - r / c)
    return brevity * math.exp(0.5 * logs[0] + 0.5 * logs[1])


def _point(action: Action) -> tuple[float, float] | None:
    target = getattr(action, "target", None)
    return (float(target[0]), float(target[1])) if isinstance(target, tuple) else None


def score_script(generated: str, gold: str, boxes: Sequence[Box | None] = ()) -> ScriptScore:
    """Score one generated script; `boxes` are the gold element boxes of the gold's pointer actions,
    in order (None where unknown). A script that does not parse earns 0 and says why."""
    gold_actions = scored_actions(gold)
    try:
        actions = scored_actions(generated)
    except ActionError as exc:
        return score_actions([], gold_actions, boxes, parse_error=str(exc))
    return score_actions(actions, gold_actions, boxes)


def score_actions(
    actions: Sequence[Action],
    gold_actions: Sequence[Action],
    boxes: Sequence[Box | None] = (),
    parse_error: str = "",
) -> ScriptScore:
    """Score parsed actions against the gold's (`score_script` on scripts already parsed)."""
    length = len(gold_actions)
    gold_seq = BETA1 + BETA2 * (length - 1) if length else 0.0
    if parse_error or [a.name for a in actions] != [a.name for a in gold_actions]:
        return ScriptScore(0.0, gold_seq, parse_error=parse_error)
    clicks = keys = writes = 0.0
    pointer_index = 0
    for got, want in zip(actions, gold_actions, strict=True):
        if isinstance(want, POINTER):
            box = boxes[pointer_index] if pointer_index < len(boxes) else None
            pointer_index += 1
            point, gold_point = _point(got), _point(want)
            if gold_point is not None:
                clicks += 1.0 if point is None else click_penalty(point, box, gold_point)
        elif isinstance(want, A.Hotkey) and isinstance(got, A.Hotkey):
            keys += 0.0 if {k.lower() for k in got.keys} == {k.lower() for k in want.keys} else 1.0
        elif isinstance(want, A.Press) and isinstance(got, A.Press):
            keys += 0.0 if [k.lower() for k in got.keys] == [k.lower() for k in want.keys] else 1.0
        elif isinstance(want, A.Write) and isinstance(got, A.Write):
            writes += 1.0 - char_bleu(got.text.lower(), want.text.lower())
    return ScriptScore(gold_seq, gold_seq, clicks / length, keys / length, writes / length)


def aggregate(scores: Sequence[ScriptScore]) -> dict[str, float]:
    """OmniACT's data-set scores, each 0 to 1: sequence score, action score, and the three penalties
    as shares of the gold weight (over the scripts whose sequence matched), as its scorer prints them."""
    gold = sum(s.gold_sequence for s in scores) or 1.0
    return {
        "sequence_score": sum(s.sequence for s in scores) / gold,
        "action_score": sum(s.sequence * s.action for s in scores) / gold,
        "click_penalty": sum(s.sequence * s.click_penalty for s in scores) / gold,
        "key_penalty": sum(s.sequence * s.key_penalty for s in scores) / gold,
        "write_penalty": sum(s.sequence * s.write_penalty for s in scores) / gold,
    }
