"""OpenAPI schema objects -> self-contained JSON Schemas.

OpenAPI documents share schemas through `$ref`s into `components`, which a record cannot carry: a
record's schema must stand alone. `SchemaConverter` inlines local references, and keeps recursive
ones (a tree node containing nodes) as `$defs` of the produced schema, since inlining them would
never end. It also drops OpenAPI-only keywords (`discriminator`, `xml`, `x-*`), turns 3.0's
`example` into `examples` and its boolean `exclusiveMinimum`/`exclusiveMaximum` into 2020-12's
numeric form. `nullable` is left for `palaestra.routing.schema`, which rewrites it for every source.
"""

from __future__ import annotations

import copy
import re
from typing import Any
from urllib.parse import unquote

from palaestra.routing.errors import InvalidApiRecordError

_DROPPED = frozenset({"discriminator", "xml", "externalDocs", "readOnly", "writeOnly", "deprecated"})
_MAPS = frozenset({"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"})
_SINGLES = frozenset(
    {
        "items",
        "additionalProperties",
        "not",
        "contains",
        "propertyNames",
        "if",
        "then",
        "else",
        "additionalItems",
    }
)
_LISTS = frozenset({"anyOf", "oneOf", "allOf", "prefixItems"})
_DEF_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


class SchemaConverter:
    """Converts the schemas of one operation; `defs` collects the recursive components it met."""

    def __init__(self, document: dict[str, Any], key: str) -> None:
        self.document, self.key = document, key
        self.defs: dict[str, Any] = {}
        self._recursive: set[str] = set()

    def resolve(self, node: Any) -> Any:
        """Follow `$ref`s of non-schema objects (parameters, request bodies, responses)."""
        seen: set[str] = set()
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if ref in seen:
                raise InvalidApiRecordError(self.key, f"`$ref` {ref!r} refers to itself.")
            seen.add(ref)
            node = self._target(ref)
        return node

    def convert(self, node: Any, stack: tuple[str, ...] = ()) -> Any:
        """Return the JSON Schema for an OpenAPI schema object (inlining local `$ref`s)."""
        if not isinstance(node, dict):
            return copy.deepcopy(node)
        ref = node.get("$ref")
        if isinstance(ref, str):
            return self._convert_ref(ref, node, stack)
        out: dict[str, Any] = {}
        for word, value in node.items():
            if word in _DROPPED or word.startswith("x-"):
                continue
            if word == "example":
                out.setdefault("examples", [copy.deepcopy(value)])
            elif word in _MAPS and isinstance(value, dict):
                out[word] = {name: self.convert(sub, stack) for name, sub in value.items()}
            elif word in _SINGLES and isinstance(value, dict):
                out[word] = self.convert(value, stack)
            elif (word in _LISTS or word == "items") and isinstance(value, list):
                out[word] = [self.convert(sub, stack) for sub in value]
            else:
                out[word] = copy.deepcopy(value)
        for bound, limit in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
            if isinstance(out.get(bound), bool) and out.pop(bound) and limit in out:  # OpenAPI 3.0 form
                out[bound] = out.pop(limit)
        return out

    def finish(self, schema: dict[str, Any]) -> dict[str, Any]:
        """Attach the collected recursive definitions to the root schema."""
        if self.defs:
            schema = dict(schema)
            schema["$defs"] = {**schema.get("$defs", {}), **self.defs}
        return schema

    def _convert_ref(self, ref: str, node: dict[str, Any], stack: tuple[str, ...]) -> Any:
        name = _DEF_UNSAFE.sub("_", unquote(ref.rsplit("/", 1)[-1])) or "ref"
        siblings = {k: copy.deepcopy(v) for k, v in node.items() if k in ("description", "title", "default")}
        if ref in stack:
            self._recursive.add(ref)
            return {"$ref": f"#/$defs/{name}", **siblings}
        converted = self.convert(self._target(ref), (*stack, ref))
        if ref in self._recursive:
            self.defs[name] = converted
            return {"$ref": f"#/$defs/{name}", **siblings}
        if isinstance(converted, dict):
            converted = {**converted, **siblings}
        return converted

    def _target(self, ref: str) -> Any:
        if not ref.startswith("#/"):
            raise InvalidApiRecordError(
                self.key, f"`$ref` {ref!r} points outside the document; only local references are supported."
            )
        node: Any = self.document
        for raw in ref[2:].split("/"):
            part = unquote(raw).replace("~1", "/").replace("~0", "~")
            if not isinstance(node, dict) or part not in node:
                raise InvalidApiRecordError(self.key, f"`$ref` {ref!r} does not resolve in the document.")
            node = node[part]
        return node
