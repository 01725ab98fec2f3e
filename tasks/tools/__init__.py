"""Tasks that need a tool: the agent must call the task's APIs to answer (WebArena's map,
calculator and manuals, in miniature).

Each page asks a question whose answer an agent cannot read off the page: a long computation, a
unit conversion, a fact from a manual that only the task's document search holds. Every task offers
the same toolbox (calculator, converter, manuals), so the agent must also pick the right tool.
The answer is judged in Python against what `setup` drew from the seed; the page never holds it.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import TYPE_CHECKING, Any

from palaestra.tasks.base import EpisodeState, Evaluation, Task, ToolRunner
from palaestra.tasks.registry import TaskSpec

if TYPE_CHECKING:
    from playwright.async_api import Page
from palaestra.tasks.tools.manuals import MANUALS, QUESTIONS

PAGE = (Path(__file__).parent / "page.html").as_uri()


class ToolTask(Task):
    """A question on a page; the agent types the answer and presses Submit."""

    action_set = "miniwob"
    viewport = (640, 360)

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.name = f"tools.{kind}"
        self.expected: str = ""
        self.tolerance = 0.0

    def tools(self) -> ToolRunner:
        from palaestra.routing import ApiRegistry
        from palaestra.routing.environment import TaskTools
        from palaestra.routing.tools import register_offline_tools
        from palaestra.routing.tools.documents import DocumentIndex

        registry = ApiRegistry()
        register_offline_tools(registry, documents=DocumentIndex(MANUALS))
        return TaskTools(registry)

    async def prepare(self, page: Page) -> None:
        await page.goto(PAGE, wait_until="load")

    async def setup(self, page: Page, seed: int) -> str:
        goal, self.expected, self.tolerance = QUESTION_MAKERS[self.kind](random.Random(seed))
        await page.evaluate(
            "goal => { document.getElementById('question').textContent = goal; window.__submitted = null; }",
            goal,
        )
        return goal

    async def ended(self, page: Page) -> bool:
        return bool(await page.evaluate("window.__submitted != null"))

    async def evaluate(self, page: Page, state: EpisodeState) -> Evaluation:
        submitted = await page.evaluate("window.__submitted")
        if submitted is None:
            return Evaluation()
        right = answers_match(str(submitted), self.expected, self.tolerance)
        return Evaluation(
            reward=1.0 if right else -1.0, done=True, success=right, raw={"submitted": submitted}
        )


def answers_match(given: str, expected: str, tolerance: float) -> bool:
    given = given.strip().replace(",", "")
    if tolerance:
        try:
            return abs(float(given) - float(expected)) <= tolerance
        except ValueError:
            return False
    return given.lower() == expected.lower()


def _calculation(rng: random.Random) -> tuple[str, str, float]:
    a, b, c, d = rng.randint(1200, 9800), rng.randint(13, 97), rng.randint(1000, 99999), rng.randint(3, 9)
    value = a * b - c / d
    goal = f"Compute {a} * {b} - {c} / {d} and enter the result, rounded to 2 decimals."
    return goal, f"{value:.2f}", 0.011


_CONVERSIONS = [
    ("miles", "kilometers", 1.609344, "A runner covered {v} miles. Enter the distance in kilometers"),
    ("pounds", "kilograms", 0.45359237, "A parcel weighs {v} pounds. Enter its weight in kilograms"),
    ("US gallons", "liters", 3.785411784, "A tank holds {v} US gallons. Enter its volume in liters"),
    ("feet", "meters", 0.3048, "A tower is {v} feet tall. Enter its height in meters"),
]


def _conversion(rng: random.Random) -> tuple[str, str, float]:
    _, _, factor, template = rng.choice(_CONVERSIONS)
    value = round(rng.uniform(3, 400), 1)
    goal = template.format(v=value) + ", rounded to 2 decimals."
    return goal, f"{value * factor:.2f}", 0.011


def _manual(rng: random.Random) -> tuple[str, str, float]:
    question, answer = rng.choice(QUESTIONS)
    return f"{question} Enter the answer exactly as the manual gives it.", answer, 0.0


QUESTION_MAKERS: dict[str, Any] = {
    "calculate": _calculation,
    "convert-units": _conversion,
    "manual-lookup": _manual,
}


def suite_tasks() -> list[TaskSpec]:
    """The `tools` suite's entry point."""
    return [
        TaskSpec(f"tools.{kind}", "tools", ToolTask, {"kind": kind}, "needs a tool to answer")
        for kind in QUESTION_MAKERS
    ]
