"""The API record: one callable capability, whatever its source.

It joins TaskMatrix.AI's API documentation (when to use it, examples, composition notes) with the
shape MCP servers give their tools (JSON Schema parameters, annotations). Every source — Python
callables, OpenAPI operations, MCP servers, JSON files — produces these, so that the selector and
the executor never care where an API came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

#: Separates the namespace (server, package or document) from the tool's own name in `ApiRecord.key`.
NAMESPACE_SEPARATOR = "/"
_PROVIDER_UNSAFE = re.compile(r"[^a-zA-Z0-9_-]")


@dataclass(frozen=True)
class Annotations:
    """MCP's behaviour hints. They are hints from the API's author, not guarantees."""

    read_only: bool = False
    destructive: bool = True
    idempotent: bool = False
    open_world: bool = True


@dataclass(frozen=True)
class ApiRecord:
    """One API. `namespace` keeps equal tool names from different servers apart.

    `parameters` and `result` are JSON Schemas (normalised on registration: object root, no
    `$schema`). `description`'s first sentence says when to use the API; selection leans on it.
    """

    namespace: str
    name: str
    description: str
    parameters: dict[str, Any] = field(default_factory=lambda: {"type": "object", "properties": {}})
    result: dict[str, Any] | None = None
    examples: tuple[str, ...] = ()
    #: What usually comes before or after this API, in prose ("call search_flights first").
    composition: str = ""
    category: str = ""
    annotations: Annotations = Annotations()
    #: Where it came from: "python:<module>.<qualname>", "openapi:<url or path>", "mcp:<server>",
    #: "json:<path>".
    source: str = ""

    @property
    def key(self) -> str:
        """The registry's unique key, `namespace/name`."""
        return f"{self.namespace}{NAMESPACE_SEPARATOR}{self.name}"

    def provider_name(self) -> str:
        """A name that OpenAI-style function calling accepts (`^[a-zA-Z0-9_-]{1,64}$`)."""
        return _PROVIDER_UNSAFE.sub("_", f"{self.namespace}__{self.name}")[:64]

    def search_text(self) -> str:
        """The text retrieval indexes: name, description, parameter names and descriptions, examples."""
        parts = [self.name.replace("_", " ").replace(".", " "), self.description]
        properties = self.parameters.get("properties", {})
        if isinstance(properties, dict):
            for pname, schema in properties.items():
                described = schema.get("description", "") if isinstance(schema, dict) else ""
                parts.append(f"{pname}: {described}" if described else str(pname))
        parts.extend(self.examples)
        return "\n".join(p for p in parts if p)
