"""What a tool-retrieval data set is (`RoutingData`) and what loads one (`DataSource`).

A set is a registry of tools (the pool) and queries labelled with the names of the tools that
answer them. Some sets also have queries that nothing answers (irrelevance queries), each with its
own short candidate list, and each labelled query's own candidate list: with both, the abstain
decision is measured and tuned like for like, a handful of candidates on either side.

Candidate lists are tools in a namespace named after their query's id, and such a query carries that
id in `servers`, so it is asked with a namespace pre-filter.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from palaestra.routing.errors import RoutingError
from palaestra.routing.history import Route
from palaestra.routing.records import ApiRecord

#: Where data sets are cached, one folder per set (`.cache/bench/bfcl`, ...), relative to the
#: working directory; the benchmark and the training commands share it.
DEFAULT_CACHE = Path(".cache/bench")


class DataNotFoundError(RoutingError, FileNotFoundError):
    """A data set is not in the local cache, and fetching it was not asked for."""


@dataclass(frozen=True)
class Query:
    """One benchmark query. Empty `gold` means nothing should fit; `servers` is a pre-filter."""

    id: str
    text: str
    gold: tuple[str, ...]
    category: str = ""
    servers: tuple[str, ...] = ()


@dataclass(frozen=True)
class RoutingData:
    """One data set, loaded: labelled queries (each with gold) asked against `pool`; irrelevance
    queries asked against their own lists in `irrelevance_tools`; `labelled_lists` holds each
    labelled query's own candidate list. The last three may be empty."""

    name: str
    pool: list[ApiRecord]
    labelled: list[Query]
    irrelevance_tools: list[ApiRecord] = field(default_factory=list)
    irrelevant: list[Query] = field(default_factory=list)
    labelled_lists: list[ApiRecord] = field(default_factory=list)

    def limited(self, n: int) -> RoutingData:
        """The first `n` labelled and the first `n` irrelevance queries (all when n is 0): quick runs."""
        if not n:
            return self
        return replace(self, labelled=self.labelled[:n], irrelevant=self.irrelevant[:n])


class DataSource(ABC):
    """Loads one public data set from its cache folder (`cache / name`).

    `load` must not touch the network unless `download` is true: the package never fetches data on
    its own. Record where the data comes from and under which licence in `provenance` and
    `licence`; the benchmark prints them."""

    name: str
    licence: str
    provenance: str

    def folder(self, cache: Path) -> Path:
        return cache / self.name

    @abstractmethod
    def load(self, cache: Path = DEFAULT_CACHE, *, download: bool = False) -> RoutingData:
        """The set, from `self.folder(cache)`; raises `DataNotFoundError` (saying how to get it)
        when it is missing and `download` is false."""


def tool_record(tool: dict[str, Any], default_server: str = "default") -> ApiRecord:
    """An MCP-shaped tool (`name`, `description`, `inputSchema`, optional `server`) as an ApiRecord."""
    schema = tool.get("inputSchema") or tool.get("parameters") or {"type": "object", "properties": {}}
    return ApiRecord(
        namespace=str(tool.get("server") or default_server),
        name=str(tool["name"]),
        description=str(tool.get("description") or ""),
        parameters=schema if isinstance(schema, dict) else {"type": "object", "properties": {}},
        source=f"json:{tool.get('server') or default_server}",
    )


def gold_routes(queries: Iterable[Query], pool: Iterable[ApiRecord]) -> list[Route]:
    """Each query's route, for the selector's route history: its gold names as the keys of the
    pool's tools of those names (one name may sit in several namespaces)."""
    keys_by_name: dict[str, list[str]] = {}
    for record in pool:
        keys_by_name.setdefault(record.name, []).append(record.key)
    return [Route(q.text, tuple(k for name in q.gold for k in keys_by_name.get(name, ()))) for q in queries]
