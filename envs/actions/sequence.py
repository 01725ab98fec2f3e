"""Running one step's actions in order: stop when the task ends, and within the step's time.

Two rules keep a step's verdict about what the agent saw and did:

- Once the task has ended (the answer is in), the step's remaining actions are not run: they
  could otherwise change the verdict, or, on pages that start a new problem when one ends, answer a
  problem the agent never saw. The task says so cheaply between actions (``Task.ended``).
- The page actions of one step share a time budget, smaller than the step's timeout. An agent whose
  actions use it up has made a slow action, and is told so in ``last_action_error`` like for any
  other failed action: its own slowness is never reported as the environment hanging. Only when
  the page then stops answering is the step a ``PageHungError``, the infrastructure's failure.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from playwright.async_api import Error as PlaywrightError

from palaestra.envs.actions.executor import ActionState, execute
from palaestra.envs.actions.types import TOOL_ACTIONS, Action
from palaestra.errors import ActionError, BrowserCrashedError, PageHungError

#: Seconds the page has to answer a trivial script after the actions ran out of time.
PAGE_ANSWER_TIMEOUT = 2.0


@dataclass
class SequenceResult:
    """How a step's actions went: the error that stopped them, and those left unrun."""

    error: str = ""
    not_run: list[str] = field(default_factory=list)


async def run_sequence(
    actions: Sequence[Action],
    state: ActionState,
    *,
    budget_s: float,
    ended: Callable[[], Awaitable[bool]],
    browser_alive: Callable[[], bool],
) -> SequenceResult:
    """Run ``actions`` in order until one fails, the task ends, or ``budget_s`` seconds are spent.

    Raises ``BrowserCrashedError`` when the browser dies and ``PageHungError`` when the page stops
    answering; everything the agent did wrong is returned as the result's ``error``.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + budget_s
    for index, action in enumerate(actions):
        if index and (state.infeasible is not None or await _ended(ended)):
            return SequenceResult(not_run=[a.to_call() for a in actions[index:]])
        later = len(actions) - index - 1
        # The task's tools bound their own time (the executor times each call out), and their first
        # call may load a model: they run outside the budget, which waits for them.
        tool = isinstance(action, TOOL_ACTIONS)
        clock, started = asyncio.timeout_at(None if tool else deadline), loop.time()
        try:
            async with clock:
                await execute(action, state)
            if tool:
                deadline += loop.time() - started
        except TimeoutError:
            if not clock.expired():
                raise
            if not await page_answers(state):
                raise PageHungError(f"The page stopped answering during {action.to_call()}.") from None
            skipped = f"; the {later} action(s) after it did not run" if later else ""
            return SequenceResult(
                error=f"{action.to_call()} was stopped: a step's actions may take {budget_s:g} s in "
                f"all{skipped}. Use shorter waits or fewer actions per step."
            )
        except ActionError as exc:
            return SequenceResult(error=str(exc))
        except PlaywrightError as exc:
            if not browser_alive():
                raise BrowserCrashedError(first_line(exc)) from exc
            return SequenceResult(error=f"{action.to_call()} failed: {first_line(exc)}")
    return SequenceResult()


async def _ended(ended: Callable[[], Awaitable[bool]]) -> bool:
    """Whether the task has ended; a page in the middle of navigating has not."""
    try:
        return await ended()
    except PlaywrightError:
        return False


async def page_answers(state: ActionState) -> bool:
    """Whether the active page still runs scripts: a hung one is the infrastructure's failure."""
    with contextlib.suppress(TimeoutError, PlaywrightError):
        await asyncio.wait_for(state.page.evaluate("1"), PAGE_ANSWER_TIMEOUT)
        return True
    return False


def first_line(exc: BaseException) -> str:
    """Playwright errors carry a long call log after the first lines; agents need the gist."""
    text = str(getattr(exc, "message", None) or exc).strip()
    return text.split("\nCall log:")[0].strip().splitlines()[0] if text else type(exc).__name__
