"""Why an episode that did not succeed went wrong, read from its steps: for `palaestra show`, the
report and the UI's episode list.

A MiniWoB++ failure carries no evaluator reason (the page only says "not done"), so a researcher
with hundreds of failed episodes otherwise opens each one to see that the model wrote an action the
environment does not know, or clicked the same thing ten times. Two signs are read from the
recorded steps alone: actions that failed (the environment's `last_action_error`) and the same
action repeated in a row. Each says at which step it starts, so links open the episode there.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from palaestra.runs.columns import PART_CHARS, cut

#: The same action this many times in a row is a loop worth naming (two can be a double click).
REPEAT_AT_LEAST = 3

#: The failure kinds the UI's episode list filters on.
FAILED_ACTIONS, REPEATED_ACTION, NO_SIGN = "failed actions", "repeated action", "no sign in the steps"


@dataclass(frozen=True)
class FailureSigns:
    """What an episode's steps show: its failed actions and its longest repeat of one action."""

    steps: int = 0
    failed_actions: int = 0
    first_error_step: int | None = None
    first_error: str = ""
    repeats: int = 0
    repeated_action: str = ""
    repeat_from: int | None = None

    @property
    def kind(self) -> str:
        """The sign that names the failure: failed actions first (they explain a repeat too)."""
        if self.failed_actions:
            return FAILED_ACTIONS
        if self.repeats >= REPEAT_AT_LEAST:
            return REPEATED_ACTION
        return NO_SIGN

    @property
    def step(self) -> int | None:
        """The step to open the episode at: the first failed action, else where the loop starts."""
        if self.first_error_step is not None:
            return self.first_error_step
        return self.repeat_from if self.repeats >= REPEAT_AT_LEAST else None

    def line(self, width: int = PART_CHARS) -> str:
        """The signs in one line ("" when the steps show none: a wrong answer, a wrong click); the
        error's text and the action are cut at ``width`` each, so a long error (an "Available: ..."
        list) leaves the repeat after it in sight."""
        parts = []
        if self.failed_actions:
            first = cut(self.first_error.strip().split("\n", 1)[0], width)
            parts.append(
                f"{self.failed_actions} of {self.steps} actions failed, "
                f"first at step {self.first_error_step}: {first}"
            )
        if self.repeats >= REPEAT_AT_LEAST:
            parts.append(
                f"the same action {self.repeats} times from step {self.repeat_from}: "
                f"{cut(self.repeated_action, width)}"
            )
        return "; ".join(parts)


def failure_signs(steps: Iterable[dict[str, Any]]) -> FailureSigns:
    """The signs of one episode's steps (each with `idx`, `action`, `error`), in step order."""
    ordered = sorted(steps, key=lambda s: int(s["idx"]))
    failed = [s for s in ordered if (s.get("error") or "").strip()]
    best, best_from, best_action = 0, None, ""
    run, run_from, previous = 0, None, None
    for s in ordered:
        action = (s.get("action") or "").strip()
        if action and action == previous:
            run += 1
        else:
            run, run_from = 1, int(s["idx"])
        previous = action
        if action and run > best:
            best, best_from, best_action = run, run_from, action
    return FailureSigns(
        steps=len(ordered),
        failed_actions=len(failed),
        first_error_step=int(failed[0]["idx"]) if failed else None,
        first_error=str(failed[0]["error"]) if failed else "",
        repeats=best,
        repeated_action=best_action,
        repeat_from=best_from,
    )


def signs_by_episode(db: Any, keys: Iterable[str] | None = None) -> dict[str, FailureSigns]:
    """Every episode's signs from a run's database in one query (a run of hundreds of episodes is
    read at once, not an episode at a time); ``keys`` limits it to those episodes."""
    wanted = None if keys is None else set(keys)
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for episode, idx, action, error in db.execute("SELECT episode, idx, action, error FROM steps"):
        if wanted is None or episode in wanted:
            grouped[episode].append({"idx": idx, "action": action, "error": error})
    return {key: failure_signs(steps) for key, steps in grouped.items()}


def why_it_failed(row: dict[str, Any], signs: FailureSigns | None) -> str:
    """One line on why an episode that did not succeed ended so ("" for a success): an errored one's
    error, a judged one's evaluator reason (`runs.columns.episode_reason`) and what its steps show."""
    from palaestra.runs.columns import episode_reason

    if row.get("status") != "error" and row.get("success"):
        return ""
    reason = episode_reason(row)
    if row.get("status") == "error" or signs is None:
        return reason
    return "; ".join(part for part in (reason, signs.line()) if part)


def failure_kind(row: dict[str, Any], signs: FailureSigns | None) -> str:
    """What the UI's episode list filters failures by: an errored episode's error kind, else the sign
    its steps show ("" for a success)."""
    if row.get("status") == "error":
        return str(row.get("error_kind") or "error")
    if row.get("success"):
        return ""
    return signs.kind if signs is not None else NO_SIGN
