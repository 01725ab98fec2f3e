"""An id from a page that navigated by itself after the observation (on a timer, a server's word)
is told as that, with the page's old and new URLs, instead of "it may have been removed"; real
Chromium over real HTTP (`envs/actions/locate.py`)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from palaestra.envs import BrowserEnv
from palaestra.tasks.page import PageTask
from palaestra.testing.loopback import QuietHandler, serve

#: The page asks the server every 100 ms whether to move on, as a checkout page polls its payment.
FIRST = """<!doctype html><title>Checkout</title><button id="pay">Pay</button>
<script>
const poll = setInterval(async () => {
  if ((await (await fetch('/flag')).text()) === 'go') { clearInterval(poll); location.href = '/done'; }
}, 100);
</script>"""
DONE = """<!doctype html><title>Done</title><p>Payment received</p><button id="receipt">Receipt</button>
<script>fetch('/arrived')</script>"""


def test_an_id_from_a_page_that_moved_on_by_itself_says_so(make_env: Callable[..., BrowserEnv]) -> None:
    go, arrived = threading.Event(), threading.Event()

    class Site(QuietHandler):
        def do_GET(self) -> None:
            if self.path == "/flag":
                self.reply(200, "go" if go.is_set() else "wait", "text/plain")
            elif self.path == "/arrived":
                arrived.set()
                self.reply(204)
            else:
                self.reply(200, DONE if self.path == "/done" else FIRST)

    with serve(Site) as site:
        env = make_env(PageTask(f"{site.url}/checkout", "Pay."), pages_ahead=0)
        obs, _ = env.reset(seed=0)
        pay = next(e["id"] for e in obs["elements"] if e["attributes"].get("id") == "pay")
        go.set()  # the page leaves by itself, after the agent's observation
        assert arrived.wait(60), "the page never reached /done"
        obs, *_ = env.step(f"click('{pay}')")
        error = obs["last_action_error"]
        assert f"No element with id '{pay}': the page changed by itself" in error
        assert f"it was {site.url}/checkout and is now {site.url}/done" in error
        assert "may have been removed" not in error
        assert obs["url"] == f"{site.url}/done"  # the observation it points to is the new page's
        assert any(e["attributes"].get("id") == "receipt" for e in obs["elements"])
        gone = env.step("click('99999')")[0]["last_action_error"]  # an id never seen, same page
        assert "may have been removed" in gone and "changed by itself" not in gone
