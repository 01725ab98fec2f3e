"""Finding the element an action's id names, and checking it can take the action, in one round trip.

Element ids resolve to ``[data-pal-id="..."]`` in the frame that owns the id prefix (CSS selectors
pierce open shadow roots); an element in a closed shadow root, which no selector reaches, to a
handle on it (`palaestra.envs.closed_shadow`), which the actions use as they use a locator. The
common mistakes (no such element, hidden, disabled, inert, not editable) get a clear
`ActionError` at once instead of a timeout.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from playwright.async_api import ElementHandle, Frame, Locator, Page
from playwright.async_api import Error as PlaywrightError

from palaestra.envs.observation import ID_ATTR, FrameIds
from palaestra.errors import ActionError


class Locating(Protocol):
    """What finding an element needs of the action state: the active tab, the frames' ids, and
    the URL the agent last saw the tab at."""

    page: Page
    frame_ids: FrameIds
    observed_page: Page | None
    observed_url: str | None


#: One round trip that tells whether the element exists, is visible, editable, enabled and not
#: inert (in an inert subtree, or outside an open modal dialog: the page lets no input reach it).
#: checkVisibility() is false under ``content-visibility: hidden``, which keeps the element's box.
STATUS_JS = """els => {
  if (!els.length) return null;
  const e = els[0];
  const style = getComputedStyle(e);
  const box = e.getBoundingClientRect();
  const visible = box.width > 0 && box.height > 0 && style.visibility !== "hidden" && e.checkVisibility();
  // Hit-testing in the element's own tree: the document's answer stops at a shadow host.
  const root = e.getRootNode().elementFromPoint ? e.getRootNode() : document;
  let inert = style.interactivity === "inert";
  if (!inert && document.querySelector("dialog:modal")) {
    inert = true;
    for (let n = e; n && inert; n = n.parentNode || n.host) inert = !(n.matches && n.matches("dialog:modal"));
  }
  const tag = e.tagName;
  const editable = e.isContentEditable || ((tag === "INPUT" || tag === "TEXTAREA") && !e.readOnly);
  let point = null;
  // A link that wraps has one box per line; the centre of their union can fall between the
  // lines, on its parent. Take the centre of the first line box the element itself is hit at.
  let covered = false;
  const hitPoint = () => {
    for (const r of e.getClientRects()) {
      const x = r.left + r.width / 2, y = r.top + r.height / 2;
      const hit = r.width > 0 && r.height > 0 ? root.elementFromPoint(x, y) : null;
      if (hit && (hit === e || e.contains(hit))) return [x, y];
      covered = covered || hit !== null;
    }
    return null;
  };
  if (visible) {
    e.scrollIntoView({block: "nearest", inline: "nearest", behavior: "instant"});
    point = hitPoint();
    if (point === null && covered) {
      // Covered where it is: scrolled under a sticky header or footer, which "nearest" counts as
      // in view. In the middle of the viewport it is clear of them (a fixed banner or a modal
      // stays over it, and the click lands there, as a person's would).
      e.scrollIntoView({block: "center", inline: "center", behavior: "instant"});
      point = hitPoint();
    }
    if (point === null) {
      const r = e.getBoundingClientRect();
      point = [r.left + r.width / 2, r.top + r.height / 2];
    }
  }
  return {visible, editable, inert, disabled: !!e.disabled, point};
}"""


async def missing(state: Locating, element_id: str, frame: Frame) -> str:
    """Why no element has this id. When the main document holds no id at all, it is not the one
    the agent observed: the page navigated (or reloaded) by itself after the last observation, on
    a timer or a server's push, and every id the agent read is gone; it is told so, with the URL."""
    gone = f"No element with id '{element_id}' on this page (it may have been removed); "
    if frame.parent_frame is not None or state.observed_page is not state.page:  # a tab not seen yet
        return gone + "use an id from the latest observation."
    try:
        marked = await frame.evaluate("s => document.querySelector(s) !== null", f"[{ID_ATTR}]")
    except PlaywrightError:  # navigating right now: the plain answer
        return gone + "use an id from the latest observation."
    if marked:
        return gone + "use an id from the latest observation."
    url, seen = state.page.url, state.observed_url
    if seen and seen != url:
        moved = f"it was {seen} and is now {url}"
    else:
        moved = f"it is still at {url}, but reloaded or replaced its whole content"
    return (
        f"No element with id '{element_id}': the page changed by itself since the last observation "
        f"({moved}), so none of the ids you saw exist any more. The observation that comes with "
        "this message shows the new page: use its ids."
    )


@dataclass
class Target:
    """A checked element. ``point`` is its centre in page coordinates when it is in the main frame
    (mouse events there go straight to the point, which is what a person's click does)."""

    locator: Locator | ElementHandle
    point: tuple[float, float] | None


async def locate(state: Locating, element_id: str, editable: bool = False, visible: bool = True) -> Target:
    """The element with this id, checked to exist, be enabled and not inert, and be visible (unless
    ``visible`` is False: a file input is often hidden behind its styled button) and editable when
    asked."""
    frame = state.frame_ids.frame_for(element_id, state.page)
    if frame is None:
        raise ActionError(
            f"No element with id '{element_id}' on this page: use an id from the latest observation."
        )
    if frame.is_detached():
        raise ActionError(
            f"Element [{element_id}] was in a frame that is gone (detached); observe the page again."
        )
    locator = frame.locator(f'[{ID_ATTR}="{element_id}"]')
    handle: ElementHandle | None = None
    try:
        if element_id in state.frame_ids.closed:
            handle = await state.frame_ids.closed.handle(element_id, frame)
            status = None if handle is None else await handle.evaluate(f"e => ({STATUS_JS})([e])")
        else:
            status = await locator.evaluate_all(STATUS_JS)
    except PlaywrightError:
        if frame.is_detached():
            raise ActionError(
                f"Element [{element_id}] was in a frame that is gone (detached); observe the page again."
            ) from None
        raise
    if status is None:
        raise ActionError(await missing(state, element_id, frame))
    if visible and not status["visible"]:
        raise ActionError(
            f"Element [{element_id}] is not visible (hidden or zero-size); "
            "act on a visible element, or reveal this one first."
        )
    if status["inert"]:
        raise ActionError(
            f"Element [{element_id}] is inert (the page blocks input there: an inert section, or "
            "outside the open modal dialog); act inside the dialog, or close it first."
        )
    if status["disabled"]:
        raise ActionError(f"Element [{element_id}] is disabled; it cannot be used until the page enables it.")
    if editable and not status["editable"]:
        raise ActionError(
            f"Element [{element_id}] is not editable; fill() and clear() need an input, "
            "textarea or contenteditable element."
        )
    in_main_frame = frame.parent_frame is None and status["point"] is not None
    return Target(
        locator.first if handle is None else handle, tuple(status["point"]) if in_main_frame else None
    )
