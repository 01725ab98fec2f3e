"""A step waits for what the answer to a request its action sent starts: a page that fetches, then
renders 200 ms later from a timer the answer's callback set (or from the callback itself).

The step waited for the request (`test_settle_requests`) and for timers an event handler started
(`test_settle_timers`), but a promise callback is no event: its timers were not kept, and the
observation showed the page before the answer was rendered. A page's own polling (fetches from its
timers, not from an event) still holds no step. Real Chromium, the page served over real HTTP.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator

import pytest

from palaestra.envs import BrowserEnv
from palaestra.testing.loopback import QuietHandler, serve
from tests.envs.page_ids import opened

MakeEnv = Callable[..., BrowserEnv]

PAGE = b"""<!doctype html><title>Answers</title>
<button id="then">Then</button> <button id="await">Await</button> <button id="xhr">XHR</button>
<button id="direct">Direct</button> <p id="out">idle</p> <p id="poll">poll 0</p>
<script>
const out = document.getElementById("out");
const later = (text) => setTimeout(() => { out.textContent = text; }, 200);
document.getElementById("then").addEventListener("click", () => {
  fetch("/data").then((r) => r.json()).then((d) => { out.textContent = "rendering"; later("then " + d.n); });
});
document.getElementById("await").addEventListener("click", async () => {
  const answer = await fetch("/data");
  const d = await answer.json();
  later("awaited " + d.n);
});
document.getElementById("xhr").addEventListener("click", () => {
  const x = new XMLHttpRequest();
  x.open("GET", "/data");
  x.onload = () => later("xhr " + JSON.parse(x.responseText).n);
  x.send();
});
document.getElementById("direct").addEventListener("click", () => {
  fetch("/data").then((r) => r.text()).then((t) => { out.textContent = "direct " + JSON.parse(t).n; });
});
// The page's own poll, from its timers: its answers' timers must not hold a step.
let polls = 0;
setInterval(() => fetch("/data").then(() => setTimeout(() => {
  polls += 1;
  document.getElementById("poll").textContent = "poll " + polls;
}, 300)), 400);
</script>"""


class Answers(QuietHandler):
    def do_GET(self) -> None:
        if self.path == "/data":
            time.sleep(0.1)  # a server's time to answer: the page is quiet meanwhile
            self.reply(200, {"n": 7})
        else:
            self.reply(200, PAGE, "text/html")


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    with serve(Answers) as served:
        yield f"{served.url}/"


def _env(make_env: MakeEnv, site: str) -> tuple[BrowserEnv, dict[str, str]]:
    return opened(make_env, site, "Fetch.")


@pytest.mark.parametrize(
    ("button", "shown"),
    [("then", "then 7"), ("await", "awaited 7"), ("xhr", "xhr 7"), ("direct", "direct 7")],
)
def test_what_an_answer_renders_later_is_in_the_next_observation(
    make_env: MakeEnv, site: str, button: str, shown: str
) -> None:
    env, ids = _env(make_env, site)
    obs, *_ = env.step(f"click('{ids[button]}')")
    assert not obs["last_action_error"]
    assert shown in obs["axtree"], obs["axtree"]


def test_the_page_s_own_polling_is_not_waited_for(make_env: MakeEnv, site: str) -> None:
    """The poll's fetches and its answers' timers are not kept: were they, every step would wait."""
    env, _ = _env(make_env, site)
    for _ in range(3):
        env.step("noop(300)")
        kept = asyncio.run_coroutine_threadsafe(
            env._episode.state.page.evaluate(  # type: ignore[union-attr]
                "[window[Symbol.for('palaestra.pendingTimers')].size,"
                " window[Symbol.for('palaestra.pendingAnswers')].pending.size, String(fetch)]"
            ),
            env._loop,  # type: ignore[arg-type]
        ).result()
        assert kept[:2] == [0, 0], kept
        assert "[native code]" in kept[2], kept  # what a page checking for wrappers reads
