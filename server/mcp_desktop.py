"""A desktop task's session as an MCP server: typed tools for a real X11 desktop.

Function-calling models and MCP clients (Claude Desktop, OSWorld-style agents) do best with small
tools whose JSON Schema says what each argument is, so the desktop's actions are offered one tool
each: ``desktop_snapshot`` (the focused window and the accessibility tree, every element with its id
and its box on screen), ``desktop_screenshot`` (a PNG), and ``desktop_click``, ``desktop_type``,
``desktop_press_key`` (a key, or a shortcut such as ``ctrl+s``), ``desktop_hotkey``,
``desktop_scroll``, ``desktop_drag``, ``desktop_move_mouse`` and ``desktop_wait``. Pointer tools
take an element id (``target``, as the snapshot shows it in brackets) or screen pixels (``x``,
``y``), whichever the agent has: a tree reader points by id, a screenshot reader by pixels. Agents
that already write PyAutoGUI (OSWorld's, OmniACT's) send it whole with ``desktop_pyautogui``; like
every tool here it becomes the desktop environment's PyAutoGUI action string, which is parsed with
`ast` as literals and never executed.

Each tool checks its arguments before anything runs, so a bad one is a tool error that names the
fix and costs no step; what only the desktop can tell (an id not on screen, a key X does not know)
is the step's error, shown with the new snapshot, as in the browser's tool set.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.utilities.types import Image
from pydantic import Field

from palaestra.errors import ActionError
from palaestra.server.mcp_tools import (
    ElementRef,
    PalaestraMCP,
    acting,
    add_submit_and_goal,
    call,
    hints,
    target_id,
)
from palaestra.server.sessions import Session, SessionManager
from palaestra.server.wire import png_bytes

Element = Annotated[str, Field(description="Human-readable element description, for the record")]
#: A plain string, empty when absent: with ``str | None`` the SDK would read "[16]" as a JSON list.
Target = Annotated[
    str, ElementRef, Field(description="The element's id from desktop_snapshot, e.g. '16' for [16]")
]
X = Annotated[float | None, Field(description="Screen x in pixels from the left (instead of target)")]
Y = Annotated[float | None, Field(description="Screen y in pixels from the top (instead of target)")]
Button = Literal["left", "right", "middle"]
MAX_WAIT_S = 10.0

INSTRUCTIONS = """You control a Linux desktop (a {width} x {height} pixel screen) to accomplish this task:

{goal}

Call desktop_snapshot to read the screen: the focused window and an accessibility tree where each
element starts with its id in brackets and ends with its box on screen (x,y,width,height), e.g.
[16] toggle button '=' (740,499,59,74). desktop_screenshot shows the screen as an image. Point
desktop_click, desktop_type, desktop_scroll, desktop_drag and desktop_move_mouse at an element by
its id (`target`) or at screen pixels (`x`, `y`). desktop_press_key presses a key ('enter', 'tab',
'f2') or a shortcut ('ctrl+s'); desktop_pyautogui runs several PyAutoGUI calls at once, e.g.
"hotkey('ctrl', 'a')\\nwrite('hello')". Every action answers with the new snapshot and the action's
error, if any. When the task is done, call submit (with `answer` if the task asks for one, or
`infeasible=true` with a reason if it cannot be done)."""


def screen_of(session: Session) -> tuple[int, int]:
    """The display's (width, height): the environment's, else the last screenshot's."""
    screen = getattr(session.env, "screen", None)
    if screen is not None:
        return int(screen[0]), int(screen[1])
    shot = session.last.obs.get("screenshot") if session.last is not None else None
    return (int(shot.shape[1]), int(shot.shape[0])) if shot is not None else (1280, 800)


def desktop_snapshot_text(session: Session, action: str | None = None) -> str:
    """What every desktop tool answers: the screen, windows and focus, the last action, the tree."""
    last = session.last
    if last is None:
        return "No desktop yet: the session has not started an episode."
    obs = last.obs
    width, height = screen_of(session)
    tree = str(obs.get("axtree") or "")
    lines = [
        f"- Screen: {width} x {height} pixels",
        f"- Focused window: {obs.get('focused_window') or '(none)'}",
    ]
    windows = list(obs.get("windows") or [])
    if len(windows) > 1:
        shown = (
            f"{w.get('title', '')} ({w.get('app', '')}){' (active)' if w.get('active') else ''}"
            for w in windows
        )
        lines.append("- Windows: " + "; ".join(shown))
    focused = str(obs.get("focused_element") or "")
    if focused:
        line = next((t.strip() for t in tree.splitlines() if t.strip().startswith(f"[{focused}] ")), "")
        lines.append(f"- Focused element: {line or f'[{focused}]'}")
    if action is not None:
        lines += ["", "### Ran", action]
        if obs.get("last_action_error"):
            lines += ["", "### Error", str(obs["last_action_error"])]
    if session.done or session.submission is not None:
        lines += ["", "### The episode is over: call submit to finish (if you have not)."]
    lines += ["", "### Snapshot", tree or "(no accessibility tree: the session's parts leave 'axtree' out)"]
    return "\n".join(lines)


def pyautogui(name: str, *args: Any, **keywords: Any) -> str:
    """A PyAutoGUI call as the desktop parser reads it: literals only, keywords after positions."""
    shown = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in keywords.items()]
    return f"{name}({', '.join(shown)})"


def _pixel(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def where(
    tool: str, screen: tuple[int, int], target: str, x: float | None, y: float | None, *, needed: bool
) -> list[Any]:
    """The PyAutoGUI target arguments: ``['16']`` for an element, ``[x, y]`` for pixels, ``[]`` for
    where the pointer is (when not ``needed``); anything else is a tool error that says the fix."""
    how = "an element id as `target` (e.g. '16' for [16] in desktop_snapshot) or both `x` and `y`"
    ref = target_id(target)
    if ref and (x is not None or y is not None):
        raise ToolError(f"{tool}: give {how}, not both.")
    if ref:
        return [ref]
    if x is None and y is None:
        if needed:
            raise ToolError(f"{tool}: say where: {how}.")
        return []
    if x is None or y is None:
        raise ToolError(
            f"{tool}: `{'x' if x is None else 'y'}` is missing; give both `x` and `y`, or a `target`."
        )
    width, height = screen
    if not (0 <= x < width and 0 <= y < height):
        raise ToolError(
            f"{tool}: ({_pixel(x)}, {_pixel(y)}) is off the screen, which is {width} x {height} pixels: "
            f"x from 0 to {width - 1}, y from 0 to {height - 1}."
        )
    return [_pixel(x), _pixel(y)]


def key_action(tool: str, key: str, presses: int = 1) -> str:
    """``'enter'`` -> ``press('enter')``; a shortcut ``'ctrl+s'`` (or ``'ctrl+shift++'``) -> ``hotkey``."""
    key = key.strip() or key  # ' ' is the space bar
    if not key:
        raise ToolError(f"{tool}: `key` is empty; give a key name such as 'enter', 'tab', 'a' or 'ctrl+s'.")
    if len(key) > 1 and "+" in key:
        keys = [*key[:-2].split("+"), "+"] if key.endswith("++") else key.split("+")
        keys = [k.strip() for k in keys]
        if not all(keys):
            raise ToolError(f"{tool}: {key!r} is not a shortcut; write keys joined by '+', e.g. 'ctrl+s'.")
        if presses != 1:
            raise ToolError(f"{tool}: a shortcut is pressed once; call again to repeat {key!r}.")
        return pyautogui("hotkey", *keys)
    return pyautogui("press", key) if presses == 1 else pyautogui("press", key, presses=presses)


def build_desktop_server(session: Session, sessions: SessionManager) -> MCPServer:
    """The MCP server of one desktop session (see the module's docstring for its tools)."""
    goal = session.env.goal if session.last is not None else ""
    width, height = screen_of(session)
    instructions = INSTRUCTIONS.format(
        goal=goal or "(the goal is the palaestra://goal resource)", width=width, height=height
    )
    server: MCPServer = PalaestraMCP("palaestra", instructions=instructions, log_level="WARNING")
    act = acting(session, sessions, desktop_snapshot_text)
    screen = (width, height)

    @server.tool(annotations=hints(read_only=True))
    async def desktop_snapshot() -> str:
        """Read the screen as text: the focused window and the accessibility tree, each element with
        its id in brackets and its box on screen (x,y,width,height)."""
        return desktop_snapshot_text(session)

    @server.tool(annotations=hints(read_only=True))
    async def desktop_screenshot() -> Image:
        """A screenshot of the whole screen (PNG); pixel positions in it are what x, y take."""
        shot = session.last.obs.get("screenshot") if session.last is not None else None
        if shot is None:
            raise ToolError(
                "This session computes no screenshots: open it with the 'screenshot' part "
                "(palaestra mcp --parts axtree,screenshot)."
            )
        return Image(data=png_bytes(shot), format="png")

    @server.tool(annotations=hints())
    async def desktop_click(
        target: Target = "",
        x: X = None,
        y: Y = None,
        button: Button = "left",
        clicks: Annotated[Literal[1, 2, 3], Field(description="2 double-clicks, 3 triple-clicks")] = 1,
        element: Element = "",
    ) -> str:
        """Click an element (by id) or a point of the screen (x, y)."""
        at = where("desktop_click", screen, target, x, y, needed=True)
        extra: dict[str, Any] = {"clicks": clicks} if clicks != 1 else {}
        if button != "left":
            extra["button"] = button
        return await act(pyautogui("click", *at, **extra))

    @server.tool(annotations=hints())
    async def desktop_type(
        text: Annotated[str, Field(description="the text; a newline presses Enter")],
        target: Target = "",
        x: X = None,
        y: Y = None,
        submit: Annotated[bool, Field(description="press Enter after the text")] = False,
        element: Element = "",
    ) -> str:
        """Type text into the focused control, or click an element (or x, y) first and type there."""
        if not text and not submit:
            raise ToolError(
                "desktop_type: `text` is empty; give the text to type (or submit=true for Enter)."
            )
        at = where("desktop_type", screen, target, x, y, needed=False)
        lines = [pyautogui("click", *at)] if at else []
        lines += [pyautogui("write", text)] if text else []
        lines += [pyautogui("press", "enter")] if submit else []
        return await act("\n".join(lines))

    @server.tool(annotations=hints())
    async def desktop_press_key(
        key: Annotated[
            str, Field(description="a key ('enter', 'tab', 'esc', 'f2', 'a') or a shortcut ('ctrl+s')")
        ],
        presses: Annotated[int, Field(ge=1, le=100, description="how many times")] = 1,
    ) -> str:
        """Press a key, or a shortcut of keys joined by '+' (whatever has the focus receives it)."""
        return await act(key_action("desktop_press_key", key, presses))

    @server.tool(annotations=hints())
    async def desktop_hotkey(
        keys: Annotated[
            list[str], Field(description="keys pressed together, in order: ['ctrl', 'shift', 't']")
        ],
    ) -> str:
        """Press keys together and release them in reverse order: a keyboard shortcut."""
        if not keys or not all(isinstance(k, str) and k.strip() for k in keys):
            raise ToolError("desktop_hotkey: `keys` must be key names such as ['ctrl', 's'].")
        return await act(pyautogui("hotkey", *(k.strip() for k in keys)))

    @server.tool(annotations=hints())
    async def desktop_scroll(
        direction: Literal["up", "down", "left", "right"],
        clicks: Annotated[int, Field(ge=1, le=50, description="clicks of the wheel")] = 3,
        target: Target = "",
        x: X = None,
        y: Y = None,
    ) -> str:
        """Scroll with the mouse wheel, over an element or x, y (where the pointer is if neither)."""
        at = where("desktop_scroll", screen, target, x, y, needed=False)
        signed = clicks if direction in ("up", "right") else -clicks
        return await act(pyautogui("scroll" if direction in ("up", "down") else "hscroll", signed, *at))

    @server.tool(annotations=hints())
    async def desktop_drag(
        start_target: Target = "",
        start_x: X = None,
        start_y: Y = None,
        end_target: Target = "",
        end_x: X = None,
        end_y: Y = None,
        button: Button = "left",
    ) -> str:
        """Drag with a button held: from an element (or start_x, start_y) to another (or end_x, end_y)."""
        start = where("desktop_drag (start)", screen, start_target, start_x, start_y, needed=True)
        end = where("desktop_drag (end)", screen, end_target, end_x, end_y, needed=True)
        extra = {"button": button} if button != "left" else {}
        return await act(pyautogui("moveTo", *start) + "\n" + pyautogui("dragTo", *end, **extra))

    @server.tool(annotations=hints())
    async def desktop_move_mouse(target: Target = "", x: X = None, y: Y = None) -> str:
        """Move the pointer over an element or to x, y (to hover: tooltips, menus)."""
        return await act(pyautogui("moveTo", *where("desktop_move_mouse", screen, target, x, y, needed=True)))

    @server.tool(annotations=hints())
    async def desktop_wait(
        seconds: Annotated[float, Field(ge=0, le=MAX_WAIT_S, description="seconds to wait")] = 1.0,
    ) -> str:
        """Wait for the applications to catch up, then read the screen again."""
        return await act(pyautogui("wait", seconds))

    @server.tool(annotations=hints())
    async def desktop_pyautogui(
        script: Annotated[
            str, Field(description="PyAutoGUI calls, one per line: \"click('16')\\nhotkey('ctrl', 's')\"")
        ],
    ) -> str:
        """Run PyAutoGUI calls (click, write, press, hotkey, scroll, dragTo...) in one step. Literal
        arguments only: the script is parsed, never executed; an element id may stand for x, y."""
        try:
            session.env.action_set.parse(script)
        except ActionError as exc:
            raise ToolError(f"desktop_pyautogui: {exc}") from None
        return await act(script)

    def finish(answer: str | None, infeasible: bool, reason: str) -> str:
        if infeasible:
            return call("fail", reason or "The task cannot be done.")
        said = [call("send_msg_to_user", answer)] if answer is not None else []
        return "\n".join([*said, "done()"])

    add_submit_and_goal(server, session, act, finish)
    return server
