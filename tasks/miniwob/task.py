"""The MiniWoB++ task: one page of the `miniwob` package, seeded and scored by its own code."""

from __future__ import annotations

from typing import TYPE_CHECKING

from palaestra.tasks.base import EpisodeState, Evaluation, Task
from palaestra.tasks.miniwob import HTML_DIR

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
START_JS = f"""([seed, maxMs]) => {{
  Math.seedrandom(seed);
  core.EPISODE_MAX_TIME = maxMs;
  core.startEpisodeReal();
  return ({READY_JS})();
}}"""
STATE_JS = """() => ({done: WOB_DONE_GLOBAL, reward: WOB_REWARD_GLOBAL,
                      raw_reward: WOB_RAW_REWARD_GLOBAL, reason: WOB_REWARD_REASON})"""


class MiniWoBTask(Task):
    action_set = "miniwob"
    viewport = (500, 320)
    #: An episode lives in its page's JavaScript (seeded ``Math.random``, the task's own globals).
    setup_ahead = True

    def __init__(self, task: str, ready_timeout: float = 10.0) -> None:
        self.task = task
        self.name = f"miniwob.{task}"
        self.url = (HTML_DIR / f"{task}.html").as_uri()
        self.ready_timeout = ready_timeout

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

    async def evaluate(self, page: Page, state: EpisodeState) -> Evaluation:
        raw = await page.evaluate(STATE_JS)
        raw_reward = float(raw["raw_reward"] or 0.0)
        done = bool(raw["done"])
        return Evaluation(
            reward=raw_reward if done else 0.0, done=done, success=done and raw_reward >= 1.0, raw=raw
        )
