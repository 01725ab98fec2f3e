"""Python type hints <-> JSON Schema, for registering Python callables as APIs.

`schema_for` describes an annotation in the provider-safe JSON Schema subset (see
`palaestra.routing.schema`); `coerce` turns the JSON a model sent back into the annotated Python
types (enums, dataclasses, dates) before the function is called, so functions keep their natural
signatures. Supported: int, float, str, bool, None, Any, list/set/frozenset/tuple/Sequence, dict and
Mapping, Literal, Optional and unions, Annotated (a str or an object with `.description` describes
the value), Enum, dataclasses, TypedDict, pydantic models, datetime/date/time, UUID, Path, Decimal.
"""

from __future__ import annotations

import collections.abc as abc
import dataclasses
import datetime as dt
import enum
import inspect
import types
import typing
import uuid
from decimal import Decimal
from pathlib import Path, PurePath
from typing import Any, Literal, Union, get_args, get_origin

_SCALARS: dict[Any, dict[str, Any]] = {
    bool: {"type": "boolean"},
    int: {"type": "integer"},
    float: {"type": "number"},
    str: {"type": "string"},
    bytes: {"type": "string"},
    type(None): {"type": "null"},
    dt.datetime: {"type": "string", "format": "date-time"},
    dt.date: {"type": "string", "format": "date"},
    dt.time: {"type": "string", "format": "time"},
    uuid.UUID: {"type": "string", "format": "uuid"},
    Decimal: {"type": "number"},
}
_ARRAYS = (list, set, frozenset, abc.Sequence, abc.MutableSequence, abc.Set, abc.MutableSet, abc.Iterable)
_MAPPINGS = (dict, abc.Mapping, abc.MutableMapping)
_JSON_TYPES: dict[type, str] = {bool: "boolean", int: "integer", float: "number", str: "string"}


class UnsupportedTypeError(TypeError):
    """An annotation that has no JSON Schema description here."""


def schema_for(tp: Any, defs: dict[str, Any]) -> dict[str, Any]:
    """JSON Schema for annotation `tp`; nested pydantic `$defs` are collected into `defs`."""
    if tp is Any or tp is inspect.Parameter.empty or tp is object:
        return {}
    if tp is None:
        tp = type(None)
    origin, args = get_origin(tp), get_args(tp)
    schema: dict[str, Any]
    if origin is typing.Annotated:
        schema = schema_for(args[0], defs)
        for extra in args[1:]:
            text = extra if isinstance(extra, str) else getattr(extra, "description", None)
            if isinstance(text, str) and text:
                schema["description"] = text
                break
        return schema
    if tp in _SCALARS:
        return dict(_SCALARS[tp])
    if isinstance(tp, type) and issubclass(tp, PurePath):
        return {"type": "string"}
    if origin is Literal:
        return _enum_schema(list(args))
    if origin is Union or origin is types.UnionType:
        return _union_schema(args, defs)
    if tp in (list, set, frozenset, tuple) or origin in _ARRAYS:
        schema = {"type": "array"}
        if args:
            schema["items"] = schema_for(args[0], defs)
        if tp in (set, frozenset) or origin in (set, frozenset, abc.Set, abc.MutableSet):
            schema["uniqueItems"] = True
        return schema
    if origin is tuple:
        return _tuple_schema(args, defs)
    if tp is dict or origin in _MAPPINGS:
        schema = {"type": "object"}
        if len(args) == 2 and args[1] is not Any:
            schema["additionalProperties"] = schema_for(args[1], defs)
        return schema
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return _enum_schema([m.value for m in tp])
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        hints = typing.get_type_hints(tp, include_extras=True)
        fields = [f for f in dataclasses.fields(tp) if f.init]
        required = [
            f.name
            for f in fields
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        ]
        return _object_schema({f.name: hints.get(f.name, Any) for f in fields}, required, tp, defs)
    if typing.is_typeddict(tp):
        hints = typing.get_type_hints(tp, include_extras=True)
        return _object_schema(hints, sorted(tp.__required_keys__), tp, defs)
    if isinstance(tp, type) and callable(getattr(tp, "model_json_schema", None)):
        schema = dict(tp.model_json_schema())  # type: ignore[attr-defined]
        defs.update(schema.pop("$defs", {}))
        return schema
    raise UnsupportedTypeError(f"no JSON Schema for type {tp!r}")


def _enum_schema(values: list[Any]) -> dict[str, Any]:
    schema: dict[str, Any] = {"enum": values}
    kinds = {_JSON_TYPES.get(type(v)) for v in values}
    if len(kinds) == 1 and None not in kinds:
        schema["type"] = kinds.pop()
    return schema


def _union_schema(args: tuple[Any, ...], defs: dict[str, Any]) -> dict[str, Any]:
    concrete = [a for a in args if a is not type(None)]
    nullable = len(concrete) < len(args)
    branches = [schema_for(a, defs) for a in concrete]
    if len(branches) == 1:
        only = branches[0]
        if not nullable:
            return only
        if isinstance(only.get("type"), str):
            return {**only, "type": [only["type"], "null"]}
        return {"anyOf": [only, {"type": "null"}]}
    return {"anyOf": [*branches, *([{"type": "null"}] if nullable else [])]}


def _tuple_schema(args: tuple[Any, ...], defs: dict[str, Any]) -> dict[str, Any]:
    if len(args) == 2 and args[1] is Ellipsis:
        return {"type": "array", "items": schema_for(args[0], defs)}
    distinct: list[dict[str, Any]] = []
    for arg in args:
        schema = schema_for(arg, defs)
        if schema not in distinct:
            distinct.append(schema)
    items = distinct[0] if len(distinct) == 1 else {"anyOf": distinct}
    return {"type": "array", "items": items, "minItems": len(args), "maxItems": len(args)}


def _object_schema(
    hints: dict[str, Any], required: list[str], owner: type, defs: dict[str, Any]
) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {name: schema_for(hint, defs) for name, hint in hints.items()},
    }
    if required:
        schema["required"] = required
    own = owner.__dict__.get("__doc__")  # not inherited: a TypedDict would otherwise get dict's
    doc = inspect.cleandoc(own) if isinstance(own, str) else ""
    if doc and not doc.startswith(f"{owner.__name__}("):  # skip the dataclass-generated signature
        schema["description"] = doc.split("\n\n")[0].replace("\n", " ")
    return schema


def coerce(value: Any, tp: Any) -> Any:
    """Turn JSON `value` into annotation `tp`'s Python type where that differs from JSON's own."""
    if value is None or tp is Any or tp is inspect.Parameter.empty:
        return value
    origin, args = get_origin(tp), get_args(tp)
    if origin is typing.Annotated:
        return coerce(value, args[0])
    if origin is Union or origin is types.UnionType:
        for arg in args:
            if arg is type(None):
                continue
            try:
                return coerce(value, arg)
            except (TypeError, ValueError):
                continue
        return value
    if tp is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if tp is Decimal:
        return Decimal(str(value))
    if tp in (dt.datetime, dt.date, dt.time) and isinstance(value, str):
        return tp.fromisoformat(value)
    if tp is uuid.UUID:
        return uuid.UUID(str(value))
    if isinstance(tp, type) and issubclass(tp, PurePath):
        return Path(value) if tp is PurePath else tp(value)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return tp(value)
    if dataclasses.is_dataclass(tp) and isinstance(tp, type) and isinstance(value, dict):
        hints = typing.get_type_hints(tp, include_extras=True)
        return tp(**{k: coerce(v, hints.get(k, Any)) for k, v in value.items()})
    if isinstance(tp, type) and callable(getattr(tp, "model_validate", None)):
        return tp.model_validate(value)  # type: ignore[attr-defined]
    if isinstance(value, list):
        if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
            return tuple(coerce(v, a) for v, a in zip(value, args, strict=False))
        items = [coerce(v, args[0] if args else Any) for v in value]
        if tp is set or origin in (set, abc.Set, abc.MutableSet):
            return set(items)
        if tp is frozenset or origin is frozenset:
            return frozenset(items)
        return tuple(items) if (tp is tuple or origin is tuple) else items
    if isinstance(value, dict) and (origin in _MAPPINGS or typing.is_typeddict(tp)):
        if typing.is_typeddict(tp):
            hints = typing.get_type_hints(tp, include_extras=True)
            return {k: coerce(v, hints.get(k, Any)) for k, v in value.items()}
        return {k: coerce(v, args[1] if len(args) == 2 else Any) for k, v in value.items()}
    return value
