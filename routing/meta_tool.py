"""`search_apis`: the selector offered to agents as a tool, so they can look for APIs themselves.

An agent handed a large registry sees only a few APIs at a time; when a plan step needs something
else it calls `search_apis("what I need")` and gets back a compact list of matching APIs with
their parameters, ready to call. When the selector abstains the list is empty, which tells the
agent plainly that nothing fits (rephrase, or do the step another way) instead of offering near
misses it would be tempted to call.

`search_apis_tool(selector)` returns an `ApiRecord` describing the tool plus an object whose
`async call(arguments)` matches the registry's `ApiHandler` protocol, so registering it later is
`registry.add(tool.record, tool)`. It imports nothing from the registry or the executor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import ApiCallError
from .records import Annotations, ApiRecord
from .selector import ApiSelector
from .text import first_sentence

DEFAULT_K = 5
MAX_K = 20

SEARCH_APIS_DESCRIPTION = (
    "Find the APIs that can do something: use it when none of the tools you were shown fits the "
    "current step. Describe the step in plain words (e.g. 'convert a price from euros to dollars'). "
    "Returns up to k APIs as {name, description, parameters}, best first; an empty list means no "
    "API fits, so do the step another way. Call a result by its name."
)


def search_apis_record(namespace: str = "palaestra") -> ApiRecord:
    """The description of `search_apis(query: str, k: int = 5)`; read-only and safe to repeat."""
    return ApiRecord(
        namespace=namespace,
        name="search_apis",
        description=SEARCH_APIS_DESCRIPTION,
        parameters={
            "type": "object",
            "properties": {
                "query": {"type": "string", "description": "What the API should do, in plain words."},
                "k": {
                    "type": "integer",
                    "description": "How many APIs to return at most.",
                    "minimum": 1,
                    "maximum": MAX_K,
                    "default": DEFAULT_K,
                },
            },
            "required": ["query"],
        },
        annotations=Annotations(read_only=True, destructive=False, idempotent=True, open_world=False),
        category="meta",
        source="python:palaestra.routing.meta_tool.search_apis",
    )


def describe_hit(record: ApiRecord) -> dict[str, Any]:
    """One compact result: the key to call, the description's first sentence, the parameters."""
    return {
        "name": record.key,
        "description": first_sentence(record.description),
        "parameters": record.parameters,
    }


@dataclass
class SearchApisTool:
    """`search_apis` bound to a selector: `await tool.search_apis(query, k)` or, as a handler,
    `await tool.call({"query": ..., "k": ...})`. The tool never returns itself."""

    selector: ApiSelector
    record: ApiRecord = field(default_factory=search_apis_record)

    async def search_apis(self, query: str, k: int = DEFAULT_K) -> list[dict[str, Any]]:
        k = max(1, min(MAX_K, int(k)))
        selection = await self.selector.aselect(query, k + 1)  # room for dropping the tool itself
        if selection.abstained:
            return []
        hits = [hit.record for hit in selection.hits if hit.key != self.record.key]
        return [describe_hit(record) for record in hits[:k]]

    async def call(self, arguments: dict[str, Any]) -> list[dict[str, Any]]:
        query = arguments.get("query")
        if not isinstance(query, str) or not query.strip():
            raise ApiCallError("search_apis needs a non-empty `query` string")
        k = arguments.get("k", DEFAULT_K)
        if not isinstance(k, int) or isinstance(k, bool):
            raise ApiCallError(f"search_apis `k` must be an integer, got {k!r}")
        return await self.search_apis(query, k)


def search_apis_tool(selector: ApiSelector, *, namespace: str = "palaestra") -> SearchApisTool:
    """The `search_apis` meta-tool over `selector` (its record in `namespace`)."""
    return SearchApisTool(selector, search_apis_record(namespace))
