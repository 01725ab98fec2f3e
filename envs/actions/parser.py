"""A real parser for action strings: Python call syntax, literal arguments only, never ``exec``.

``parse_actions("fill('7', 'Kasey')\\nclick('12')", ACTIONS)`` returns ``[Fill('7', 'Kasey'),
Click('12')]``. Anything else (attribute access, variables, arithmetic, unknown functions, wrong
arguments) raises ``ActionError`` with a message that names the problem and shows the signature.

Action strings come from models and from people probing the environment, so nothing about them is
trusted: their length, the calls they hold and how deeply they nest are bounded (``ActionLimits``)
before Python's parser, whose own failures on hostile input (``RecursionError``, ``MemoryError``,
text that is not valid Unicode) all become ``ActionError`` too.
"""

from __future__ import annotations

import ast
import json
import math
import re
import warnings
from collections.abc import Mapping
from dataclasses import MISSING, fields
from typing import Any

from palaestra.envs.actions.coord import COORD_ACTIONS
from palaestra.envs.actions.limits import DEFAULT_LIMITS, ActionLimits
from palaestra.envs.actions.types import ALL_ACTIONS, Action
from palaestra.errors import ActionError, did_you_mean

#: Every browser action's name: one of them missing from a task's set is left out, not unknown.
WEB_ACTION_NAMES = frozenset(a.name for a in (*ALL_ACTIONS, *COORD_ACTIONS))
#: Fields that hold element ids: an agent writing click(12) means click('12').
ID_FIELDS = {"id", "from_id", "to_id"}
#: Surrogate code points: a Python string may hold them, valid text (UTF-8, JSON, the browser) cannot.
_SURROGATE = re.compile("[\ud800-\udfff]")
#: Characters of the action shown in an error message; the rest is elided.
_SHOWN = 120
#: What Python's parser raises on input too deep or too large for it, besides SyntaxError.
_PARSER_FAILURES = (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError)


def strip_code_fence(text: str) -> str:
    """Accept actions wrapped in a Markdown code block, as models often write them."""
    text = text.strip()
    if text.startswith("```"):
        body = text.split("\n", 1)[1] if "\n" in text else ""
        return body.rsplit("```", 1)[0].strip()
    return text


def shorten(text: str, limit: int = _SHOWN) -> str:
    """``text`` as shown in a message: quoted, and cut to ``limit`` characters."""
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}... ({len(text)} characters)"


def check_text(text: str, limits: ActionLimits = DEFAULT_LIMITS) -> None:
    """Refuse action text that is too long or is not valid Unicode, before anything parses it."""
    if len(text) > limits.max_chars:
        raise ActionError(
            f"The action is {len(text)} characters long; at most {limits.max_chars} are accepted. "
            "Write fewer or shorter calls."
        )
    bad = _SURROGATE.search(text)
    if bad is not None:
        raise ActionError(
            f"The action holds a lone surrogate ({bad.group()!a}) at position {bad.start()}, which is "
            "not valid text. Send the text as proper Unicode characters."
        )


def parse_actions(
    text: str, actions: Mapping[str, type[Action]], limits: ActionLimits = DEFAULT_LIMITS
) -> list[Action]:
    """Parse one or more calls (one per line or separated by ';') into typed actions."""
    check_text(text, limits)
    source = strip_code_fence(text)
    if not source:
        raise ActionError("Empty action. Write a call such as click('12'); noop() waits.")
    tree = _parse_tree(source, limits)
    if len(tree.body) > limits.max_calls:
        raise ActionError(
            f"The action holds {len(tree.body)} calls; a step runs at most {limits.max_calls}. "
            "Split the work over several steps."
        )
    parsed = []
    for statement in tree.body:
        if not isinstance(statement, ast.Expr) or not isinstance(statement.value, ast.Call):
            raise ActionError(
                f"{_segment(source, statement)} is not an action call. "
                "Write calls such as click('12'), one per line."
            )
        parsed.append(_parse_call(source, statement.value, actions))
    return parsed


def _parse_tree(source: str, limits: ActionLimits) -> ast.Module:
    """Python's parse of ``source``, refused when it nests deeper than ``limits.max_depth``."""
    try:
        with warnings.catch_warnings():  # such as "invalid escape sequence": not the agent's concern
            warnings.simplefilter("ignore", SyntaxWarning)  # Python 3.12 and later
            warnings.simplefilter("ignore", DeprecationWarning)  # Python 3.11
            tree = ast.parse(source, mode="exec")
    except SyntaxError as exc:
        where = f" (line {exc.lineno})" if exc.lineno else ""
        raise ActionError(
            f"Cannot parse {shorten(source)}: {exc.msg}{where}. "
            "Write calls such as click('12'), one per line."
        ) from None
    except _PARSER_FAILURES as exc:  # deep nesting or long operator chains exhaust the parser
        raise ActionError(
            f"Cannot parse {shorten(source)}: it nests too deeply ({type(exc).__name__}). "
            f"Arguments are plain literals, nested at most {limits.max_depth} levels."
        ) from None
    depth = _depth(tree, limits.max_depth)
    if depth > limits.max_depth:
        raise ActionError(
            f"{shorten(source)} nests more than {limits.max_depth} levels deep. "
            "Arguments are plain literals such as 'text', 12 or ['a', 'b']."
        )
    return tree


def _depth(tree: ast.AST, limit: int) -> int:
    """How deep ``tree`` nests, counted without recursion and given up past ``limit``."""
    deepest, stack = 0, [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > limit:
            break
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


def _segment(source: str, node: ast.AST) -> str:
    """The source text of ``node``, quoted and shortened (``ast.unparse`` recurses; this does not)."""
    return shorten(ast.get_source_segment(source, node) or type(node).__name__)


def _parse_call(source: str, call: ast.Call, actions: Mapping[str, type[Action]]) -> Action:
    if not isinstance(call.func, ast.Name):
        raise ActionError(
            f"{_segment(source, call.func)} is not an action name. Available: {', '.join(sorted(actions))}."
        )
    name = call.func.id
    cls = actions.get(name)
    if cls is None and name in WEB_ACTION_NAMES:  # a real action this task does not offer
        raise ActionError(
            f"`{name}` is not an action of this task (MiniWoB++ has no navigation, tabs or file inputs, "
            f"for one). Available: {', '.join(sorted(actions))}."
        )
    if cls is None:
        raise ActionError(
            f"Unknown action `{name}`.{did_you_mean(name, actions)} Available: {', '.join(sorted(actions))}."
        )
    try:
        args = [ast.literal_eval(a) for a in call.args]
        kwargs = {k.arg: ast.literal_eval(k.value) for k in call.keywords if k.arg is not None}
    except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
        raise ActionError(
            f"Arguments of {name}() must be literals (strings, numbers, lists): "
            f"{_segment(source, call)}. Usage: {cls.signature()}"
        ) from None
    if any(k.arg is None for k in call.keywords) or any(isinstance(a, ast.Starred) for a in call.args):
        raise ActionError(f"{name}() does not take *args or **kwargs. Usage: {cls.signature()}")
    return bind(cls, args, kwargs)


def bind(cls: type[Action], args: list[Any], kwargs: dict[str, Any]) -> Action:
    """Check and convert arguments against the action's fields; build the action."""
    specs = fields(cls)
    if cls.name == "press" and len(args) == 1 and "keys" not in kwargs:
        args = [None, *args]  # press('Enter') presses on the page
    if len(args) > len(specs):
        raise ActionError(
            f"{cls.name}() takes at most {len(specs)} arguments, got {len(args)}. Usage: {cls.signature()}"
        )
    values: dict[str, Any] = dict(zip((f.name for f in specs), args, strict=False))
    for key, value in kwargs.items():
        key = cls.aliases.get(key, key)  # BrowserGym's name (bid, value, wait_ms...) for ours
        known = [f.name for f in specs]
        if key not in known:
            raise ActionError(
                f"{cls.name}() has no argument `{key}`.{did_you_mean(key, known)} Usage: {cls.signature()}"
            )
        if key in values:
            raise ActionError(f"{cls.name}() got `{key}` twice. Usage: {cls.signature()}")
        values[key] = value
    for spec in specs:
        if spec.name not in values:
            if spec.default is MISSING and spec.default_factory is MISSING:
                raise ActionError(f"{cls.name}() is missing `{spec.name}`. Usage: {cls.signature()}")
            continue
        values[spec.name] = _convert(cls, spec.name, str(spec.type), values[spec.name])
    return cls(**values)


def _convert(cls: type[Action], field: str, annotation: str, value: Any) -> Any:
    usage = f"Usage: {cls.signature()}"
    if value is None and "None" in annotation:
        return None
    if field in ID_FIELDS:
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if isinstance(value, str) and value.strip():
            return value.strip()
        raise ActionError(
            f"{cls.name}(): `{field}` must be an element id such as '12', got {_show(value)}. {usage}"
        )
    if annotation.startswith("dict"):
        if isinstance(value, str):  # models often write the arguments as a JSON string
            value = _json_arguments(cls, field, value)
        if isinstance(value, dict) and all(isinstance(k, str) for k in value):
            return _bounded(cls, field, value)
        raise ActionError(
            f"{cls.name}(): `{field}` must be a dict such as {{'x': 1}}, got {_show(value)}. {usage}"
        )
    if annotation.startswith("tuple[str") and isinstance(value, str):
        value = [value]  # modifiers='Shift' for ['Shift']
    if "tuple[str" in annotation and isinstance(value, list | tuple):
        if not all(isinstance(v, str) for v in value):
            raise ActionError(f"{cls.name}(): `{field}` must be a string or a list of strings. {usage}")
        return tuple(value)
    if annotation.startswith("tuple[str"):
        raise ActionError(f"{cls.name}(): `{field}` must be a list of strings, got {_show(value)}. {usage}")
    if annotation.startswith("str"):
        if isinstance(value, str):
            return value
        raise ActionError(f"{cls.name}(): `{field}` must be a string, got {_show(value)}. {usage}")
    if annotation == "float":
        if isinstance(value, int | float) and not isinstance(value, bool):
            try:
                number = float(value)
            except OverflowError:  # an integer beyond any float
                number = math.inf
            if math.isfinite(number):
                return number
        raise ActionError(f"{cls.name}(): `{field}` must be a finite number, got {_show(value)}. {usage}")
    if annotation == "bool":
        if isinstance(value, bool):
            return value
        raise ActionError(f"{cls.name}(): `{field}` must be True or False, got {_show(value)}. {usage}")
    if annotation == "int":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise ActionError(f"{cls.name}(): `{field}` must be a whole number, got {_show(value)}. {usage}")
    return value


def _show(value: Any) -> str:
    """``value`` as shown in a message, shortened."""
    try:
        text = repr(value)
    except ValueError:  # an integer too long to print
        return f"a {type(value).__name__} too long to show"
    return text if len(text) <= _SHOWN else f"{text[:_SHOWN]}... ({len(text)} characters)"


def _json_arguments(cls: type[Action], field: str, text: str) -> Any:
    """Arguments written as a JSON string, as models often write them."""
    try:
        return json.loads(text) if text.strip() else {}
    except json.JSONDecodeError as exc:
        raise ActionError(
            f"{cls.name}(): `{field}` is not valid JSON ({exc.msg}). Usage: {cls.signature()}"
        ) from None
    except RecursionError:
        raise ActionError(f"{cls.name}(): `{field}` nests too deeply. Usage: {cls.signature()}") from None


def _bounded(cls: type[Action], field: str, value: dict[str, Any]) -> dict[str, Any]:
    """``value``, refused when it nests deeper than the parser allows literals to."""
    limit = DEFAULT_LIMITS.max_depth
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            raise ActionError(f"{cls.name}(): `{field}` nests more than {limit} levels deep.")
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        stack.extend((child, depth + 1) for child in children)
    return value
