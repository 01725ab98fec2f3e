"""Read API descriptions from JSON files in MCP's `tools/list` shape.

Such files are how tool catalogues are shared and benchmarked without running their servers:
`{"tools": [...]}` or a bare list, each item with `name`, `description`, `inputSchema`, and
optionally `outputSchema`, `annotations` (MCP hints: readOnlyHint, destructiveHint, idempotentHint,
openWorldHint) and `server` (used as the namespace). Palaestra's own record fields may ride along
(`examples`, `composition`, `category`). The records are descriptions only unless handlers are
supplied, by tool name or by key.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from palaestra.routing.errors import ApiSourceError, InvalidApiRecordError
from palaestra.routing.records import NAMESPACE_SEPARATOR, Annotations, ApiRecord
from palaestra.routing.registry import AddReport, ApiHandler, ApiRegistry, Entry, Rejection

_NAMESPACE_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass
class LoadedTools:
    """The entries a file yielded, and the items that could not become records."""

    entries: list[tuple[ApiRecord, ApiHandler | None]] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)


def annotations_from_mcp(hints: Mapping[str, Any] | None) -> Annotations:
    """Map MCP ToolAnnotations (camelCase JSON) to `Annotations`; absent hints keep MCP's defaults."""
    defaults = Annotations()
    if not hints:
        return defaults

    def flag(camel: str, default: bool) -> bool:
        value = hints.get(camel)
        return value if isinstance(value, bool) else default

    return Annotations(
        read_only=flag("readOnlyHint", defaults.read_only),
        destructive=flag("destructiveHint", defaults.destructive),
        idempotent=flag("idempotentHint", defaults.idempotent),
        open_world=flag("openWorldHint", defaults.open_world),
    )


def safe_namespace(text: str, fallback: str) -> str:
    """A namespace made of `[A-Za-z0-9_.-]` from free text (a server or document title)."""
    cleaned = _NAMESPACE_UNSAFE.sub("_", text.strip()).strip("_")
    return cleaned or fallback


def load_tools_json(
    source: str | Path | Mapping[str, Any] | list[Any],
    *,
    namespace: str | None = None,
    handlers: Mapping[str, ApiHandler] | None = None,
) -> LoadedTools:
    """Read a tools file (or already-parsed data) into records; bad items are collected, not raised.

    The namespace is, in order: the `namespace` argument, the item's `server`, the file's stem (or
    "json" for in-memory data). `handlers` maps tool names or keys to handlers.
    """
    data, label, stem = _read(source)
    items = data.get("tools") if isinstance(data, Mapping) else data
    if not isinstance(items, list):
        raise ApiSourceError(f"{label}: expected a list of tools or an object with a `tools` list.")
    handlers = handlers or {}
    loaded = LoadedTools()
    for index, item in enumerate(items):
        try:
            record = _record(item, index, namespace, stem, label)
        except InvalidApiRecordError as exc:
            loaded.rejected.append(Rejection(exc.key, str(exc)))
            continue
        loaded.entries.append((record, handlers.get(record.key) or handlers.get(record.name)))
    return loaded


def register_json(
    registry: ApiRegistry,
    source: str | Path | Mapping[str, Any] | list[Any],
    *,
    namespace: str | None = None,
    handlers: Mapping[str, ApiHandler] | None = None,
    replace: bool = False,
) -> AddReport:
    """Load a tools file and register every valid tool; the report lists what was skipped."""
    loaded = load_tools_json(source, namespace=namespace, handlers=handlers)
    entries: list[Entry] = list(loaded.entries)
    return AddReport(rejected=list(loaded.rejected)).merge(registry.add_many(entries, replace=replace))


def _read(source: str | Path | Mapping[str, Any] | list[Any]) -> tuple[Any, str, str]:
    if isinstance(source, Mapping | list):
        return source, "json:<data>", "json"
    path = Path(source)
    try:
        return json.loads(path.read_text(encoding="utf-8")), f"json:{path}", path.stem
    except OSError as exc:
        raise ApiSourceError(f"cannot read tools file {path}: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise ApiSourceError(f"tools file {path} is not valid JSON: {exc}") from exc


def _record(item: Any, index: int, namespace: str | None, stem: str, label: str) -> ApiRecord:
    where = f"{stem}{NAMESPACE_SEPARATOR}#{index}"
    if not isinstance(item, Mapping):
        raise InvalidApiRecordError(where, f"tool #{index} is a {type(item).__name__}, not an object.")
    name = item.get("name")
    if not isinstance(name, str) or not name:
        raise InvalidApiRecordError(where, f"tool #{index} has no `name`.")
    server = item.get("server")
    ns = namespace or (safe_namespace(server, stem) if isinstance(server, str) and server else stem)
    key = f"{ns}{NAMESPACE_SEPARATOR}{name}"
    description = item.get("description") or item.get("title") or ""
    if not isinstance(description, str):
        raise InvalidApiRecordError(key, "`description` must be a string.")
    annotations = item.get("annotations")
    if annotations is not None and not isinstance(annotations, Mapping):
        raise InvalidApiRecordError(key, "`annotations` must be an object of MCP hints.")
    examples = item.get("examples", [])
    if not isinstance(examples, list) or not all(isinstance(e, str) for e in examples):
        raise InvalidApiRecordError(key, "`examples` must be a list of strings.")
    return ApiRecord(
        namespace=ns,
        name=name,
        description=description,
        parameters=item.get("inputSchema", item.get("input_schema")),  # normalised on registration
        result=item.get("outputSchema", item.get("output_schema")),
        examples=tuple(examples),
        composition=str(item.get("composition", "")),
        category=str(item.get("category", "")),
        annotations=annotations_from_mcp(annotations),
        source=label,
    )
