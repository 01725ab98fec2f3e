"""Running typed actions on a page through Playwright's public API.

Element ids resolve to elements in the frame that owns the id prefix (`palaestra.envs.actions.locate`).
Before acting we check, in one round trip, that the element exists, is visible, enabled and not
inert (and editable for typing), so that the common mistakes get a clear message at once instead
of a timeout. Having checked, we act with ``force=True``: Playwright's own
actionability checks wait two animation frames for "stability" on every action, which would
triple the cost of a step.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.async_api import BrowserContext, ElementHandle, Locator, Page
from playwright.async_api import Error as PlaywrightError

from palaestra.envs.actions import coord as c
from palaestra.envs.actions import types as a
from palaestra.envs.actions.goto_policy import check_goto
from palaestra.envs.actions.key_names import unknown_key_error, with_playwright_keys
from palaestra.envs.actions.limits import DEFAULT_LIMITS, ActionLimits
from palaestra.envs.actions.locate import locate
from palaestra.envs.actions.scroll_landing import ELEMENT_SCROLL_JS, await_scroll_landed, may_scroll
from palaestra.envs.actions.select_check import check_select
from palaestra.envs.actions.upload import upload, upload_at, upload_paths
from palaestra.envs.observation import FrameIds
from palaestra.errors import ActionError
from palaestra.tasks.base import ToolRunner


@dataclass
class ActionState:
    """What the actions change besides the page: the active tab and the messages to the user."""

    context: BrowserContext
    page: Page
    frame_ids: FrameIds
    timeout_ms: float = 3000
    messages: list[str] = field(default_factory=list)
    infeasible: str | None = None
    #: The task's tools, when it declares some, and what this step's tool actions answered.
    tools: ToolRunner | None = None
    tool_results: list[dict[str, Any]] = field(default_factory=list)
    #: Bounds on waits and distances (coordinates are bounded by the page's viewport).
    limits: ActionLimits = DEFAULT_LIMITS
    #: Where ``upload_file`` takes its files from (None: it is refused).
    upload_dir: Path | None = None
    #: The page the episode started on: ``goto`` leaves the web only for pages of its kind
    #: (`palaestra.envs.actions.goto_policy`).
    start_url: str | None = None
    #: The origins of the task's sites (``Task.site_origins``): ``goto`` opens this machine's
    #: addresses only there and at the start page's origin.
    site_origins: tuple[str, ...] = ()
    #: The page the agent last observed, and its URL then: an id that is gone from a page that has
    #: left that document since is told so (`locate`).
    observed_page: Page | None = None
    observed_url: str | None = None
    #: How many tab actions (``new_tab``, ``tab_focus``, ``tab_close``) the agent has run: a step
    #: with one keeps the tab the agent chose over one the page opened (`PageEvents`).
    tab_actions: int = 0


async def execute(action: a.Action, state: ActionState) -> None:
    """Run one action. Raises ``ActionError`` (what the agent did wrong) or Playwright's errors."""
    page, timeout = state.page, state.timeout_ms
    written = action
    action = with_playwright_keys(action)
    check_bounds(action, state)
    try:
        await _run(action, state, page, timeout)
    except PlaywrightError as exc:
        keys = getattr(written, "keys", getattr(written, "key", ""))
        refused = unknown_key_error(written.to_call(), str(keys), exc) if keys else None
        if refused is not None:
            raise refused from exc
        raise
    if may_scroll(action):
        await await_scroll_landed(page)


async def _run(action: a.Action, state: ActionState, page: Page, timeout: float) -> None:
    match action:
        case a.Click(id=eid, button=button, modifiers=modifiers):
            _check_button(button)
            target = await locate(state, eid)
            async with _held(page, modifiers):
                if target.point is not None:
                    await page.mouse.click(*target.point, button=button)  # type: ignore[arg-type]
                else:
                    await target.locator.click(button=button, timeout=timeout, force=True)  # type: ignore[arg-type]
        case a.DblClick(id=eid, button=button, modifiers=modifiers):
            _check_button(button)
            target = await locate(state, eid)
            async with _held(page, modifiers):
                if target.point is not None:
                    await page.mouse.dblclick(*target.point, button=button)  # type: ignore[arg-type]
                else:
                    await target.locator.dblclick(button=button, timeout=timeout, force=True)  # type: ignore[arg-type]
        case a.Hover(id=eid):
            target = await locate(state, eid)
            if target.point is not None:
                await page.mouse.move(*target.point)
            else:
                await target.locator.hover(timeout=timeout, force=True)
        case a.Fill(id=eid, text=text, enable_autocomplete_menu=False):
            await (await locate(state, eid, editable=True)).locator.fill(text, timeout=timeout, force=True)
        case a.Fill(id=eid, text=text):
            # As BrowserGym's: all but the last character filled, the last one typed as a key
            # press, whose key events are what opens a page's suggestion list.
            locator = (await locate(state, eid, editable=True)).locator
            await locator.fill(text[:-1], timeout=timeout, force=True)
            if text:
                await page.keyboard.type(text[-1])
        case a.Clear(id=eid):
            # Locator.clear is fill(""); a closed-root element's handle has only the latter.
            await (await locate(state, eid, editable=True)).locator.fill("", timeout=timeout, force=True)
        case a.SelectOption(id=eid, options=options):
            locator = (await locate(state, eid)).locator
            wanted = [options] if isinstance(options, str) else list(options)
            await check_select(locator, eid, wanted)  # else Playwright waits out its timeout
            await locator.select_option(wanted, timeout=timeout)
        case a.Check(id=eid):
            await (await locate(state, eid)).locator.set_checked(True, timeout=timeout, force=True)
        case a.Uncheck(id=eid):
            await (await locate(state, eid)).locator.set_checked(False, timeout=timeout, force=True)
        case a.Press(id=None, keys=keys):
            await page.keyboard.press(keys)
        case a.Press(id=str(eid), keys=keys):
            await (await locate(state, eid)).locator.press(keys, timeout=timeout)
        case a.Focus(id=eid):
            target = await locate(state, eid)
            if isinstance(target.locator, Locator):
                await target.locator.focus(timeout=timeout)
            else:  # a closed-root element's handle: focusing it does not wait
                await target.locator.focus()
        case a.Scroll(dx=dx, dy=dy, id=None):
            await page.mouse.wheel(dx, dy)
        case a.Scroll(dx=dx, dy=dy, id=str(eid)):
            await (await locate(state, eid)).locator.evaluate(ELEMENT_SCROLL_JS, [dx, dy])
        case a.DragAndDrop(from_id=src, to_id=dst):
            await _drag((await locate(state, src)).locator, (await locate(state, dst)).locator, page, timeout)
        case a.UploadFile(id=eid, files=files):
            await upload(state, eid, upload_paths(state.upload_dir, files), timeout)
        case a.MouseClick(x=x, y=y, button=button, click_count=count):
            _check_button(button)
            if count not in (1, 2, 3):
                raise ActionError(
                    f"mouse_click(): click_count is 1, 2 (a double click) or 3 (a triple click), got {count}."
                )
            await page.mouse.click(x, y, button=button, click_count=count)  # type: ignore[arg-type]
        case a.MouseDblClick(x=x, y=y, button=button):
            _check_button(button)
            await page.mouse.dblclick(x, y, button=button)  # type: ignore[arg-type]
        case a.MouseMove(x=x, y=y):
            await page.mouse.move(x, y)
        case a.MouseDown(x=x, y=y, button=button):
            _check_button(button)
            await page.mouse.move(x, y)
            await page.mouse.down(button=button)  # type: ignore[arg-type]
        case a.MouseUp(x=x, y=y, button=button):
            _check_button(button)
            await page.mouse.move(x, y)
            await page.mouse.up(button=button)  # type: ignore[arg-type]
        case a.MouseDragAndDrop(x1=x1, y1=y1, x2=x2, y2=y2):
            await page.mouse.move(x1, y1)
            await page.mouse.down()
            await page.mouse.move(x2, y2, steps=5)
            await page.mouse.up()
        case a.KeyboardType(text=text):
            await page.keyboard.type(text)
        case a.KeyboardPress(keys=keys):
            await page.keyboard.press(keys)
        case c.KeyboardDown(key=key):
            await page.keyboard.down(key)
        case c.KeyboardUp(key=key):
            await page.keyboard.up(key)
        case c.KeyboardInsertText(text=text):
            await page.keyboard.insert_text(text)
        case c.ScrollAt(x=x, y=y, dx=dx, dy=dy):
            await page.mouse.move(x, y)
            await page.mouse.wheel(dx, dy)
        case c.MouseUploadFile(x=x, y=y, files=files):
            await upload_at(page, x, y, upload_paths(state.upload_dir, files), timeout)
        case a.Goto(url=url):
            check_goto(url, state.start_url, state.site_origins)
            await page.goto(url, timeout=timeout * 5)
        case a.GoBack():
            await page.go_back(timeout=timeout * 5)
        case a.GoForward():
            await page.go_forward(timeout=timeout * 5)
        case a.NewTab():
            state.tab_actions += 1
            if len(state.context.pages) >= state.limits.max_tabs:
                raise ActionError(
                    f"new_tab(): {len(state.context.pages)} tabs are open, the most an episode may have "
                    f"({state.limits.max_tabs}); close one with tab_close() first."
                )
            state.page = await state.context.new_page()
        case a.TabFocus(index=index):
            state.tab_actions += 1
            pages = state.context.pages
            if not 0 <= index < len(pages):
                raise ActionError(
                    f"tab_focus({index}): there are {len(pages)} tabs, numbered 0 to {len(pages) - 1}."
                )
            state.page = pages[index]
            await state.page.bring_to_front()
        case a.TabClose():
            state.tab_actions += 1
            pages = state.context.pages
            if len(pages) == 1:
                raise ActionError("tab_close(): this is the last tab; an episode keeps at least one open.")
            index = pages.index(page)
            # The tab before it (or after the first) is active before this one closes, so that the
            # close is not taken for the page closing itself (`PageEvents`).
            state.page = pages[index - 1] if index else pages[1]
            await page.close()
            await state.page.bring_to_front()
        case a.SendMsgToUser(text=text):
            state.messages.append(text)
        case a.ReportInfeasible(reason=reason):
            state.infeasible = reason
        case a.CallApi(api=api, arguments=arguments):
            state.tool_results.append(await _tools(state).call(api, arguments))
        case a.SearchApis(query=query, k=k):
            if not 1 <= k <= 50:
                raise ActionError(f"search_apis(): k must be between 1 and 50, got {k}.")
            state.tool_results.append(await _tools(state).search(query, k))
        case a.Noop(ms=ms):
            await asyncio.sleep(ms / 1000)
        case _:
            raise ActionError(f"{action.name}() is not supported by this environment.")


#: The coordinate fields of each action that takes points, as (x, y) pairs.
_POINTS: dict[type[a.Action], tuple[tuple[str, str], ...]] = {
    a.MouseClick: (("x", "y"),),
    a.MouseDblClick: (("x", "y"),),
    a.MouseMove: (("x", "y"),),
    a.MouseDown: (("x", "y"),),
    a.MouseUp: (("x", "y"),),
    a.MouseDragAndDrop: (("x1", "y1"), ("x2", "y2")),
    c.ScrollAt: (("x", "y"),),
    c.MouseUploadFile: (("x", "y"),),
}


def check_bounds(action: a.Action, state: ActionState) -> None:
    """Refuse arguments that point outside the viewport or would wait or scroll without end."""
    limits = state.limits
    if isinstance(action, a.Noop) and not 0 <= action.ms <= limits.max_wait_ms:
        raise ActionError(
            f"noop({action.ms:g}): wait between 0 and {limits.max_wait_ms:g} ms in one call; "
            "to wait longer, wait again in the next step."
        )
    if (
        isinstance(action, a.Scroll | c.ScrollAt)
        and max(abs(action.dx), abs(action.dy)) > limits.max_scroll_px
    ):
        raise ActionError(
            f"{action.to_call()}: scroll at most {limits.max_scroll_px:g} px along each axis in one call."
        )
    viewport = state.page.viewport_size
    if viewport is None:
        return
    width, height = viewport["width"], viewport["height"]
    for x_field, y_field in _POINTS.get(type(action), ()):
        x, y = getattr(action, x_field), getattr(action, y_field)
        # The screenshot's last column is width - 1: a point at x == width hits nothing.
        if not (0 <= x < width and 0 <= y < height):
            raise ActionError(
                f"{action.to_call()}: the point ({x:g}, {y:g}) is outside the viewport; "
                f"x runs from 0 to {width - 1} and y from 0 to {height - 1} (CSS pixels, the screenshot's)."
            )


async def _drag(
    source: Locator | ElementHandle, destination: Locator | ElementHandle, page: Page, timeout: float
) -> None:
    """Drag one element onto another. A closed-root element's handle has no ``drag_to``: the mouse
    goes from centre to centre, as ``drag_to`` does."""
    if isinstance(source, Locator) and isinstance(destination, Locator):
        await source.drag_to(destination, timeout=timeout, force=True)
        return
    await source.scroll_into_view_if_needed(timeout=timeout)
    start = await source.bounding_box()
    end = await destination.bounding_box()
    if start is None or end is None:
        raise ActionError("drag_and_drop: an element has no box on the page (hidden); reveal it first.")
    await page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    await page.mouse.down()
    await destination.scroll_into_view_if_needed(timeout=timeout)
    end = await destination.bounding_box() or end
    await page.mouse.move(end["x"] + end["width"] / 2, end["y"] + end["height"] / 2, steps=5)
    await page.mouse.up()


def _tools(state: ActionState) -> ToolRunner:
    if state.tools is None:
        raise ActionError("This task declares no tools; call_api and search_apis are not available.")
    return state.tools


@asynccontextmanager
async def _held(page: Page, modifiers: tuple[str, ...]) -> AsyncIterator[None]:
    """Hold ``modifiers`` (BrowserGym's click(..., modifiers=["Shift"])) down around a click.

    Clicks on the main frame go through the mouse, which takes no modifiers: the keys are pressed
    on the keyboard around it, as a person holds Shift while clicking."""
    for key in modifiers:
        if key not in a.MODIFIERS:
            raise ActionError(f"Unknown modifier {key!r}; modifiers are {', '.join(a.MODIFIERS)}.")
    pressed: list[str] = []
    try:
        for key in modifiers:  # Playwright's keyboard knows ControlOrMeta
            await page.keyboard.down(key)
            pressed.append(key)
        yield
    finally:
        for key in reversed(pressed):
            await page.keyboard.up(key)


def _check_button(button: str) -> None:
    if button not in ("left", "middle", "right"):
        raise ActionError(f"Mouse button must be 'left', 'middle' or 'right', got {button!r}.")
