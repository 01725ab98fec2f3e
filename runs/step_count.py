"""What a run's step limit counts: an agent's actions, or its answers (`Agent.step_limit_counts`).

OSWorld's loop gives its agent ``max_steps`` predictions and plays every action of each; Palaestra's
runner gives ``--max-steps`` actions. An agent that answers with several actions at once (OSWorld's
``PromptAgent``: one per code block) marks all but the last of an answer's actions
(`AgentStep.answer_continues`), and declares which of the two its limit counts; the runner counts
both and ends the episode at the limit in the agent's unit, never inside an answer when it counts
answers. The verdict at that limit is the same either way (`EpisodeWorker._judge_unanswered`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from palaestra.agents.base import STEP_UNITS, AgentStep, StepUnit
from palaestra.errors import check_choice


@dataclass
class StepCount:
    """An episode's actions and answers so far, against a limit of ``limit`` of ``unit``."""

    limit: int
    unit: StepUnit = "actions"
    actions: int = 0
    #: Answers whose last action was played.
    answers: int = 0
    #: The last step played has more of its answer to come (the episode may end before them).
    inside_answer: bool = False

    def __post_init__(self) -> None:
        check_choice("The agent's step_limit_counts", self.unit, STEP_UNITS)

    def count(self, step: AgentStep) -> None:
        """One played step; its answer is counted when it is the answer's last action."""
        self.actions += 1
        self.inside_answer = step.answer_continues
        if not step.answer_continues:
            self.answers += 1

    @property
    def reached(self) -> bool:
        """Whether the episode has used its steps, in the agent's unit."""
        used = self.answers if self.unit == "answers" else self.actions
        return used >= self.limit

    def record(self) -> dict[str, Any]:
        """What the episode's record keeps (``extra``): its answers (its actions are its steps),
        an answer cut short by the episode's end counted as OSWorld's loop counts it, and which of
        the two the limit counted."""
        return {"answers": self.answers + int(self.inside_answer), "step_limit_counts": self.unit}


def counted_answers(row: dict[str, Any]) -> int | None:
    """The answers of a recorded episode (a row of `RunStore.episodes`) whose step limit counted
    answers; None for one that counted actions, or was recorded before answers were: its answers
    are its steps, and tables leave the column out unless some episode counted answers."""
    try:
        extra = json.loads(row.get("extra") or "{}")
    except (TypeError, ValueError):
        return None
    if not isinstance(extra, dict) or extra.get("step_limit_counts") != "answers":
        return None
    answers = extra.get("answers")
    return answers if isinstance(answers, int) else None


def steps_shown(row: dict[str, Any]) -> str:
    """An episode's steps as tables show them: ``7`` actions, or ``7 (3 answers)`` where its
    step limit counted answers."""
    answers = counted_answers(row)
    if answers is None:
        return str(row["steps"])
    return f"{row['steps']} ({answers} answer{'' if answers == 1 else 's'})"
