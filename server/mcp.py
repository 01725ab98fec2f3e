"""An environment session as an MCP server, with tools named and shaped like Playwright MCP's.

Agents that know Playwright MCP work at once: ``browser_snapshot``, ``browser_click(element,
target)``, ``browser_type``, ``browser_press_key``, ``browser_select_option``, ``browser_hover``,
``browser_drag``, ``browser_navigate``, ``browser_navigate_back``, ``browser_take_screenshot``,
``browser_tabs`` and ``browser_wait_for``, each mapped onto Palaestra's action strings (only those
the task's action set allows are offered: MiniWoB++ has no navigation). ``browser_file_upload``
takes the element too (Playwright MCP's fills the file chooser a click opened before), and file
paths relative to the environment's upload directory. A task that declares tools
(a calculator, its manuals) also offers ``search_apis`` and ``call_api``, whose answers show under
"Tool results" with the snapshot, and the instructions list those tools. ``element`` is the
human-readable description Playwright MCP asks for; ``target`` is the element's id as the snapshot
shows it in brackets (``[15] button 'Submit'`` -> ``"15"``), stable for the whole episode.

Every action answers with the snapshot (the observation's accessibility tree) and the action's
error, if any. The goal is the server's instructions and the ``palaestra://goal`` resource; the
agent ends with ``submit`` (an answer, or that the task is infeasible). Reset, evaluation and reward
are not tools: a harness reads them through the session API (``GET /sessions/{id}``), and
``palaestra mcp`` prints the verdict when the session ends. A desktop task's session gets a
desktop's tools instead (`mcp_desktop`); what both share is in `mcp_tools`.
"""

from __future__ import annotations

import time as clock
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.utilities.types import Image
from pydantic import Field

from palaestra.envs.desktop.actions import DesktopActionSet
from palaestra.envs.page_address import shown_url
from palaestra.server.mcp_desktop import build_desktop_server
from palaestra.server.mcp_tools import (
    ElementRef,
    PalaestraMCP,
    acting,
    add_submit_and_goal,
    call,
    hints,
    target_id,
)
from palaestra.server.session import NO_ANSWER
from palaestra.server.sessions import Session, SessionManager
from palaestra.server.wire import png_bytes

__all__ = ["build_mcp_server", "call", "target_id", "verdict"]

Element = Annotated[str, Field(description="Human-readable element description, for the record")]
Target = Annotated[
    str, ElementRef, Field(description="The element's id from the snapshot, e.g. '15' for [15]")
]
#: Longest wait ``browser_wait_for`` accepts, in seconds (keep it under the step timeout).
MAX_WAIT_S = 10.0
POLL_MS = 250

INSTRUCTIONS = """You control a web browser to accomplish this task:

{goal}

Call browser_snapshot to read the page: an accessibility tree where each element you can act on
starts with its id in brackets, e.g. [15] button 'Submit'. Pass that id as `target` to
browser_click, browser_type, browser_select_option, browser_hover and browser_drag. Every action
answers with the new snapshot and the action's error, if any. When the task is done, call submit
(with `answer` if the task asks a question, or `infeasible=true` with a reason if it cannot be done)."""

TOOLS_INSTRUCTIONS = """

The task also offers tools: find the one that fits a need with search_apis, run it with call_api;
their answers show under "Tool results". The tools:
{tools}"""


def snapshot_text(session: Session, action: str | None = None) -> str:
    """What every tool answers: the page's URL and tabs, the last action and its error, the tree."""
    last = session.last
    if last is None:
        return "No page yet: the session has not started an episode."
    obs = last.obs
    pages = obs.get("open_pages") or []
    title = next((p.get("title", "") for p in pages if p.get("active")), "")
    # A local page's address is a path on the server's machine (a MiniWoB++ page's names its task).
    lines = [f"- Page URL: {shown_url(str(obs.get('url', '')))}", f"- Page Title: {title}"]
    if len(pages) > 1:
        lines.append("- Tabs: " + "; ".join(
            f"{i}: {p.get('title', '')}{' (current)' if p.get('active') else ''}" for i, p in enumerate(pages)
        ))  # fmt: skip
    if action is not None:
        lines += ["", "### Ran", action]
    error = obs.get("last_action_error", "")
    if error and action is not None:
        lines += ["", "### Error", str(error)]
    answers = obs.get("tool_results", "")
    if answers and action is not None:
        lines += ["", "### Tool results", str(answers)]
    if session.done or session.submission is not None:
        lines += ["", "### The episode is over: call submit to finish (if you have not)."]
    lines += ["", "### Snapshot", str(obs.get("axtree") or obs.get("dom") or "")]
    return "\n".join(lines)


def build_mcp_server(session: Session, sessions: SessionManager) -> MCPServer:
    """The MCP server of one session, its tools those of the task's kind: a desktop task's are
    `mcp_desktop`'s, every other task's the browser tools below. Every tool call goes through
    ``sessions`` (one at a time, within the request timeout), like any other transport's."""
    if isinstance(session.env.action_set, DesktopActionSet):
        return build_desktop_server(session, sessions)
    goal = session.env.goal if session.last is not None else ""
    instructions = INSTRUCTIONS.format(goal=goal or "(the goal is the palaestra://goal resource)")
    if session.env.tools is not None:
        instructions += TOOLS_INSTRUCTIONS.format(tools=session.env.tools.describe())
    server: MCPServer = PalaestraMCP("palaestra", instructions=instructions, log_level="WARNING")
    allowed = session.env.action_set.actions
    act = acting(session, sessions, snapshot_text)

    def tool(*needs: str, read_only: bool = False) -> Callable[[Callable[..., Awaitable[Any]]], Any]:
        """Register the tool if the task's action set has every action it needs."""

        def register(fn: Callable[..., Awaitable[Any]]) -> Any:
            if all(n in allowed for n in needs):
                server.tool(annotations=hints(read_only))(fn)
            return fn

        return register

    @tool(read_only=True)
    async def browser_snapshot() -> str:
        """Capture the accessibility snapshot of the current page (better than a screenshot)."""
        return snapshot_text(session)

    @tool("click")
    async def browser_click(
        element: Element,
        target: Target,
        doubleClick: bool = False,
        button: Literal["left", "right", "middle"] = "left",
    ) -> str:
        """Click an element of the page."""
        ref = target_id(target)
        if doubleClick:
            return await act(call("dblclick", ref))
        return await act(call("click", ref) if button == "left" else call("click", ref, button))

    @tool("fill", "press")
    async def browser_type(
        element: Element, target: Target, text: str, submit: bool = False, slowly: bool = False
    ) -> str:
        """Type text into an editable element; `submit` presses Enter after, `slowly` types key by key."""
        ref = target_id(target)
        lines = [call("click", ref), call("keyboard_type", text)] if slowly else [call("fill", ref, text)]
        if submit:
            lines.append(call("press", ref, "Enter"))
        return await act("\n".join(lines))

    @tool("keyboard_press")
    async def browser_press_key(key: Annotated[str, Field(description="e.g. ArrowLeft, Enter, a")]) -> str:
        """Press a key on the keyboard (whatever has the focus receives it)."""
        return await act(call("keyboard_press", key))

    @tool("select_option")
    async def browser_select_option(element: Element, target: Target, values: list[str]) -> str:
        """Select one or more options of a dropdown."""
        chosen: str | list[str] = values[0] if len(values) == 1 else list(values)
        return await act(call("select_option", target_id(target), chosen))

    @tool("hover")
    async def browser_hover(element: Element, target: Target) -> str:
        """Hover the mouse over an element."""
        return await act(call("hover", target_id(target)))

    @tool("drag_and_drop")
    async def browser_drag(
        startElement: Element, startTarget: Target, endElement: Element, endTarget: Target
    ) -> str:
        """Drag one element and drop it onto another."""
        return await act(call("drag_and_drop", target_id(startTarget), target_id(endTarget)))

    @tool("upload_file")
    async def browser_file_upload(
        element: Element,
        target: Target,
        paths: Annotated[list[str], Field(description="files, relative to the env's upload directory")],
    ) -> str:
        """Choose files for a file input, or for the file chooser the element opens when clicked."""
        chosen: str | list[str] = paths[0] if len(paths) == 1 else list(paths)
        return await act(call("upload_file", target_id(target), chosen))

    @tool("goto")
    async def browser_navigate(url: str) -> str:
        """Open a URL in the current tab."""
        return await act(call("goto", url))

    @tool("go_back")
    async def browser_navigate_back() -> str:
        """Go back to the previous page."""
        return await act(call("go_back"))

    @tool(read_only=True)
    async def browser_take_screenshot(type: Literal["png"] = "png") -> Image:
        """A screenshot of the current page (to see it; act on elements of browser_snapshot)."""
        shot = session.last.obs.get("screenshot") if session.last is not None else None
        if shot is None:
            raise ToolError("This session computes no screenshots (its parts leave 'screenshot' out).")
        return Image(data=png_bytes(shot), format="png")

    @tool("tab_focus")
    async def browser_tabs(
        action: Literal["list", "new", "close", "select"], index: int | None = None
    ) -> str:
        """List, open, close or select browser tabs."""
        if action == "list":
            return snapshot_text(session)
        if action == "new":
            return await act(call("new_tab"))
        if index is None and action == "select":
            raise ToolError("browser_tabs(action='select') needs the tab's index.")
        steps = [call("tab_focus", index)] if index is not None else []
        if action == "close":
            steps.append(call("tab_close"))
        return await act("\n".join(steps))

    @tool("noop")
    async def browser_wait_for(
        time: Annotated[float | None, Field(description="seconds to wait")] = None,
        text: str | None = None,
        textGone: str | None = None,
    ) -> str:
        """Wait for some time, or for a text to appear or disappear from the page."""
        if time is not None:
            return await act(call("noop", round(min(max(time, 0.0), MAX_WAIT_S) * 1000)))
        deadline = clock.monotonic() + MAX_WAIT_S
        while clock.monotonic() < deadline:
            tree = str(session.last.obs.get("axtree", "")) if session.last is not None else ""
            if (text is None or text in tree) and (textGone is None or textGone not in tree):
                return snapshot_text(session)
            await act(call("noop", POLL_MS))
        raise ToolError(f"Waited {MAX_WAIT_S} s; the page did not change as asked.")

    @tool("search_apis", read_only=True)
    async def search_apis(
        query: Annotated[str, Field(description="the need in words, e.g. 'convert miles to kilometers'")],
        k: Annotated[int, Field(description="how many tools to list (1-50)")] = 5,
    ) -> str:
        """Find the task's tools that fit a need; they are listed under "Tool results"."""
        return await act(call("search_apis", query, k))

    @tool("call_api")
    async def call_api(
        api: Annotated[str, Field(description="the tool's name as listed, e.g. 'calc/evaluate'")],
        arguments: Annotated[dict[str, Any] | None, Field(description="the tool's arguments")] = None,
    ) -> str:
        """Call one of the task's tools; its answer (or error) shows under "Tool results"."""
        return await act(call("call_api", api, arguments or {}))

    def finish(answer: str | None, infeasible: bool, reason: str) -> str:
        if infeasible and "report_infeasible" in allowed:
            return call("report_infeasible", reason or "The task cannot be done.")
        if answer is not None and "send_msg_to_user" in allowed:
            return call("send_msg_to_user", answer)
        return ""

    def unanswered() -> Awaitable[object]:
        return sessions.run(session, lambda: session.early_stop(NO_ANSWER))

    add_submit_and_goal(server, session, act, finish, unanswered)
    return server


def verdict(session: Session) -> dict[str, Any]:
    """How the session's episode ended, for a harness (never shown to the agent)."""
    state = session.state()
    keys = ("task", "seed", "success", "reward", "total_reward", "terminated", "truncated", "step_count",
            "error_kind", "messages", "infeasible")  # fmt: skip
    out = {**{k: state[k] for k in keys}, "submission": session.submission}
    info = session.last.info if session.last is not None else {}
    columns = (info.get("task_info") or {}).get("columns")
    if columns:  # WebArena's tasks: the paper, corrected and Verified columns, and why it was judged
        out["columns"], out["early_stop"] = columns, info.get("early_stop")
    return out
