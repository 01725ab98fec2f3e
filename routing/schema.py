"""Check and normalise the JSON Schemas of API records when they are registered.

Records arrive from four sources written by strangers (MCP servers, OpenAPI documents, JSON files,
our own type hints), and their schemas go two places: to the executor, which validates arguments
with `jsonschema` (Draft 2020-12), and to model providers as function-calling parameters. Providers
accept a narrower language than JSON Schema, and a single construct they reject fails the whole
request, so every schema is rewritten here, once, into the common subset. The decisions:

* The parameters root must be an object schema: tool arguments are named. A missing `type` becomes
  `object`, a missing `properties` becomes `{}`, `type: ["object", "null"]` becomes `object`. Any
  other root type, and `anyOf`/`oneOf`/`allOf`/`not`/`enum` at the root, are rejected (wrapping
  would invent an argument name the API does not know). A root `$ref` into `$defs` is inlined.
* `$schema` is dropped everywhere (providers reject it; we always validate as Draft 2020-12).
* `type: [T, "null"]` is kept: it is the form OpenAI documents for nullable fields. A type list
  with several non-null types becomes `anyOf` of one-type branches, each keeping the keywords that
  apply to its type. OpenAPI 3.0's `nullable: true` becomes the same type-list form.
* `pattern`s that use lookaround, backreferences, atomic groups, possessive quantifiers, inline
  flags or conditionals (which provider regex engines reject), or that do not compile, are dropped
  and quoted in the description instead, so the model still sees the constraint; the API itself
  stays the enforcer.
* `format`s outside OpenAI's list (date-time, time, date, duration, email, hostname, ipv4, ipv6,
  uuid) are dropped; string formats are mentioned in the description ("Format: uri.").
* Tuple validation (`items` as a list, or `prefixItems`) becomes `items` with one schema (or the
  `anyOf` of the distinct item schemas), and `maxItems` when extra items were forbidden.
* Remote `$ref`s are rejected (validation would need the network); local ones must resolve.

A schema that cannot be repaired raises `InvalidApiRecordError` naming the record and the problem.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from typing import Any
from urllib.parse import unquote

import jsonschema

from palaestra.routing._provider_schema import rewrite
from palaestra.routing.errors import InvalidApiRecordError
from palaestra.routing.records import NAMESPACE_SEPARATOR, Annotations, ApiRecord

_ROOT_COMBINATORS = ("anyOf", "oneOf", "allOf", "not", "enum", "const")


def normalize_parameters(schema: Any, *, key: str) -> dict[str, Any]:
    """Return a provider-safe copy of a parameters schema (object root), or raise."""
    if schema is None:
        return {"type": "object", "properties": {}}
    if not isinstance(schema, dict):
        raise InvalidApiRecordError(key, f"the parameters schema must be a JSON object, got {_kind(schema)}.")
    root = copy.deepcopy(schema)
    root.pop("$schema", None)
    root.pop("nullable", None)
    _inline_root_ref(root, key)
    _force_object_root(root, key)
    root = rewrite(root, key, "parameters")
    root.setdefault("properties", {})
    if not isinstance(root["properties"], dict):
        raise InvalidApiRecordError(key, "`properties` must map argument names to schemas.")
    required = root.get("required", [])
    if root.get("additionalProperties") is False and isinstance(required, list):
        missing = [r for r in required if isinstance(r, str) and r not in root["properties"]]
        if missing:
            raise InvalidApiRecordError(
                key,
                f"required argument(s) {missing} are not in `properties` and additional properties are "
                "forbidden, so no call could ever be valid. Add them to `properties`.",
            )
    _check(root, key, "parameters")
    return root


def normalize_result(schema: Any, *, key: str) -> dict[str, Any] | None:
    """Return a cleaned copy of a result schema (any root type), `None` for "no schema", or raise."""
    if schema is None or schema is True or schema == {}:
        return None
    if not isinstance(schema, dict):
        raise InvalidApiRecordError(key, f"the result schema must be a JSON object, got {_kind(schema)}.")
    result = copy.deepcopy(schema)
    result.pop("$schema", None)
    result = rewrite(result, key, "result")
    _check(result, key, "result")
    return result


def normalize_record(record: ApiRecord) -> ApiRecord:
    """Check a record's names and fields and return it with normalised schemas, or raise."""
    key = _record_label(record)
    for field_name in ("namespace", "name"):
        value = getattr(record, field_name)
        if not isinstance(value, str) or not value.strip():
            raise InvalidApiRecordError(key, f"`{field_name}` must be a non-empty string.")
        if any(ch.isspace() for ch in value):
            raise InvalidApiRecordError(key, f"`{field_name}` {value!r} must not contain whitespace.")
    if NAMESPACE_SEPARATOR in record.namespace:
        raise InvalidApiRecordError(
            key, f"the namespace must not contain {NAMESPACE_SEPARATOR!r}: it separates namespace from name."
        )
    for field_name in ("description", "composition", "category", "source"):
        if not isinstance(getattr(record, field_name), str):
            raise InvalidApiRecordError(key, f"`{field_name}` must be a string.")
    if not isinstance(record.annotations, Annotations):
        raise InvalidApiRecordError(key, "`annotations` must be an `Annotations` instance.")
    examples = record.examples
    if isinstance(examples, str) or not all(isinstance(e, str) for e in examples):
        raise InvalidApiRecordError(key, "`examples` must be a sequence of strings.")
    return dataclasses.replace(
        record,
        parameters=normalize_parameters(record.parameters, key=key),
        result=normalize_result(record.result, key=key),
        examples=tuple(examples),
    )


def _record_label(record: ApiRecord) -> str:
    namespace, name = getattr(record, "namespace", "?"), getattr(record, "name", "?")
    return f"{namespace or '?'}{NAMESPACE_SEPARATOR}{name or '?'}"


def _kind(value: Any) -> str:
    return type(value).__name__


def _inline_root_ref(root: dict[str, Any], key: str) -> None:
    """Replace a root `$ref` (pydantic and some MCP servers emit one) by the schema it points to."""
    ref = root.get("$ref")
    if not isinstance(ref, str):
        return
    target = _resolve_pointer(root, ref)
    if not isinstance(target, dict):
        raise InvalidApiRecordError(
            key, f"the root `$ref` {ref!r} does not resolve to a schema in the document."
        )
    del root["$ref"]
    for k, v in copy.deepcopy(target).items():
        root.setdefault(k, v)


def _force_object_root(root: dict[str, Any], key: str) -> None:
    found = [k for k in _ROOT_COMBINATORS if k in root]
    if found:
        raise InvalidApiRecordError(
            key,
            f"the parameters root uses `{found[0]}`; providers accept only a plain object schema there. "
            "Move the alternatives into a property.",
        )
    declared = root.get("type", "object")
    if isinstance(declared, list) and "object" in declared:
        declared = "object"
    if declared != "object":
        raise InvalidApiRecordError(
            key,
            f"the parameters root has type {declared!r}, but arguments are always a named object. Wrap "
            'the value in a property, e.g. {"type": "object", "properties": {"value": ...}}.',
        )
    root["type"] = "object"


def _check(schema: dict[str, Any], key: str, where: str) -> None:
    try:
        json.dumps(schema)
    except (TypeError, ValueError) as exc:
        raise InvalidApiRecordError(key, f"the {where} schema is not JSON-serialisable ({exc}).") from exc
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        at = "/".join(str(p) for p in exc.path) or "(root)"
        raise InvalidApiRecordError(
            key, f"the {where} schema is not valid Draft 2020-12 JSON Schema at {at}: {exc.message}"
        ) from exc
    for ref in _refs(schema):
        if not ref.startswith("#"):
            raise InvalidApiRecordError(
                key, f"the {where} schema has a remote `$ref` {ref!r}; inline it or move it into `$defs`."
            )
        if _resolve_pointer(schema, ref) is _MISSING:
            raise InvalidApiRecordError(key, f"the {where} schema's `$ref` {ref!r} does not resolve.")


def _refs(node: Any) -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str):
                found.append(v)
            elif k not in ("enum", "const", "default", "examples"):
                found.extend(_refs(v))
    elif isinstance(node, list):
        for item in node:
            found.extend(_refs(item))
    return found


_MISSING = object()


def _resolve_pointer(document: Any, ref: str) -> Any:
    """Follow a local JSON pointer (`#/$defs/Name`); return `_MISSING` when it leads nowhere."""
    if ref in ("#", "#/"):
        return document
    if not ref.startswith("#/"):
        return _MISSING
    node = document
    for raw in ref[2:].split("/"):
        part = unquote(raw).replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return _MISSING
    return node
