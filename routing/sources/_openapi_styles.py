"""How an OpenAPI parameter's value is written on the wire: its `style` and `explode` (OpenAPI 3,
"Style Values"), so that a service reads an object or an array argument as its document declared.

Each location has its default: `form` with `explode: true` in the query and cookies, `simple`
without explode in paths and headers. So an object in the query, undeclared, goes as one pair per
property (`color=blue&size=9`), not as JSON; `deepObject` gives `filter[color]=blue`; an array
repeats its name (`id=1&id=2`), or with `explode: false` is one comma-joined value (`id=1,2`),
spaces or pipes with `spaceDelimited`/`pipeDelimited`. A parameter declared with `content` (a
media type instead of a schema) is sent as JSON text, as that media type says. Values are text
here; percent-encoding is left to the HTTP client (the query) or done by the caller (the path).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

#: Each location's default style (OpenAPI 3: `form` for query and cookie, `simple` for path and header).
DEFAULT_STYLES = {"query": "form", "cookie": "form", "path": "simple", "header": "simple"}
#: The style of a parameter declared with `content`: its value as JSON text.
JSON_CONTENT = "json"
#: Joins an unexploded array's items (and an object's keys and values) in each query style.
_QUERY_JOINS = {"form": ",", "spaceDelimited": " ", "pipeDelimited": "|"}


def style_of(param: dict[str, Any], location: str) -> tuple[str, bool]:
    """The parameter's declared (or default) style, and whether it explodes (default: only `form`)."""
    if "schema" not in param and isinstance(param.get("content"), dict):
        return JSON_CONTENT, False
    style = str(param.get("style") or DEFAULT_STYLES.get(location, "simple"))
    explode = param.get("explode")
    return style, bool(explode) if isinstance(explode, bool) else style == "form"


def scalar(value: Any) -> str:
    """One value as text (`true`/`false` for booleans; JSON for what a style cannot spread out,
    such as an object nested inside an object)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return "" if value is None else str(value)


def query_pairs(name: str, value: Any, style: str, explode: bool) -> list[tuple[str, str]]:
    """The `(name, value)` pairs a query (or cookie) parameter sends."""
    if style == JSON_CONTENT:
        return [(name, json.dumps(value, separators=(",", ":"), ensure_ascii=False))]
    if isinstance(value, dict):
        if style == "deepObject":
            return _deep(name, value)
        if explode:  # form: each property is a pair of its own, the parameter's name is not sent
            return [(str(k), scalar(v)) for k, v in value.items()]
        join = _QUERY_JOINS.get(style, ",")
        return [(name, join.join(part for k, v in value.items() for part in (str(k), scalar(v))))]
    if isinstance(value, list):
        if explode:
            return [(name, scalar(item)) for item in value]
        return [(name, _QUERY_JOINS.get(style, ",").join(scalar(item) for item in value))]
    return [(name, scalar(value))]


def _deep(name: str, value: dict[str, Any]) -> list[tuple[str, str]]:
    """`deepObject`: `name[prop]=v`, nested objects one bracket deeper, arrays repeating the key."""
    pairs: list[tuple[str, str]] = []
    for key, item in value.items():
        inner = f"{name}[{key}]"
        if isinstance(item, dict):
            pairs.extend(_deep(inner, item))
        elif isinstance(item, list):
            pairs.extend((inner, scalar(one)) for one in item)
        else:
            pairs.append((inner, scalar(item)))
    return pairs


def path_or_header_text(
    name: str, value: Any, style: str, explode: bool, encode: Callable[[str], str] = str
) -> str:
    """A path parameter's text (`simple`, `label` or `matrix`) or a header's (`simple`): `1,2` for
    an array, `a,1,b,2` for an object (`a=1,b=2` exploded). `encode` is applied to each name and
    value (percent-encoding, in a path), never to the style's own delimiters."""
    if style == JSON_CONTENT:
        return encode(json.dumps(value, separators=(",", ":"), ensure_ascii=False))
    if isinstance(value, dict):
        pairs = [(encode(str(k)), encode(scalar(v))) for k, v in value.items()]
        items = [f"{k}={v}" for k, v in pairs] if explode else [part for pair in pairs for part in pair]
    elif isinstance(value, list):
        items = [encode(scalar(item)) for item in value]
    else:
        items = [encode(scalar(value))]
    if style == "label":
        return "." + ("." if explode else ",").join(items)
    if style == "matrix":
        if explode and isinstance(value, list):
            return "".join(f";{encode(name)}={item}" for item in items)
        if explode and isinstance(value, dict):
            return "".join(f";{item}" for item in items)
        return f";{encode(name)}={','.join(items)}"
    return ",".join(items)
