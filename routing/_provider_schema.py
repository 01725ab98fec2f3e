"""The provider-safe rewrites that `palaestra.routing.schema` applies to every schema node.

Kept apart from the checks because the rules are a list of small, independent rewrites, each tied
to one thing model providers reject (see `schema`'s docstring for the decisions). Every function
here mutates the node it is given; the caller passes a private deep copy.
"""

from __future__ import annotations

import re
from typing import Any

from palaestra.routing.errors import InvalidApiRecordError

#: String formats OpenAI's structured outputs accept; others are dropped.
PROVIDER_FORMATS = frozenset(
    {"date-time", "time", "date", "duration", "email", "hostname", "ipv4", "ipv6", "uuid"}
)
_NUMERIC_FORMATS = frozenset({"int32", "int64", "float", "double"})
_UNSUPPORTED_REGEX = re.compile(
    r"\(\?<?[=!]"  # lookahead / lookbehind
    r"|\\[1-9]|\\k<"  # backreferences
    r"|\(\?>"  # atomic groups
    r"|[*+?}]\+"  # possessive quantifiers
    r"|\(\?[aiLmsux-]+[):]"  # inline flags
    r"|\(\?\("  # conditionals
)
_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_SCHEMA_SINGLES = (
    "additionalProperties",
    "items",
    "contains",
    "propertyNames",
    "not",
    "if",
    "then",
    "else",
    "unevaluatedItems",
    "unevaluatedProperties",
)
_SCHEMA_LISTS = ("anyOf", "oneOf", "allOf")
#: Which keywords belong to which `type`, for splitting type lists into `anyOf` branches.
_TYPE_KEYWORDS: dict[str, frozenset[str]] = {
    "string": frozenset(
        {"minLength", "maxLength", "pattern", "format", "contentEncoding", "contentMediaType"}
    ),
    "number": frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"}),
    "array": frozenset({"items", "prefixItems", "minItems", "maxItems", "uniqueItems", "contains"}),
    "object": frozenset(
        {
            "properties",
            "required",
            "additionalProperties",
            "patternProperties",
            "minProperties",
            "maxProperties",
        }
    ),
}
_TYPE_KEYWORDS["integer"] = _TYPE_KEYWORDS["number"]
_ALL_TYPE_KEYWORDS = frozenset().union(*_TYPE_KEYWORDS.values())


def rewrite(node: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    """Rewrite one schema node and its subschemas into the provider-safe subset (see module doc)."""
    node.pop("$schema", None)
    _apply_nullable(node)
    _rewrite_pattern(node, key, where)
    _rewrite_format(node)
    _rewrite_tuple_items(node)
    for word in _SCHEMA_MAPS:
        children = node.get(word)
        if isinstance(children, dict):
            node[word] = {name: _child(sub, key, where) for name, sub in children.items()}
    for word in _SCHEMA_SINGLES:
        if isinstance(node.get(word), dict):
            node[word] = rewrite(node[word], key, where)
    for word in _SCHEMA_LISTS:
        if isinstance(node.get(word), list):
            node[word] = [_child(sub, key, where) for sub in node[word]]
    return _split_type_list(node)


def _child(sub: Any, key: str, where: str) -> Any:
    if sub is True:
        return {}  # "anything"; several providers reject boolean subschemas
    return rewrite(sub, key, where) if isinstance(sub, dict) else sub


def _apply_nullable(node: dict[str, Any]) -> None:
    """OpenAPI 3.0's `nullable: true` is not JSON Schema; express it as a type list or enum entry."""
    if node.pop("nullable", False) is not True:
        return
    declared = node.get("type")
    if isinstance(declared, str):
        node["type"] = [declared, "null"]
    elif isinstance(declared, list) and "null" not in declared:
        node["type"] = [*declared, "null"]
    if isinstance(node.get("enum"), list) and None not in node["enum"]:
        node["enum"] = [*node["enum"], None]
    if "type" not in node and ("$ref" in node or "anyOf" in node or "oneOf" in node or "allOf" in node):
        inner = {k: node.pop(k) for k in list(node) if k not in ("description", "title", "default")}
        node["anyOf"] = [inner, {"type": "null"}]


def _rewrite_pattern(node: dict[str, Any], key: str, where: str) -> None:
    pattern = node.get("pattern")
    if pattern is None:
        return
    if not isinstance(pattern, str):
        raise InvalidApiRecordError(key, f"a `pattern` in the {where} schema is not a string: {pattern!r}.")
    try:
        re.compile(pattern)
        compiles = True
    except re.error:
        compiles = False
    if compiles and not _UNSUPPORTED_REGEX.search(pattern):
        return
    del node["pattern"]
    _append_description(node, f"Must match the regular expression `{pattern}`.")


def _rewrite_format(node: dict[str, Any]) -> None:
    fmt = node.get("format")
    if not isinstance(fmt, str) or fmt in PROVIDER_FORMATS:
        return
    del node["format"]
    if fmt not in _NUMERIC_FORMATS:
        _append_description(node, f"Format: {fmt}.")


def _rewrite_tuple_items(node: dict[str, Any]) -> None:
    """Providers reject positional `items` lists and `prefixItems`; keep one item schema instead."""
    if isinstance(node.get("prefixItems"), list):
        positional, rest = node.pop("prefixItems"), node.pop("items", None)
    elif isinstance(node.get("items"), list):
        positional, rest = node.pop("items"), node.pop("additionalItems", None)
    else:
        return
    distinct: list[Any] = []
    for sub in [*positional, *([rest] if isinstance(rest, dict) else [])]:
        sub = {} if sub is True else sub
        if sub not in distinct:
            distinct.append(sub)
    if distinct:
        node["items"] = distinct[0] if len(distinct) == 1 else {"anyOf": distinct}
    if rest is False:
        node["maxItems"] = min(node.get("maxItems", len(positional)), len(positional))


def _split_type_list(node: dict[str, Any]) -> dict[str, Any]:
    declared = node.get("type")
    if not isinstance(declared, list):
        return node
    unique = list(dict.fromkeys(declared))
    concrete = [t for t in unique if t != "null"]
    if len(unique) == 1:
        node["type"] = unique[0]
        return node
    if len(concrete) <= 1:
        node["type"] = unique
        return node
    shared = {k: v for k, v in node.items() if k != "type" and k not in _ALL_TYPE_KEYWORDS}
    branches = []
    for t in unique:
        owned = _TYPE_KEYWORDS.get(t, frozenset())
        branches.append({"type": t, **{k: v for k, v in node.items() if k in owned}})
    return {**shared, "anyOf": branches}


def _append_description(node: dict[str, Any], sentence: str) -> None:
    current = node.get("description")
    node["description"] = (
        f"{current.rstrip()} {sentence}" if isinstance(current, str) and current else sentence
    )
