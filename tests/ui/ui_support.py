"""What the UI tests share besides fixtures: the scripted model's answers, the runs, and a person's page.

(Test modules import it by name: `conftest` puts this folder on `sys.path`.)
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page

from palaestra.testing import ScriptRequest, reply_text

#: What the scripted model answers during the run: an action on no element, carrying markup that
#: would run script if the UI ever put model output into the page as HTML.
MARKUP = '<img src=x onerror="window.pwned=1"><b>bold</b>'
RUN_ANSWER = f"fill('999', '{MARKUP}')"
#: What it answers the playground (recognised by a word the test adds to the prompt).
PLAYGROUND_WORD = "PLAYGROUND-EDIT"
PLAYGROUND_ANSWER = "Action: click('15')"


def script(request: ScriptRequest) -> Any:
    text = " ".join(str(m.get("content")) for m in request.messages)
    return reply_text(PLAYGROUND_ANSWER if PLAYGROUND_WORD in text else RUN_ANSWER)


@dataclass
class Runs:
    results: Path
    model_run: Path  # synapse (scripted model, fails) and the oracle
    baseline: Path  # the oracle and a random agent


class Person:
    """A page in the person's browser, with what every test checks: no script errors, no markup run."""

    def __init__(self, page: Page, base: str, shots: Path) -> None:
        self.page, self.base, self.shots = page, base, shots
        self.errors: list[str] = []
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)

    def open(self, fragment: str = "") -> Page:
        self.page.goto(self.base + fragment)
        return self.page

    def shoot(self, name: str) -> Path:
        path = self.shots / f"{name}.png"
        self.wait_for_images()
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def wait_for_images(self, timeout_s: float = 30.0) -> None:
        """Every image on the page loaded. Polled from here: Playwright's ``wait_for_function``
        re-checks a string predicate by evaluating it in the page, which the UI's CSP (no
        'unsafe-eval') refuses whenever the first check is false."""
        deadline = time.monotonic() + timeout_s
        while not self.page.evaluate("[...document.images].every((i) => i.complete && i.naturalWidth > 0)"):
            assert time.monotonic() < deadline, f"images still loading after {timeout_s:g} s"
            self.page.wait_for_timeout(100)

    def check_clean(self) -> None:
        assert self.page.evaluate("window.pwned") is None, "markup from the model ran"
        assert not [e for e in self.errors if not re.search(r"Failed to load resource.*40[49]", e)], (
            self.errors
        )


@contextmanager
def person_at(browser: Browser, base: str, shots: Path) -> Iterator[Person]:
    """A person with a fresh browser context of their own on the UI at `base`, closed on leaving."""
    context = browser.new_context(viewport={"width": 1400, "height": 950})
    context.set_default_timeout(30_000)
    try:
        yield Person(context.new_page(), base, shots)
    finally:
        context.close()


class ServedUi:
    """The environment server on a thread with the UI mounted, as `palaestra ui` serves it."""

    def __init__(self, roots: Any, config: Any = None, options: Any = None) -> None:
        from palaestra.server import ServerConfig
        from palaestra.server.run import ServerThread
        from palaestra.ui import ui_extension

        self.server = ServerThread(config or ServerConfig(), extensions=[ui_extension(roots, options)])

    def __enter__(self) -> ServedUi:
        self.server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop()

    @property
    def url(self) -> str:
        return f"{self.server.url}/ui/"

    @property
    def ui(self) -> Any:
        """The UI's own state (its roots, its live views)."""
        return self.server.context.extras["ui"].state.ui

    @property
    def sessions(self) -> dict[str, Any]:
        """The server's open sessions (every live environment is one)."""
        return dict(self.server.context.sessions.sessions)

    def browser_contexts(self) -> int:
        """Browser contexts open on the server's loop, where its environments live."""

        async def count() -> int:
            import asyncio

            from palaestra.envs.browser import _hosts

            host = _hosts.get(asyncio.get_running_loop())
            return len(host.browser.contexts) if host is not None and host.browser is not None else 0

        return int(self.server.call(count()))
