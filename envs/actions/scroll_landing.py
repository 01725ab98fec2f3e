"""Waiting, after an input that scrolls, until the scroll has landed in the page.

Chromium does not scroll for a mouse wheel while the wheel's CDP call runs: the browser turns the
wheel into a scroll gesture once the page has seen the event, the compositor applies it, and the
page's main thread (where the DOM snapshot, ``getBoundingClientRect`` and our own element checks
read positions) learns the new offsets at the next animation frame. A screenshot, drawn by the
compositor, shows the scroll sooner. Keyboard scrolling (PageDown, Space, the arrows, Home, End)
starts moving at the second frame and is animated over about ten (150 ms). An observation or a
further action of the same step that came just after the input saw the page before or in the
middle of the scroll, and the screenshot disagreed with the element boxes.

So after such an input the page is waited on, in the page, with the settle script the step already
uses (``js/settle.js``): at least ``SCROLL_LANDING_FRAMES`` animation frames, then until a frame
passes with no ``scroll`` event (of the window or of any scrolled element) and no DOM change, for
``SCROLL_LANDING_MAX_MS`` at most. Scrolls that scripts ask for (``scrollBy``, ``scrollIntoView``,
our element-id ``scroll``) are applied at once on the main thread, where the observation reads
them; we ask for them ``behavior: "instant"`` so that a page's ``scroll-behavior: smooth`` cannot
animate them.
"""

from __future__ import annotations

import contextlib

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page

from palaestra.envs.actions import types as a
from palaestra.envs.actions.coord import ScrollAt
from palaestra.envs.actions.types import Action
from palaestra.envs.observation import SETTLE_JS

#: An element-id ``scroll``: at once, whatever the page's ``scroll-behavior``.
ELEMENT_SCROLL_JS = '(e, d) => e.scrollBy({left: d[0], top: d[1], behavior: "instant"})'
LANDED_JS = f"([maxMs, frames]) => ({SETTLE_JS})(maxMs, frames)"

#: Animation frames to wait at least: a wheel's scroll reaches the page at the first, a keyboard
#: scroll starts moving at the second (measured on Chromium 156, headless shell and browser alike).
SCROLL_LANDING_FRAMES = 2
#: The longest wait for a scroll to stop moving. Chromium's keyboard scroll animation lasts about
#: 150 ms and a wheel's scroll lands in one frame; three times that covers a loaded machine's late
#: frames, and a page that scrolls itself without end costs no more than this per scrolling input.
SCROLL_LANDING_MAX_MS = 500
#: Keys whose default action scrolls the focused scroller (or the page); with modifiers too.
SCROLL_KEYS = frozenset(
    {"PageUp", "PageDown", "Space", " ", "ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight", "Home", "End"}
)


def may_scroll(action: Action) -> bool:
    """Whether ``action`` is an input that Chromium may scroll for after it returns.

    A wheel (``scroll`` with no id), a scrolling key pressed (``"Shift+PageDown"`` included), or a
    space typed (it scrolls when the focus is not in a text field).
    """
    match action:
        case a.Scroll(id=None) | ScrollAt():
            return True
        case a.Press(keys=keys) | a.KeyboardPress(keys=keys):
            return keys.split("+")[-1] in SCROLL_KEYS
        case a.KeyboardType(text=text):
            return " " in text
    return False


async def await_scroll_landed(page: Page) -> None:
    """Wait until a scroll the last input started has landed and stopped (see the module's doc).

    A key may also navigate (a slideshow's arrow keys): the document the wait ran in is then gone,
    and the step's own settling waits for the next one.
    """
    with contextlib.suppress(PlaywrightError):
        await page.evaluate(LANDED_JS, [SCROLL_LANDING_MAX_MS, SCROLL_LANDING_FRAMES])
