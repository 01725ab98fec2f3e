"""The MiniWoB++ task: one page of the `miniwob` package, seeded and scored by its own code."""

from __future__ import annotations

from typing import TYPE_CHECKING

from palaestra.tasks.base import EpisodeState, Evaluation, Task
from palaestra.tasks.miniwob import HTML_DIR
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
START_JS = f"""([seed, maxMs]) => {{
  Math.seedrandom(seed);
  core.EPISODE_MAX_TIME = maxMs;
  core.startEpisodeReal();
  core.startEpisode = () => {{}};
  if (core.cover_div) core.cover_div.remove();
  return ({READY_JS})();
}}"""
DONE_JS = "() => WOB_DONE_GLOBAL"
#: Pages whose problem runs on a clock from its start (a moving circle, a sequence that blinks
#: once, prices that change): their episodes start in the reset, not ahead of it, or the agent would
#: find part of the episode gone.
CLOCKED_TASKS = frozenset({"chase-circle", "hover-shape", "moving-items", "simon-says", "stock-market"})
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

    def __init__(self, task: str, ready_timeout: float = 10.0) -> None:
        self.task = task
        self.name = f"miniwob.{task}"
        self.url = (HTML_DIR / f"{task}.html").as_uri()
        self.ready_timeout = ready_timeout
        self._state_js = state_js(task)
        if task in CLOCKED_TASKS:
            self.setup_ahead = False

    async def prepare(self, page: Page) -> None:
        # The style goes in as the document parses: no round trip and no restyle after load.
        await page.add_init_script(HIDE_CHROME_JS)
        await page.goto(self.url, wait_until="load")

    async def setup(self, page: Page, seed: int) -> str:
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
        return bool(await page.evaluate(DONE_JS))

    async def evaluate(self, page: Page, state: EpisodeState) -> Evaluation:
        raw = await page.evaluate(self._state_js)
        raw_reward = float(raw["raw_reward"] or 0.0)
        done = bool(raw["done"])
        if raw["error"] is None:
            del raw["error"]
        success = done and succeeded(self.task, raw_reward, raw.get("error"))
        return Evaluation(reward=raw_reward if done else 0.0, done=done, success=success, raw=raw)
