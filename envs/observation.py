"""Turning a page into an observation: element ids, accessibility tree, pruned DOM, elements, pixels.

One step costs one pass of id marking per frame (in a step, the main frame's rides in the round trip
that waits for the page to settle) and three CDP calls sent together on the page's one CDP session:
``DOMSnapshot.captureSnapshot``, ``Accessibility.getFullAXTree`` (once per frame) and, when asked
for, ``Page.captureScreenshot``. Everything else is computed here in Python, the set-of-marks
screenshot too (`palaestra.envs.som`). A frame in another renderer process (a cross-site frame
under site isolation) adds its own snapshot and AXTree, sent over its own CDP session at the same
time as the page's (`palaestra.envs.oopif`).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import io
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from playwright.async_api import CDPSession, Frame, Page
from playwright.async_api import Error as PlaywrightError

from palaestra.envs.axtree import AXTree
from palaestra.envs.browsergym_objects import browsergym_objects
from palaestra.envs.cdp_calls import send_plain
from palaestra.envs.closed_shadow import ClosedShadows, unmarked_in_closed_roots
from palaestra.envs.elements import build_elements, offscreen
from palaestra.envs.frame_parts import FramePart
from palaestra.envs.navigation import NavigationWatch
from palaestra.envs.obs import JPEG_QUALITY, ObsConfig
from palaestra.envs.occlusion import OCCLUSION_STYLES
from palaestra.envs.oopif import FrameSessions, frame_ax_nodes
from palaestra.envs.snapshot import BASE_STYLES, ID_ATTR, Snapshot
from palaestra.envs.som import Mark, som_views
from palaestra.envs.som_select import browser_marks

MARK_JS = (Path(__file__).parent / "js" / "mark.js").read_text()
SETTLE_JS = (Path(__file__).parent / "js" / "settle.js").read_text()
#: Settling and marking in one round trip: the marks go on the page as it settled.
SETTLE_AND_MARK_JS = f"""async ([maxMs, prefix, next]) => {{
  await ({SETTLE_JS})(maxMs);
  return ({MARK_JS})([prefix, next]);
}}"""
#: What the snapshot asks for; set-of-marks adds what finding covered elements needs (its cost).
SNAPSHOT_PARAMS: dict[str, Any] = {"computedStyles": BASE_STYLES}
SOM_SNAPSHOT_PARAMS: dict[str, Any] = {
    "computedStyles": BASE_STYLES + OCCLUSION_STYLES,
    "includePaintOrder": True,
}

#: Rounds of marking closed shadow roots per snapshot: usually one; a closed root first seen in a
#: closed root that is itself new may need another (see `palaestra.envs.closed_shadow`).
MAX_CLOSED_ROUNDS = 3
#: How long a child frame's marking may take before the frame is left without new ids for this
#: observation (`FrameIds.unanswered`). Marking takes milliseconds; a frame whose document
#: Playwright never gets to evaluate in (see ``_mark_frame``) would otherwise hold the step until
#: ``step_timeout`` ends the episode, at every step after. Generous (5 s, not 1), because a healthy
#: frame on a machine under heavy load must not lose its ids; a stuck one costs it once per step.
FRAME_ANSWER_S = 5.0

__all__ = [
    "ID_ATTR",
    "FrameIds",
    "ObsConfig",
    "ScreenshotLost",
    "capture",
    "decode_image",
]  # ObsConfig: from .obs


class ScreenshotLost(Exception):
    """The page started navigating while its screenshot was taken, and the capture was abandoned.

    Chromium (156) answers a ``Page.captureScreenshot`` sent as a navigation replaces the document
    with an error ("Not attached to an active page", "Unable to capture screenshot") or, about half
    the time, never: a page that navigates by itself (a timer, a redirect after a save) just as the
    step observes it held the step until ``step_timeout`` ended the episode. The caller settles the
    new page and captures again (`BrowserEpisode.capture_settled`).
    """


class FrameIds:
    """Gives each frame of an episode a stable id prefix ("" for the main frame, then a, b, ...)."""

    def __init__(self) -> None:
        self._prefix: dict[Frame, str] = {}
        self._next: dict[str, int] = {}
        #: The CDP sessions of the out-of-process frames (see `palaestra.envs.oopif`).
        self.sessions = FrameSessions(ID_ATTR)
        #: The elements in closed shadow roots (see `palaestra.envs.closed_shadow`).
        self.closed = ClosedShadows(MARK_JS)
        #: The URLs of the child frames whose last marking did not answer within `FRAME_ANSWER_S`.
        self.unanswered: list[str] = []

    def prefix(self, frame: Frame) -> str:
        if frame not in self._prefix:
            n = len(self._prefix)
            self._prefix[frame] = "" if frame.parent_frame is None else _letters(n)
        return self._prefix[frame]

    def frame_for(self, element_id: str, page: Page) -> Frame | None:
        prefix = element_id.rstrip("0123456789")
        for frame in page.frames:
            if self._prefix.get(frame) == prefix:
                return frame
        return None

    async def mark(self, page: Page) -> None:
        """Give every element of every frame an id (existing ids are kept)."""
        self.unanswered = []
        await asyncio.gather(*(self._mark_frame(f) for f in page.frames if not f.is_detached()))

    async def settle_and_mark(self, page: Page, max_ms: float) -> None:
        """Wait for the main frame to go quiet (``settle.js``), then mark every frame.

        The main frame settles and gets its ids in one round trip. Raises Playwright's error when
        the main document goes away meanwhile (a navigation), for the caller to wait for the next.
        """
        main = page.main_frame
        prefix = self.prefix(main)
        self._next[prefix] = await main.evaluate(
            SETTLE_AND_MARK_JS, [max_ms, prefix, self._next.get(prefix, 1)]
        )
        children = [f for f in page.frames if f is not main and not f.is_detached()]
        self.unanswered = []
        if children:
            await asyncio.gather(*(self._mark_frame(f) for f in children))

    async def snapshot(self, session: CDPSession, params: dict[str, Any]) -> dict[str, Any]:
        """``DOMSnapshot.captureSnapshot`` on ``session``, after closed shadow roots with elements
        without ids got theirs (taken again then: only on pages with such roots, when they grew)."""
        raw = dict(await send_plain(session, "DOMSnapshot.captureSnapshot", params))
        for _ in range(MAX_CLOSED_ROUNDS):
            unmarked = unmarked_in_closed_roots(raw, ID_ATTR)
            if not unmarked:
                break
            await self.closed.mark(session, unmarked, self._next)
            raw = dict(await send_plain(session, "DOMSnapshot.captureSnapshot", params))
        self.closed.remember(session, raw, ID_ATTR)
        return raw

    def unanswered_note(self) -> str:
        """What the agent is told of the frames the last marking skipped ("" when none)."""
        if not self.unanswered:
            return ""
        frames = ", ".join(self.unanswered)
        return (
            f"The frame showing {frames} did not answer within {FRAME_ANSWER_S:g} s: its new elements "
            "have no ids in this observation, and its old ones may not respond (asked again next step)."
        )

    async def _mark_frame(self, frame: Frame) -> None:
        prefix = self.prefix(frame)
        marking = frame.evaluate(MARK_JS, [prefix, self._next.get(prefix, 1)])
        # A frame that detaches or navigates while we mark keeps no ids this step. A child frame
        # navigated to the site of a frame it drops meanwhile (out of process) gets a document
        # Playwright 1.65 never evaluates in: its marking is cancelled (Playwright aborts the call)
        # and the frame observed as the snapshot has it. The main frame is the page: not bounded.
        with contextlib.suppress(PlaywrightError):
            if frame.parent_frame is None:
                self._next[prefix] = await marking
                return
            try:
                self._next[prefix] = await asyncio.wait_for(marking, FRAME_ANSWER_S)
            except TimeoutError:
                self.unanswered.append(frame.url)


def _letters(n: int) -> str:
    out = ""
    while n > 0:
        n, rem = divmod(n - 1, 26)
        out = chr(ord("a") + rem) + out
    return out


async def capture(
    page: Page,
    cdp: CDPSession,
    frame_ids: FrameIds,
    config: ObsConfig,
    parts: frozenset[str],
    marked: bool = False,
    navigations: NavigationWatch | None = None,
) -> dict[str, Any]:
    """Compute the observation ``parts`` of ``page`` (see `palaestra.envs.obs`), formatted by ``config``.

    Only the DOM snapshot must wait for the id marking (skipped when the caller just ``marked``
    the page); the AXTree (joined to the snapshot by backend node ids) and the screenshot are
    requested at the same time. The result also holds the page's ``title`` when a snapshot was
    taken (saving a round trip). With ``navigations``, a main-frame navigation sent while the
    screenshot is taken raises ``ScreenshotLost``.
    """
    # BrowserGym's page objects go with a full observation (``web``), not with a render's pixels.
    browsergym = config.browsergym and "web" in parts
    want_tree = bool(parts & {"axtree", "elements", "dom", "som"}) or browsergym
    want_pixels = bool(parts & {"screenshot", "som"})

    async def marked_snapshot() -> tuple[dict[str, Any], list[FramePart]]:
        if not marked:
            await frame_ids.mark(page)
        await frame_ids.closed.start_observation()
        params = SOM_SNAPSHOT_PARAMS if "som" in parts else SNAPSHOT_PARAMS
        if browsergym:  # BrowserGym's snapshot carries the DOM rects; its readers may look
            params = {**params, "includeDOMRects": True}
        if len(page.frames) == 1:  # the common case: no out-of-process frame to look for
            return await frame_ids.snapshot(cdp, params), []
        snapshot, captures = await asyncio.gather(
            frame_ids.snapshot(cdp, params), frame_ids.sessions.capture(page, params, frame_ids.snapshot)
        )
        # After both: an <iframe> in a closed root got its id in the page's snapshot just taken.
        return snapshot, await frame_ids.sessions.parts(captures)

    calls: list[Any] = [
        marked_snapshot() if want_tree else _no_tree(),
        _ax_trees(cdp, single_frame=len(page.frames) == 1) if want_tree else _none(),
        _screenshot(cdp, config, navigations) if want_pixels else _none(),
    ]
    (snapshot, frame_parts), ax_nodes, shot = await asyncio.gather(*calls)
    obs: dict[str, Any] = {}
    marks: list[Mark] = []
    if want_tree:
        title = snapshot["documents"][0].get("title", -1) if snapshot["documents"] else -1
        obs["title"] = snapshot["strings"][title] if title >= 0 else ""
        dom = Snapshot(snapshot, config.max_text_chars, frame_parts)
        all_ax_nodes = [*ax_nodes, *(n for part in frame_parts for n in part.ax_nodes)]
        ax = AXTree(all_ax_nodes, dom)
        size = page.viewport_size
        viewport = (size["width"], size["height"]) if size else (0, 0)
        elements = build_elements(dom, ax, viewport)
        if "som" in parts or browsergym:
            marks = browser_marks(dom, elements, viewport, ax.modal_dialogs(dom))
        if "axtree" in parts:
            obs["axtree"] = ax.render(dom, config.axtree_max_lines, offscreen(elements))
        if "dom" in parts:
            obs["dom"] = dom.render()
        if "elements" in parts:
            obs["elements"] = [e.as_dict() for e in elements]
        if "web" in parts:
            obs["focused_element"] = next((e.id for e in elements if e.focused), "")
        if browsergym:  # last: it renames and adds to the raw answers in place
            obs["browsergym"] = browsergym_objects(snapshot, all_ax_nodes, dom, ax, elements, marks, viewport)
    elif "web" in parts:
        obs["focused_element"] = ""  # knowing it needs the DOM snapshot, which no part asked for
    if want_pixels:
        pixels = decode_image(shot["data"])
        if "screenshot" in parts:
            obs["screenshot"] = pixels
        if "som" in parts:
            size = page.viewport_size  # CSS pixels; the screenshot is in device pixels
            scale = pixels.shape[1] / size["width"] if size and size["width"] else 1.0
            obs["som_screenshot"], obs["som_marks"] = som_views(pixels, marks, scale)
    return obs


def screenshot_params(config: ObsConfig) -> dict[str, Any]:
    # optimizeForSpeed lowers the PNG compression effort: still lossless, about half the time.
    params: dict[str, Any] = {"format": config.screenshot_format, "optimizeForSpeed": True}
    if config.screenshot_format == "jpeg":
        params["quality"] = JPEG_QUALITY
    return params


async def _screenshot(cdp: CDPSession, config: ObsConfig, navigations: NavigationWatch | None) -> Any:
    """The page's pixels, or ``ScreenshotLost`` if a navigation is sent before they come."""
    shooting = asyncio.ensure_future(cdp.send("Page.captureScreenshot", screenshot_params(config)))
    if navigations is None:
        return await shooting
    moved = asyncio.ensure_future(navigations.navigation_started_since(navigations.navigations_started))
    try:
        await asyncio.wait((shooting, moved), return_when=asyncio.FIRST_COMPLETED)
    finally:
        moved.cancel()
        lost = not shooting.done()
        if lost:  # the navigation came first (or the whole capture was cancelled)
            shooting.cancel()
    if lost:
        raise ScreenshotLost("the page started navigating while its screenshot was taken")
    return shooting.result()


async def _none() -> None:
    return None


async def _no_tree() -> tuple[None, list[FramePart]]:
    return None, []


async def _ax_trees(cdp: CDPSession, single_frame: bool) -> list[dict[str, Any]]:
    """The full AXTree of the main frame and of each same-process child frame."""
    if single_frame:  # the common case: no frame tree to walk
        return list((await send_plain(cdp, "Accessibility.getFullAXTree"))["nodes"])
    return await frame_ax_nodes(cdp)


def decode_image(data: str) -> np.ndarray:
    """A base64 PNG or JPEG as an RGB ``uint8`` array (JPEGs decode to RGB with no conversion)."""
    with Image.open(io.BytesIO(base64.b64decode(data))) as image:
        return np.asarray(image if image.mode == "RGB" else image.convert("RGB"))
