"""A task author's bug in the reward code ends the episode with a recorded error, in a real Chromium.

An `evaluate` that raises, that returns something other than an `Evaluation`, or a reward that is
not a finite number is the task's fault, not the agent's: the step ends the episode with
``info["error"]["kind"] == "task_error"`` naming the task's class and the problem (before, the
exception went up through `step` and took down the user's loop, the server's session or the run's
episode as an "agent_error"). An `evaluate` that never returns ends the step at its timeout, saying
the task's code was still running rather than that "the page hangs".
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from palaestra.envs import BrowserEnv
from palaestra.errors import TaskError
from palaestra.runs.episode import EpisodeWorker
from palaestra.runs.spec import AgentEntry, EpisodeSpec, RunSettings
from palaestra.tasks import registry
from palaestra.tasks.base import TASK_FAILED_SHOWN, EpisodeState, Evaluation, Task
from palaestra.tasks.page import PageTask
from palaestra.tasks.registry import TaskSpec

MakeEnv = Callable[..., BrowserEnv]
PAGE = """<!doctype html><html><body>
<button id="red" onclick="window.picked='red'">Red</button>
<button id="green" onclick="window.picked='green'">Green</button>
</body></html>"""


class PickGreen(Task):
    """An author's own task: click the green button. ``broken`` picks how its reward code fails
    once a button was clicked (before that it answers as a correct task does)."""

    viewport = (400, 300)

    def __init__(self, url: str, broken: str = "") -> None:
        self.url, self.broken, self.name = url, broken, f"mine.{broken or 'ok'}"

    async def prepare(self, page: Any) -> None:
        await page.goto(self.url, wait_until="load")

    async def setup(self, page: Any, seed: int) -> str:
        if self.broken == "setup":
            raise ValueError(f"no colour for seed {seed}")
        await page.evaluate("window.picked = null")
        return "Click the green button."

    async def ended(self, page: Any) -> bool:
        if self.broken == "ended":
            raise AttributeError("'NoneType' object has no attribute 'done'")
        return False

    async def evaluate(self, page: Any, state: EpisodeState) -> Evaluation:
        picked = await page.evaluate("window.picked")
        if picked is None:
            return Evaluation()
        if self.broken == "raises":
            raise KeyError("colour")
        if self.broken == "hangs":
            await asyncio.Event().wait()
        wrong: dict[str, Any] = {
            "text reward": Evaluation(reward="1", done=True, success=True),  # type: ignore[arg-type]
            "nan reward": Evaluation(reward=float("nan"), done=True, success=True),
            "no verdict": None,
            "a bare number": 1.0,
        }
        if self.broken in wrong:
            return wrong[self.broken]  # type: ignore[no-any-return]
        return Evaluation(reward=1.0, done=picked == "green", success=picked == "green")


@pytest.fixture
def page(tmp_path: Path) -> str:
    path = tmp_path / "pick.html"
    path.write_text(PAGE)
    return path.as_uri()


def click_green(env: BrowserEnv) -> tuple[Any, ...]:
    obs, _ = env.reset(seed=0)
    green = next(e["id"] for e in obs["elements"] if e.get("text") == "Green")
    return env.step(f"click('{green}')")


BROKEN = {
    "raises": "failed in its evaluate: KeyError: 'colour'",
    "text reward": "returned a reward of type str ('1')",
    "nan reward": "returned the reward nan",
    "no verdict": "returned NoneType None, not an Evaluation",
    "a bare number": "returned float 1.0, not an Evaluation",
}


@pytest.mark.parametrize("broken", BROKEN)
def test_reward_code_that_fails_ends_the_episode_with_a_task_error(
    broken: str, page: str, make_env: MakeEnv
) -> None:
    env = make_env(PickGreen(page, broken))
    obs, reward, terminated, truncated, info = click_green(env)
    assert truncated and not terminated and reward == 0.0 and not info["success"]
    assert info["error"]["kind"] == "task_error"
    assert obs["last_action_error"] == TASK_FAILED_SHOWN  # the agent never reads the task's name
    message = info["error"]["message"]
    assert f"The task `mine.{broken}` ({__name__}.PickGreen)" in message
    assert BROKEN[broken] in message
    # The environment goes on: the next episode of a working task plays and is paid.
    env.task = PickGreen(page)
    _, reward, terminated, _, info = click_green(env)
    assert terminated and reward == 1.0 and info["success"] and not info["error"]


def test_reward_code_that_never_returns_ends_the_step_naming_the_task(page: str, make_env: MakeEnv) -> None:
    env = make_env(PickGreen(page, "hangs"), step_timeout=3.0)
    obs, reward, _, truncated, info = click_green(env)
    assert obs["last_action_error"] == TASK_FAILED_SHOWN
    assert truncated and reward == 0.0 and info["error"]["kind"] == "step_timeout"
    assert (
        f"the task `mine.hangs` ({__name__}.PickGreen) was still in its evaluate" in info["error"]["message"]
    )
    env.task = PickGreen(page)
    _, reward, terminated, _, _ = click_green(env)
    assert terminated and reward == 1.0


PREDICATES = {
    "window.picked ==": "is not a JavaScript expression (Page.evaluate: SyntaxError",
    "picker.colour == 'green'": "threw ReferenceError: picker is not defined on file://",
}


@pytest.mark.parametrize("success_js", PREDICATES)
def test_a_page_tasks_predicate_that_is_not_an_expression_or_throws_is_the_tasks_error(
    success_js: str, page: str, make_env: MakeEnv
) -> None:
    """Once an ``environment_error`` ("The environment failed during the step"), retried by runs."""
    env = make_env(PageTask(page, "Click the green button.", success_js, name="mine.predicate"))
    obs, _, _, truncated, info = click_green(env)
    assert truncated and info["error"]["kind"] == "task_error"
    assert (
        f"The PageTask `mine.predicate`'s success_js {success_js!r} {PREDICATES[success_js]}"
        in (info["error"]["message"])
    )
    assert obs["last_action_error"] == TASK_FAILED_SHOWN


def test_an_ended_that_raises_between_actions_is_the_tasks_error(page: str, make_env: MakeEnv) -> None:
    env = make_env(PickGreen(page, "ended"))
    env.reset(seed=0)
    obs, _, _, truncated, info = env.step("noop(0)\nnoop(0)")  # asked between the two
    assert truncated and info["error"]["kind"] == "task_error"
    assert "failed in its ended: AttributeError" in info["error"]["message"]
    assert obs["last_action_error"] == TASK_FAILED_SHOWN


def test_a_setup_that_raises_is_a_task_error_in_a_reset_and_in_a_run(
    page: str, make_env: MakeEnv, tmp_path: Path
) -> None:
    with pytest.raises(TaskError, match="failed in its setup: ValueError: no colour for seed 3"):
        make_env(PickGreen(page, "setup")).reset(seed=3)
    spec = TaskSpec("mine.setup", "mine", functools.partial(PickGreen, page, "setup"))
    registry.register_task(spec)
    worker = EpisodeWorker(RunSettings(max_steps=2, screenshots=False), str(tmp_path / "run"))
    try:
        out = worker.run(EpisodeSpec(AgentEntry("random"), "mine.setup", 0))
    finally:
        worker.close()
        registry._registry.pop(spec.name)
    # Not "reset_failed", which runs retry: the same setup would fail the same way again.
    assert out.error_kind == "task_error" and not out.retryable
    assert "`mine.setup`" in out.error_message and "failed in its setup" in out.error_message
