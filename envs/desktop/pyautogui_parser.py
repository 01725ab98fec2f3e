"""Parsing PyAutoGUI scripts with `ast`, never running them.

A PyAutoGUI script is a sequence of calls with literal arguments, such as OmniACT's gold scripts::

    import pyautogui
    pyautogui.click(640, 400)
    pyautogui.write('report.txt'); pyautogui.press('enter')
    time.sleep(0.5)

A model's reply may hold the script in ``` fences with prose around them, as OSWorld's agents answer:
then only the fenced code counts (```DONE``` too), dedented. ``import pyautogui`` (``as pg`` too:
``pg.click(1, 2)`` reads as ``pyautogui.click``), ``from pyautogui import ...`` / ``import time`` lines and
PyAutoGUI's pacing arguments (``interval``, ``tween``, ``_pause``...) and settings
(``pyautogui.PAUSE = 0.5``, ``pyautogui.FAILSAFE = False``) are accepted and ignored,
``time.sleep(s)`` is a wait, and OSWorld's bare ``DONE``, ``FAIL`` and ``WAIT`` are accepted. A
string where PyAutoGUI expects coordinates is an element id of the observation: ``click('12')``.
Everything else (variables, arithmetic, loops, other modules) is refused with an error that says
what is allowed. Its own module because PyAutoGUI's signatures and aliases are most of the parsing.
"""

from __future__ import annotations

import ast
import warnings
from typing import Any

from palaestra.envs.actions.types import Action
from palaestra.envs.desktop import actions as A
from palaestra.envs.desktop.parse_shared import (
    BUTTON_NAMES,
    MAX_SCRIPT_CHARS,
    _button,
    _int,
    _is_number,
    _keys,
    _target,
    code_blocks,
)
from palaestra.errors import ActionError, did_you_mean

#: PyAutoGUI's parameters by position, per function; `x` and `y` become the action's target.
SIGNATURES: dict[str, tuple[str, ...]] = {
    "click": ("x", "y", "clicks", "interval", "button", "duration", "tween"),
    "doubleClick": ("x", "y", "interval", "button", "duration", "tween"),
    "tripleClick": ("x", "y", "interval", "button", "duration", "tween"),
    "rightClick": ("x", "y", "interval", "duration", "tween"),
    "middleClick": ("x", "y", "interval", "duration", "tween"),
    "moveTo": ("x", "y", "duration", "tween"),
    "dragTo": ("x", "y", "duration", "tween", "button"),
    "moveRel": ("xOffset", "yOffset", "duration", "tween"),
    "dragRel": ("xOffset", "yOffset", "duration", "tween", "button"),
    "mouseDown": ("x", "y", "button", "duration", "tween"),
    "mouseUp": ("x", "y", "button", "duration", "tween"),
    "scroll": ("clicks", "x", "y"),
    "hscroll": ("clicks", "x", "y"),
    "write": ("message", "interval"),
    "press": ("keys", "presses", "interval"),
    "keyDown": ("key",),
    "keyUp": ("key",),
    "wait": ("seconds",),
    "send_msg_to_user": ("text",),
    "done": (),
    "fail": ("reason",),
}
ALIASES = {
    "typewrite": "write",
    "vscroll": "scroll",
    "sleep": "wait",
    "dblclick": "doubleClick",
    "move": "moveRel",
    "drag": "dragRel",
}
#: Accepted for compatibility and ignored: pacing and animation of the real PyAutoGUI.
IGNORED = {"interval", "tween", "logScreenshot", "_pause"}
#: PyAutoGUI's module settings a script may assign (a literal), accepted and ignored (`_is_setting`).
SETTINGS = {"PAUSE", "FAILSAFE"}
KNOWN = sorted({*SIGNATURES, "hotkey"})


def parse_pyautogui(text: str) -> list[Action]:
    """Parse a PyAutoGUI script (one call or many) into typed desktop actions."""
    source = "\n".join(code_blocks(text))
    if not source:
        raise ActionError("Empty action. Write a call such as click('12') or pyautogui.press('enter').")
    if len(source) > MAX_SCRIPT_CHARS:
        raise ActionError(f"The script has {len(source)} characters; at most {MAX_SCRIPT_CHARS} are allowed.")
    try:
        with warnings.catch_warnings():  # such as "invalid escape sequence": not the agent's concern
            warnings.simplefilter("ignore", SyntaxWarning)  # Python 3.12 and later
            warnings.simplefilter("ignore", DeprecationWarning)  # Python 3.11
            tree = ast.parse(source, mode="exec")
    except SyntaxError as exc:
        raise ActionError(f"Cannot parse the script: {exc.msg} (line {exc.lineno}).") from None
    except (RecursionError, MemoryError, ValueError):
        raise ActionError("Cannot parse the script: it is nested too deeply or holds null bytes.") from None
    _PyAutoGUIAliases(tree.body).visit(tree)
    out: list[Action] = []
    for statement in tree.body:
        if _is_accepted_import(statement):
            continue
        if _is_setting(statement):
            continue
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Name):
            special = {"DONE": A.Done(), "FAIL": A.Fail(), "WAIT": A.Wait(1.0)}.get(statement.value.id)
            if special is not None:
                out.append(special)
                continue
        if not isinstance(statement, ast.Expr) or not isinstance(statement.value, ast.Call):
            raise ActionError(
                f"{_show(statement)!r} is not an action call. Write calls such as "
                "pyautogui.click(640, 400) or click('12'), one per line."
            )
        out.append(_call(statement.value))
    if not out:
        raise ActionError("The script holds no action. Write a call such as pyautogui.click(640, 400).")
    return out


def _is_accepted_import(statement: ast.stmt) -> bool:
    """``import pyautogui`` (``as pg`` too), ``import time``, ``from pyautogui import click, write``
    or ``*``, ``from time import sleep``: what a model's script starts with, accepted and ignored."""
    if isinstance(statement, ast.Import):
        return all(a.name in ("pyautogui", "time") for a in statement.names)
    return isinstance(statement, ast.ImportFrom) and statement.module in ("pyautogui", "time")


class _PyAutoGUIAliases(ast.NodeTransformer):
    """Reads ``pg.click(...)`` after ``import pyautogui as pg`` as ``pyautogui.click(...)``."""

    def __init__(self, statements: list[ast.stmt]) -> None:
        self.aliases = {
            alias.asname
            for statement in statements
            if isinstance(statement, ast.Import)
            for alias in statement.names
            if alias.name == "pyautogui" and alias.asname
        }

    def visit_Name(self, node: ast.Name) -> ast.Name:
        return ast.copy_location(ast.Name("pyautogui", node.ctx), node) if node.id in self.aliases else node


def _is_setting(statement: ast.stmt) -> bool:
    """``pyautogui.PAUSE = 0.5`` or ``pyautogui.FAILSAFE = False`` with a literal value: PyAutoGUI's
    own pacing and corner fail-safe, which OSWorld's controller sets before running an agent's code
    and agents often set again. Here the environment paces itself and has no fail-safe, so they are
    accepted and ignored, like the pacing arguments (`IGNORED`)."""
    if not isinstance(statement, ast.Assign) or len(statement.targets) != 1:
        return False
    target, value = statement.targets[0], statement.value
    return (
        isinstance(target, ast.Attribute)
        and isinstance(target.value, ast.Name)
        and target.value.id == "pyautogui"
        and target.attr in SETTINGS
        and isinstance(value, ast.Constant)
        and isinstance(value.value, bool | int | float)
    )


def _show(node: ast.AST) -> str:
    try:
        return ast.unparse(node)[:80]
    except (RecursionError, ValueError):
        return type(node).__name__


def _function_name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    module = func.value.id if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) else ""
    if isinstance(func, ast.Attribute) and (
        module == "pyautogui" or (module == "time" and func.attr == "sleep")
    ):
        return func.attr
    raise ActionError(f"{_show(func)!r} is not an action. Available: {', '.join(KNOWN)}.")


def _call(call: ast.Call) -> Action:
    raw = _function_name(call.func)
    name = ALIASES.get(raw, raw)
    if name != "hotkey" and name not in SIGNATURES:
        raise ActionError(f"Unknown action `{raw}`.{did_you_mean(raw, KNOWN)} Available: {', '.join(KNOWN)}.")
    if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
        raise ActionError(f"{raw}() does not take *args or **kwargs.")
    params = SIGNATURES.get(name, ())
    try:
        args = [_literal(a, params[i] if i < len(params) else "") for i, a in enumerate(call.args)]
        kwargs = {str(k.arg): _literal(k.value, str(k.arg)) for k in call.keywords}
    except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
        raise ActionError(
            f"Arguments of {raw}() must be literals (numbers, strings, lists): {_show(call)!r}."
        ) from None
    if name == "hotkey":
        keys = args[0] if len(args) == 1 and isinstance(args[0], list | tuple) else args
        kwargs = {k: v for k, v in kwargs.items() if k not in IGNORED}
        if kwargs:
            raise ActionError(
                f"hotkey() takes only keys, got {', '.join(kwargs)}. Usage: hotkey('ctrl', 's')"
            )
        return A.Hotkey(keys=_keys(keys, "hotkey"))
    return _bind(raw, name, args, kwargs)


def _literal(node: ast.expr, param: str) -> Any:
    """A literal argument; also PyAutoGUI's button constants, and its tween functions where a tween goes."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "pyautogui":
        if param == "button" and node.attr in BUTTON_NAMES:
            return BUTTON_NAMES[node.attr]
        if param == "tween" and (node.attr.startswith("ease") or node.attr == "linear"):
            return node.attr  # ignored: the pointer jumps
    return ast.literal_eval(node)


def _bind(raw: str, name: str, args: list[Any], kwargs: dict[str, Any]) -> Action:
    params = SIGNATURES[name]
    usage = f"Usage: {raw}({', '.join(params)})"
    if len(args) > len(params):
        raise ActionError(f"{raw}() takes at most {len(params)} arguments, got {len(args)}. {usage}")
    values = dict(zip(params, args, strict=False))
    for key, value in kwargs.items():
        if key in IGNORED:
            continue
        if key == "id" and "x" in params:
            key = "x"
        if key in ("dx", "dy") and "xOffset" in params:  # how relative moves print: moveRel(dx=3)
            key = "xOffset" if key == "dx" else "yOffset"
        if key not in params:
            raise ActionError(f"{raw}() has no argument `{key}`.{did_you_mean(key, params)} {usage}")
        if key in values:
            raise ActionError(f"{raw}() got `{key}` twice. {usage}")
        values[key] = value
    for key in IGNORED:
        values.pop(key, None)
    if name not in ("dragTo", "dragRel", "wait"):
        values.pop("duration", None)
    try:
        return _build(name, values)
    except ActionError:  # already says which call and what is wrong
        raise
    except (TypeError, ValueError) as exc:
        raise ActionError(f"{raw}(): {exc}. {usage}") from None


def _build(name: str, values: dict[str, Any]) -> Action:
    button = _button(values.pop("button", "left"))
    if not isinstance(button, str) or button not in A.BUTTONS:
        raise ValueError(f"button must be 'left', 'middle' or 'right', got {button!r}")
    if name in ("moveRel", "dragRel"):
        dx, dy = values.get("xOffset", 0), values.get("yOffset", 0)
        if not (_is_number(dx) and _is_number(dy)):
            raise ValueError(f"xOffset and yOffset must be numbers of pixels, got {dx!r}, {dy!r}")
        if name == "moveRel":
            return A.MoveRel(float(dx), float(dy))
        duration = values.get("duration", 0.2)
        if not _is_number(duration):
            raise ValueError(f"duration must be a number, got {duration!r}")
        return A.DragRel(float(dx), float(dy), float(duration), button)
    if name in ("scroll", "hscroll"):
        if "clicks" not in values:
            raise ValueError("clicks is missing")
        clicks = _int(values.pop("clicks"), "clicks")
        target = _target(values)
        return A.Scroll(clicks, target) if name == "scroll" else A.HScroll(clicks, target)
    if name in (
        "click",
        "doubleClick",
        "tripleClick",
        "rightClick",
        "middleClick",
        "moveTo",
        "mouseDown",
        "mouseUp",
        "dragTo",
    ):
        target = _target(values)
        if name == "click":
            return A.Click(target, _int(values.get("clicks", 1), "clicks"), button)
        if name == "dragTo":
            duration = values.get("duration", 0.2)
            if not _is_number(duration):
                raise ValueError(f"duration must be a number, got {duration!r}")
            return A.DragTo(target, float(duration), button)
        if name in ("mouseDown", "mouseUp"):
            return (A.MouseDown if name == "mouseDown" else A.MouseUp)(target, button)
        simple: dict[str, type[A.DesktopAction]] = {
            "doubleClick": A.DoubleClick,
            "tripleClick": A.TripleClick,
            "rightClick": A.RightClick,
            "middleClick": A.MiddleClick,
            "moveTo": A.MoveTo,
        }
        return simple[name](target)  # type: ignore[call-arg]
    if name == "write":
        message = values.get("message")
        if isinstance(message, list | tuple):  # typewrite(['a', 'enter']) presses keys
            return A.Press(_keys(message, "write"))
        if not isinstance(message, str):
            raise ValueError(f"the text must be a string, got {message!r}")
        return A.Write(message)
    if name == "press":
        if "keys" not in values:
            raise ValueError("keys is missing")
        return A.Press(_keys(values["keys"], "press"), _int(values.get("presses", 1), "presses"))
    if name in ("keyDown", "keyUp"):
        key = values.get("key")
        if not isinstance(key, str) or not key:
            raise ValueError(f"key must be a key name such as 'shift', got {key!r}")
        return A.KeyDown(key) if name == "keyDown" else A.KeyUp(key)
    if name == "wait":
        seconds = values.get("seconds", 1.0)
        if not _is_number(seconds):
            raise ValueError(f"seconds must be a number, got {seconds!r}")
        return A.Wait(float(seconds))
    if name == "send_msg_to_user":
        if not isinstance(values.get("text"), str):
            raise ValueError("text must be a string")
        return A.SendMsgToUser(values["text"])
    if name == "fail":
        return A.Fail(str(values.get("reason", "")))
    return A.Done()
