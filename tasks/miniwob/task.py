"""The MiniWoB++ task: one page of the `miniwob` package, seeded and scored by its own code."""

from __future__ import annotations

import asyncio
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any

from palaestra.errors import ConfigError
from palaestra.tasks.base import EpisodeState, Evaluation, Task
from palaestra.tasks.miniwob import CLOCKED_TASKS, HTML_DIR
from palaestra.tasks.miniwob.scoring import state_js, succeeded

if TYPE_CHECKING:
    from playwright.async_api import Page
#: The reward display and click trail are MiniWoB's own debugging aids; agents need not read them.
HIDE_CHROME_CSS = "#reward-display, #click-canvas { display: none !important; }"
HIDE_CHROME_JS = f"""document.addEventListener("DOMContentLoaded", () => {{
  const style = document.createElement("style");
  style.textContent = {HIDE_CHROME_CSS!r};
  document.head.appendChild(style);
}});"""
#: Long enough for slow agents, short enough for setTimeout (which overflows past 2**31 - 1 ms).
EPISODE_MAX_MS = 1_000_000_000

READY_JS = "() => (typeof WOB_TASK_READY === 'undefined' || WOB_TASK_READY) ? core.getUtterance() : null"
#: Starts the episode and, in the same round trip, returns its goal if the problem is ready.
#: MiniWoB++ ends an episode by showing its "START" cover (``#sync-task-cover``), whose click starts
#: a new problem on the same page: the agent's next click would answer a problem the environment
#: never showed it, and the verdict would be about that one. Only the environment starts episodes
#: (one per page), so the cover is removed and ``core.startEpisode`` (which shows it) does nothing:
#: an ended episode stays on the page as it was answered, and its reward cannot change.
#:
#: When the episode ends, the page tells the environment through a binding, which needs no round
#: trip between a step's actions (timing-sensitive pages, such as click-pie's menu that folds within
#: 50 ms, see the actions as quickly as the agent sent them): the step's remaining actions are not
#: run. The report can come in just after the next action started; so that such an action changes
#: nothing, the ended page is made inert (a transparent layer over it takes the mouse, the focused
#: element loses the keyboard).
ENDED_BINDING = "__palaestraEpisodeEnded"
#: Set on the document an episode started on: a document the agent went to (``goto`` another
#: MiniWoB++ page, under the ``web`` action set) lacks it, so its problem is not judged as this one.
STARTED_FLAG = "__palaestraEpisodeStarted"
START_JS = f"""([seed, maxMs]) => {{
  window.{STARTED_FLAG} = true;
  Math.seedrandom(seed);
  core.EPISODE_MAX_TIME = maxMs;
  core.startEpisodeReal();
  core.startEpisode = () => {{}};
  if (core.cover_div) core.cover_div.remove();
  const endEpisode = core.endEpisode;
  core.endEpisode = function (...args) {{
    endEpisode.apply(this, args);
    if (!WOB_DONE_GLOBAL || document.getElementById("palaestra-ended")) return;
    const inert = document.createElement("div");
    inert.id = "palaestra-ended";
    inert.setAttribute("aria-hidden", "true");
    inert.style.cssText = "position: fixed; inset: 0; z-index: 2147483647";
    document.body.appendChild(inert);
    if (document.activeElement) document.activeElement.blur();
    window.{ENDED_BINDING}();
  }};
  return ({READY_JS})();
}}"""
#: Tasks that count the agent's time from their start: the count restarts when the agent is shown
#: the first observation (chase-circle counts the time the mouse is outside its circle, and the
#: mouse cannot be inside before the agent has seen where the circle is).
START_CLOCK_JS = {"chase-circle": "() => { missedFrames = 0; if (exitTime !== null) exitTime = Date.now(); }"}


class MiniWoBTask(Task):
    action_set = "miniwob"
    viewport = (500, 320)
    #: An episode lives in its page's JavaScript (seeded ``Math.random``, the task's own globals),
    #: so it can start ahead of its reset; except on pages whose problem runs on a clock.
    setup_ahead = True

    def __init__(
        self, task: str, ready_timeout: float = 10.0, page: str | Path | None = None, name: str = ""
    ) -> None:
        """``task`` is a page of the package; or, with ``page``, the name of a MiniWoB++-format page
        of your own (its file, or its URL), played, seeded and scored as the package's pages are.
        It loads MiniWoB++'s scripts as the package's pages do (``../core/core.js``: put a ``core``
        folder, or a link to the package's, beside the page's folder). ``name`` is its registered
        name (``mine.pick-green``)."""
        self.task = task
        self.name = name or f"miniwob.{task}"
        if page is None:
            self.url = (HTML_DIR / f"{task}.html").as_uri()
        elif "://" in str(page):
            self.url = str(page)
        elif Path(page).expanduser().is_file():
            self.url = Path(page).expanduser().resolve().as_uri()
        else:
            raise ConfigError(f"Task `{self.name}`: no MiniWoB++ page at {page}; give its .html file or URL.")
        self.ready_timeout = ready_timeout
        self._state_js = state_js(task)
        if task in CLOCKED_TASKS:
            self.setup_ahead = False
        #: Pages whose episode has ended, as their binding reported (see ``ended``).
        self._ended: weakref.WeakSet[Page] = weakref.WeakSet()
        #: Pages an episode was set up on: the page judged, whichever of its context's tabs is active.
        self._set_up: weakref.WeakSet[Page] = weakref.WeakSet()

    async def prepare(self, page: Page) -> None:
        # The style goes in as the document parses: no round trip and no restyle after load.
        await page.add_init_script(HIDE_CHROME_JS)
        await page.expose_binding(ENDED_BINDING, self._report_ended)
        await page.goto(self.url, wait_until="load")

    def _report_ended(self, source: dict[str, Any]) -> None:
        self._ended.add(source["page"])

    async def setup(self, page: Page, seed: int) -> str:
        self._set_up.add(page)
        # Some tasks build their problem asynchronously and flag WOB_TASK_READY when done.
        goal = await page.evaluate(START_JS, [seed, EPISODE_MAX_MS])
        if goal is None:
            handle = await page.wait_for_function(READY_JS, timeout=self.ready_timeout * 1000)
            goal = await handle.json_value()
        return str(goal)

    async def shown(self, page: Page) -> None:
        if self.task in START_CLOCK_JS:
            await page.evaluate(START_CLOCK_JS[self.task])

    async def ended(self, page: Page) -> bool:
        await asyncio.sleep(0)  # a report that came in with the last action is handled first
        return any(tab in self._ended for tab in page.context.pages)

    async def evaluate(self, page: Page, state: EpisodeState) -> Evaluation:
        """The verdict of the problem's own page, not of the active tab (``page``): under the
        ``web`` action set the agent may open tabs, as BrowserGym's MiniWoB++ tasks allow. An agent
        that left the problem (went elsewhere in its tab, or closed it) has failed it, as MiniWoB++
        scores a failure (-1); reading MiniWoB++'s globals on the other page raised, and the
        episode ended as the environment's failure."""
        own = next((tab for tab in page.context.pages if tab in self._set_up), None)
        if own is None:
            return left_the_problem("The agent closed the problem's page.")
        raw = await own.evaluate(f"() => window.{STARTED_FLAG} ? ({self._state_js})() : null")
        if raw is None:
            return left_the_problem("The agent left the problem's page for another.")
        raw_reward = float(raw["raw_reward"] or 0.0)
        done = bool(raw["done"])
        # Numbers as floats: JavaScript's whole numbers arrive as ints, and Gymnasium's vector
        # environments type a stacked info key by its first environment's value (a later 0.33 read 0).
        raw["reward"], raw["raw_reward"] = float(raw["reward"] or 0.0), raw_reward
        if raw["error"] is None:
            del raw["error"]
        else:
            raw["error"] = float(raw["error"])
        success = done and succeeded(self.task, raw_reward, raw.get("error"))
        return Evaluation(reward=raw_reward if done else 0.0, done=done, success=success, raw=raw)


def left_the_problem(why: str) -> Evaluation:
    """The verdict of an episode whose problem's page the agent left: over, failed."""
    return Evaluation(reward=-1.0, done=True, success=False, raw={"reason": why})
