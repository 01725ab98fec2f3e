"""A step waits for the short timers its action started: a result shown 300 ms after a click, a
spinner swapped for the answer, a search debounced after typing.

The DOM is quiet when such an action returns, so the observation used to show the page before the
change, and the agent acted again on a page about to change. Timers the page runs on its own (a
poll, a clock) do not hold a step. Real Chromium, the page served over real HTTP.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator

import pytest

from palaestra.envs import BrowserEnv
from palaestra.testing.loopback import QuietHandler, serve
from tests.envs.page_ids import opened

MakeEnv = Callable[..., BrowserEnv]

PAGE = b"""<!doctype html><title>Timers</title>
<button id="go">Search</button> <input id="q" aria-label="Query"> <p id="out">idle</p>
<p id="clock">tick 0</p>
<script>
const out = document.getElementById("out");
document.getElementById("go").addEventListener("click", () => {
  setTimeout(() => {
    out.textContent = "loading";
    setTimeout(() => { out.textContent = "3 results found"; }, 300);
  }, 0);
});
let debounce;
document.getElementById("q").addEventListener("input", (e) => {
  clearTimeout(debounce);
  debounce = setTimeout(() => { out.textContent = "suggestions for " + e.target.value; }, 250);
});
// A clock of the page's own: a timer chain no event started, which must not hold a step.
let ticks = 0;
const tick = () => {
  ticks += 1;
  document.getElementById("clock").textContent = "tick " + ticks;
  setTimeout(tick, 400);
};
tick();
</script>"""


class Timers(QuietHandler):
    def do_GET(self) -> None:
        self.reply(200, PAGE, "text/html")


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    with serve(Timers) as served:
        yield f"{served.url}/"


def _env(make_env: MakeEnv, site: str) -> tuple[BrowserEnv, dict[str, str]]:
    return opened(make_env, site, "Search.")


def test_a_click_s_delayed_result_is_in_the_next_observation(make_env: MakeEnv, site: str) -> None:
    env, ids = _env(make_env, site)
    obs, *_ = env.step(f"click('{ids['go']}')")
    assert not obs["last_action_error"]
    assert "3 results found" in obs["axtree"], obs["axtree"]


def test_a_debounced_update_after_typing_is_in_the_next_observation(make_env: MakeEnv, site: str) -> None:
    env, ids = _env(make_env, site)
    obs, *_ = env.step(f"fill('{ids['q']}', 'shoes')")
    assert "suggestions for shoes" in obs["axtree"], obs["axtree"]


def test_the_page_s_own_timers_are_not_waited_for_and_look_native(make_env: MakeEnv, site: str) -> None:
    """The clock's 400 ms chain runs all the time: were it kept, every step would wait for it."""
    env, _ = _env(make_env, site)
    env.step("noop(0)")
    kept, shown = asyncio.run_coroutine_threadsafe(
        env._episode.state.page.evaluate(  # type: ignore[union-attr]
            "[window[Symbol.for('palaestra.pendingTimers')].size, String(setTimeout), String(clearTimeout)]"
        ),
        env._loop,  # type: ignore[arg-type]
    ).result()[:2]
    assert kept == 0
    assert "[native code]" in shown, shown  # what a page checking for wrappers reads
