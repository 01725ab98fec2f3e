"""galculator tasks: compute a value, judged by what the calculator's display shows (through
AT-SPI), and for `report` tasks by the answer the agent sends as well."""

from __future__ import annotations

import math
import random
import re
from collections.abc import Generator
from typing import Any

from palaestra.tasks.base import Evaluation
from palaestra.tasks.desktop.base import DesktopOutcome, DesktopSetup, DesktopTask, verdict
from palaestra.tasks.desktop.oracles import oracle

APP = (("galculator",),)


def display_values(outcome: DesktopOutcome) -> list[float]:
    """The numbers the calculator's display shows (its one `text` element)."""
    return [v for text in outcome.texts("text") if (v := parse_number(text)) is not None]


def parse_number(text: str) -> float | None:
    cleaned = text.strip().replace(",", "").replace(" ", "")
    try:
        return float(cleaned)
    except ValueError:
        return None


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


class CalcTask(DesktopTask):
    """Compute an expression with galculator and leave the result on its display."""

    kind = ""

    def __init__(self) -> None:
        self.name = f"desktop.calc-{self.kind}"
        self.expected = 0.0

    def draw(self, rng: random.Random) -> tuple[str, float]:
        raise NotImplementedError

    def setup(self, rng: random.Random) -> DesktopSetup:
        expression, self.expected = self.draw(rng)
        goal = f"Use the calculator to compute {expression} and leave the result on its display."
        return DesktopSetup(goal=goal, apps=APP)

    def evaluate(self, outcome: DesktopOutcome) -> Evaluation:
        shown = display_values(outcome)
        return verdict(any(close(v, self.expected) for v in shown), expected=self.expected, display=shown)


class Add(CalcTask):
    """Add two four-digit numbers."""

    kind = "add"

    def draw(self, rng: random.Random) -> tuple[str, float]:
        a, b = rng.randint(1000, 9999), rng.randint(1000, 9999)
        return f"{a} + {b}", a + b


class Subtract(CalcTask):
    """Subtract a larger number from a smaller one (a negative result)."""

    kind = "subtract"

    def draw(self, rng: random.Random) -> tuple[str, float]:
        a, b = rng.randint(100, 999), rng.randint(1000, 9999)
        return f"{a} - {b}", a - b


class Multiply(CalcTask):
    """Multiply two three-digit numbers."""

    kind = "multiply"

    def draw(self, rng: random.Random) -> tuple[str, float]:
        a, b = rng.randint(100, 999), rng.randint(100, 999)
        return f"{a} * {b}", a * b


class Divide(CalcTask):
    """Divide with an exact decimal result."""

    kind = "divide"

    def draw(self, rng: random.Random) -> tuple[str, float]:
        b = rng.choice([4, 5, 8, 16, 25])
        a = rng.randint(101, 999)
        return f"{a} / {b}", a / b


class Chain(CalcTask):
    """Compute (a + b) * c, respecting the brackets."""

    kind = "chain"

    def draw(self, rng: random.Random) -> tuple[str, float]:
        a, b, c = rng.randint(10, 99), rng.randint(10, 99), rng.randint(2, 9)
        return f"({a} + {b}) * {c}", (a + b) * c


class SquareRoot(CalcTask):
    """Take the square root of a perfect square."""

    kind = "sqrt"

    def draw(self, rng: random.Random) -> tuple[str, float]:
        n = rng.randint(11, 99)
        return f"the square root of {n * n}", float(n)


class Mean(CalcTask):
    """Average four numbers."""

    kind = "mean"

    def draw(self, rng: random.Random) -> tuple[str, float]:
        values = [rng.randint(10, 99) for _ in range(4)]
        return f"the average of {', '.join(map(str, values))}", sum(values) / 4


class Report(CalcTask):
    """Compute a value and report it: the answer counts only if the display shows it too."""

    kind = "report"

    def setup(self, rng: random.Random) -> DesktopSetup:
        a, b, c = rng.randint(10, 99), rng.randint(10, 99), rng.randint(100, 999)
        self.expected = float(a * b - c)
        goal = (
            f"Use the calculator to find {a} * {b} - {c}, then tell me the result with "
            "send_msg_to_user('<number>')."
        )
        return DesktopSetup(goal=goal, apps=APP)

    def evaluate(self, outcome: DesktopOutcome) -> Evaluation:
        said = [
            v
            for m in outcome.messages
            for t in re.findall(r"-?[\d.,]+", m)
            if (v := parse_number(t)) is not None
        ]
        shown = display_values(outcome)
        ok = any(close(v, self.expected) for v in said) and any(close(v, self.expected) for v in shown)
        return verdict(ok, expected=self.expected, said=said, display=shown)


TASKS: dict[str, type[DesktopTask]] = {
    f"calc-{cls.kind}": cls for cls in (Add, Subtract, Multiply, Divide, Chain, SquareRoot, Mean, Report)
}


# Oracles ---------------------------------------------------------------------------------------


def _keys_for(goal: str) -> list[str]:
    """The calculator buttons to press for the goal's computation, in order."""
    numbers = re.findall(r"\d+", goal)
    if "square root" in goal:
        return [*numbers[0], "sqrt"]
    if "average" in goal:
        keys = ["(", *list("+".join(numbers)), ")", "/", "4"]
        return [*keys, "="]
    expression = re.search(r"compute (.+?) and leave|find (.+?), then", goal)
    assert expression is not None
    text = (expression.group(1) or expression.group(2)).replace(" ", "")
    return [*text, "="]


def calc_oracle(obs: dict[str, Any]) -> Generator[str, dict[str, Any], None]:
    buttons = {e["name"]: e["id"] for e in obs["elements"] if e["role"] == "toggle button"}
    keys = _keys_for(obs["goal"])
    obs = yield "\n".join(f"click('{buttons[k]}')" for k in keys)
    if "send_msg_to_user" in obs["goal"]:
        shown = [e["value"] for e in obs["elements"] if e["role"] == "text"]
        yield f"send_msg_to_user({shown[0]!r})"


for _name in TASKS:
    oracle(_name)(calc_oracle)
