"""Out-of-process iframes (OOPIFs): their DOM snapshots and accessibility trees, for the page's.

With site isolation a cross-site ``<iframe>`` renders in a renderer process of its own, and the
page's CDP session sees the ``<iframe>`` element but nothing of its document. Playwright lists such
frames (their elements get ids like any frame's) and actions reach into them, but
``DOMSnapshot.captureSnapshot`` and ``Accessibility.getFullAXTree`` on the page's session leave
them out. Each out-of-process frame therefore gets a CDP session of its own (Playwright opens one
only for these frames), its snapshot and tree are captured beside the page's, and
`palaestra.envs.snapshot.Snapshot` hangs them under their ``<iframe>``, found by its element id.

Which frames are out of process is found once per frame and origin (a frame that navigates to
another site may change process), so a page without child frames costs nothing more, and one with
same-process frames one failed session request per frame, once. The ``<iframe>``'s id is read
once per frame too, before the snapshots; one in a closed shadow root gets its id only from the
snapshot of the document around it (`palaestra.envs.closed_shadow`), taken at the same time or
later, so an id not found then is read again after all snapshots (`FrameSessions.parts`): else
the first observation would leave the frame out, with no word to the agent.

Backend node ids and AXTree node ids are numbered per renderer process, so two processes can use
the same ones: each out-of-process part moves its ids into a range of its own (`PART_SPAN`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from playwright.async_api import CDPSession, Frame, Page
from playwright.async_api import Error as PlaywrightError

from palaestra.envs.cdp_calls import send_plain
from palaestra.envs.frame_parts import PART_SPAN, FramePart

OWNER_JS = "(e, attr) => e.getAttribute(attr)"
#: Takes a session's DOM snapshot with these parameters (closed shadow roots marked first).
TakeSnapshot = Callable[[CDPSession, dict[str, Any]], Awaitable[dict[str, Any]]]


@dataclass
class KnownFrame:
    origin: str
    session: CDPSession | None  # None: the frame renders in its parent's process
    owner_id: str = ""


@dataclass
class FrameCapture:
    """One out-of-process frame's snapshot and AXTree nodes, before its ``<iframe>`` is sure."""

    frame: Frame
    known: KnownFrame
    snapshot: dict[str, Any]
    ax_nodes: list[dict[str, Any]]


class FrameSessions:
    """The CDP sessions of an episode's out-of-process frames, found once per frame and origin."""

    def __init__(self, id_attr: str) -> None:
        self.id_attr = id_attr
        self._known: dict[Frame, KnownFrame] = {}

    async def out_of_process(self, page: Page) -> list[tuple[Frame, KnownFrame]]:
        """The page's out-of-process frames whose ``<iframe>`` has an id, parents before children."""
        found = await self._with_sessions(page)
        return sorted(((f, k) for f, k in found if k.owner_id), key=lambda fk: _depth(fk[0]))

    async def capture(self, page: Page, params: dict[str, Any], take: TakeSnapshot) -> list[FrameCapture]:
        """Snapshot and AXTree of every out-of-process frame; a frame that goes away (or changes
        process) meanwhile is left out of this observation, as a detaching same-process one is.

        Frames whose ``<iframe>`` had no id yet are captured too: one in a closed shadow root gets
        its id from the snapshot of its parent's document, taken at the same time as this
        (`palaestra.envs.closed_shadow`), and `parts` looks for it again once that is done."""
        frames = await self._with_sessions(page)
        if not frames:
            return []
        results = await asyncio.gather(*(self._capture_one(f, k, params, take) for f, k in frames))
        return [r for r in results if r is not None]

    async def parts(self, captures: list[FrameCapture]) -> list[FramePart]:
        """The captures whose ``<iframe>`` has an id, parents before children, each part's ids moved
        into a range of its own. Call it once every snapshot of the observation is taken: an owner
        marked by one of them (in a closed root) is read then, so the first observation of a
        page has the frame (only frames whose owner was not read before pay for the lookup)."""
        missing = [c for c in captures if not c.known.owner_id]
        if missing:
            await asyncio.gather(*(self._find_owner(c.frame, c.known) for c in missing))
        owned = sorted((c for c in captures if c.known.owner_id), key=lambda c: _depth(c.frame))
        return [
            FramePart(c.known.owner_id, c.snapshot, [_moved(n, number) for n in c.ax_nodes], number)
            for number, c in enumerate(owned, 1)
        ]

    async def _with_sessions(self, page: Page) -> list[tuple[Frame, KnownFrame]]:
        """The page's out-of-process frames, their ``<iframe>``'s id looked up if not known yet."""
        children = [f for f in page.frames if f.parent_frame is not None and not f.is_detached()]
        for gone in [f for f in self._known if f not in children]:
            await self._forget(gone)
        if not children:
            return []
        stale = [f for f in children if f not in self._known or self._known[f].origin != _origin(f.url)]
        if stale:
            await asyncio.gather(*(self._probe(page, f) for f in stale))
        found = [(f, k) for f in children if (k := self._known.get(f)) is not None and k.session is not None]
        missing = [(f, k) for f, k in found if not k.owner_id]
        if missing:
            await asyncio.gather(*(self._find_owner(f, k) for f, k in missing))
        return found

    async def _capture_one(
        self, frame: Frame, known: KnownFrame, params: dict[str, Any], take: TakeSnapshot
    ) -> FrameCapture | None:
        session = known.session
        assert session is not None
        try:
            snapshot, nodes = await asyncio.gather(take(session, params), frame_ax_nodes(session))
        except PlaywrightError:
            await self._forget(frame)  # found again next time, in whatever process it is then
            return None
        return FrameCapture(frame, known, dict(snapshot), nodes)

    async def _probe(self, page: Page, frame: Frame) -> None:
        await self._forget(frame)
        try:
            session: CDPSession | None = await page.context.new_cdp_session(frame)
        except PlaywrightError:  # a same-process frame (or one gone meanwhile): the page's session has it
            session = None
        self._known[frame] = KnownFrame(_origin(frame.url), session)

    async def _find_owner(self, frame: Frame, known: KnownFrame) -> None:
        # Not kept when the <iframe> has no id yet (its document was not marked): asked again.
        with contextlib.suppress(PlaywrightError):
            owner = await frame.frame_element()
            known.owner_id = await owner.evaluate(OWNER_JS, self.id_attr) or ""

    async def _forget(self, frame: Frame) -> None:
        known = self._known.pop(frame, None)
        if known is not None and known.session is not None:
            with contextlib.suppress(PlaywrightError):
                await known.session.detach()


async def frame_ax_nodes(session: CDPSession) -> list[dict[str, Any]]:
    """The full AXTree of a session's frames: its main frame and each same-process child."""
    tree = await session.send("Page.getFrameTree")
    frame_ids: list[str] = []

    def walk(node: dict[str, Any]) -> None:
        frame_ids.append(node["frame"]["id"])
        for child in node.get("childFrames", []):
            walk(child)

    walk(tree["frameTree"])
    results = await asyncio.gather(
        *(send_plain(session, "Accessibility.getFullAXTree", {"frameId": fid}) for fid in frame_ids),
        return_exceptions=True,
    )
    nodes: list[dict[str, Any]] = []
    for result in results:
        if isinstance(result, dict):
            nodes.extend(result["nodes"])
    return nodes


def _moved(node: dict[str, Any], part: int) -> dict[str, Any]:
    """An AXTree node with its own, parent, child and DOM node ids moved into ``part``'s range."""
    out = dict(node)
    out["nodeId"] = f"{part}:{node['nodeId']}"
    if "parentId" in node:
        out["parentId"] = f"{part}:{node['parentId']}"
    if "childIds" in node:
        out["childIds"] = [f"{part}:{c}" for c in node["childIds"]]
    if "backendDOMNodeId" in node:
        out["backendDOMNodeId"] = node["backendDOMNodeId"] + part * PART_SPAN
    return out


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _depth(frame: Frame) -> int:
    depth, parent = 0, frame.parent_frame
    while parent is not None:
        depth, parent = depth + 1, parent.parent_frame
    return depth
