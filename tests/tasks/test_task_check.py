"""`palaestra.tasks.check`: an author's check that doing nothing fails and the oracle succeeds, and
`TaskSpec.oracle`, which gives a task of a suite of one's own a scripted solution, played in a real
Chromium on tasks registered as a package's entry point would register them."""

from __future__ import annotations

import functools
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

from palaestra.agents.oracle import OracleAgent, OracleConfig, lacks_oracle
from palaestra.errors import UnknownNameError
from palaestra.tasks import registry
from palaestra.tasks.base import EpisodeState, Evaluation, Task
from palaestra.tasks.check import check_task, main
from palaestra.tasks.registry import TaskSpec

PAGE = """<!doctype html><html><body>
<button onclick="window.picked='red'">Red</button>
<button onclick="window.picked='green'">Green</button>
</body></html>"""


class PickGreen(Task):
    """Click the green button. ``pays_nothing``: the author's bug of paying the untouched page."""

    viewport = (400, 300)

    def __init__(self, url: str, pays_nothing: bool = False) -> None:
        self.url, self.pays_nothing = url, pays_nothing

    async def prepare(self, page: Any) -> None:
        await page.goto(self.url, wait_until="load")

    async def setup(self, page: Any, seed: int) -> str:
        await page.evaluate("window.picked = null")
        return "Click the green button."

    async def evaluate(self, page: Any, state: EpisodeState) -> Evaluation:
        picked = await page.evaluate("window.picked")
        right = picked == "green" or (self.pays_nothing and picked is None)
        return Evaluation(reward=float(right), done=right or picked is not None, success=right)


def click(label: str) -> Any:
    def oracle(obs: Any) -> Generator[str, Any, None]:
        button = next(e["id"] for e in obs["elements"] if e.get("text") == label)
        yield f"click('{button}')"

    return oracle


@pytest.fixture
def mine(tmp_path: Path) -> Iterator[str]:
    """The suite `mine`, registered as its entry point would: a sound task, one that pays doing
    nothing, one whose oracle is wrong, and one without an oracle."""
    page = tmp_path / "pick.html"
    page.write_text(PAGE)
    make = functools.partial(PickGreen, page.as_uri())
    specs = [
        TaskSpec("mine.sound", "mine", make, oracle=click("Green")),
        TaskSpec("mine.pays-nothing", "mine", make, {"pays_nothing": True}, oracle=click("Green")),
        TaskSpec("mine.wrong-oracle", "mine", make, oracle=click("Red")),
        TaskSpec("mine.no-oracle", "mine", make),
    ]
    for spec in specs:
        registry.register_task(spec)
    yield "mine"
    for spec in specs:
        registry._registry.pop(spec.name)


def test_a_sound_task_passes_on_every_seed(mine: str) -> None:
    check = check_task("mine.sound", seeds=[0, 1])
    assert check.ok and check.problems == []
    assert [(p.seed, p.player, p.success) for p in check.played] == [
        (0, "nothing", False),
        (0, "oracle", True),
        (1, "nothing", False),
        (1, "oracle", True),
    ]


def test_each_kind_of_unsound_task_is_named_with_what_is_wrong(mine: str) -> None:
    check = check_task(["mine.pays-nothing", "mine.wrong-oracle", "mine.no-oracle"])
    assert not check.ok
    problems = "\n".join(check.problems)
    assert "mine.pays-nothing seed 0: doing nothing succeeds (reward 1)" in problems
    assert "mine.wrong-oracle seed 0: the oracle did not succeed (reward 0 after 1 steps)" in problems
    assert (
        "mine.no-oracle seed 0: the oracle episode ended with an error: Unknown oracle `no-oracle`"
        in problems
    )
    assert "TaskSpec(oracle='package.module:function')" in problems
    assert len(check.problems) == 3


def test_the_command_takes_globs_and_exits_1_on_a_problem(
    mine: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["mine.s*"]) == 0
    assert "ok: doing nothing fails and the oracle succeeds" in capsys.readouterr().out
    assert main(["mine.p*", "--seeds", "0"]) == 1
    assert "PROBLEM mine.pays-nothing seed 0: doing nothing succeeds" in capsys.readouterr().out
    with pytest.raises(UnknownNameError, match="Did you mean"):
        main(["mine.sond"])


def test_the_oracle_agent_plays_a_tasks_own_oracle_and_offers_no_miniwob_names_otherwise(mine: str) -> None:
    agent = OracleAgent(OracleConfig())
    agent.reveal_task("mine.sound")
    assert agent.task_name == "sound"
    with pytest.raises(UnknownNameError) as caught:
        agent.reveal_task("mine.no-oracle")
    assert "Did you mean" not in str(caught.value)  # once: MiniWoB++'s task names


def test_without_oracles_only_doing_nothing_is_checked(mine: str) -> None:
    """For tasks that have no oracle (WebArena-format files): their absence is not a problem."""
    check = check_task(["mine.no-oracle", "mine.pays-nothing"], oracle=False)
    assert [(p.task, p.player) for p in check.played] == [
        ("mine.no-oracle", "nothing"),
        ("mine.pays-nothing", "nothing"),
    ]
    assert check.problems == [
        "mine.pays-nothing seed 0: doing nothing succeeds (reward 1): the task's evaluate pays a page "
        "the agent never touched"
    ]


def test_a_run_is_told_before_it_starts_which_tasks_of_ones_own_have_no_oracle(mine: str) -> None:
    assert lacks_oracle("mine.no-oracle") and lacks_oracle("tools.calculate")
    assert not lacks_oracle("mine.sound") and not lacks_oracle("desktop.calc-add")
    assert not lacks_oracle("shop.product-price-0") and not lacks_oracle("miniwob.click-button")
