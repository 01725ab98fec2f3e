"""A data set in plain files: tools as a JSON list in MCP's shape, queries as JSON lines.

The layout a converted set is cached in, and what a user brings of their own:

* `tools.json`: `[{"name", "description", "inputSchema", "server"?}, ...]`, the pool;
* `queries.jsonl`: one `{"id"?, "query", "gold": [tool names], "category"?, "servers"?}` a line;
* optionally `irrelevance_tools.json` and `irrelevance_queries.jsonl` (queries nothing fits, each
  with `servers` naming its own candidate list), and `labelled_lists_tools.json` (each labelled
  query's own candidate list, its server named after the query's id).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .base import DEFAULT_CACHE, DataNotFoundError, DataSource, Query, RoutingData, tool_record

Tools = list[dict[str, Any]]


@dataclass(frozen=True)
class FileSet:
    """Paths of one set's files; the last three may be None."""

    tools: Path
    queries: Path
    irrelevance_tools: Path | None = None
    irrelevance_queries: Path | None = None
    labelled_lists: Path | None = None

    @classmethod
    def in_folder(cls, folder: Path) -> FileSet:
        """The standard names inside `folder` (optional files only when they exist)."""

        def optional(name: str) -> Path | None:
            return folder / name if (folder / name).is_file() else None

        return cls(
            folder / "tools.json",
            folder / "queries.jsonl",
            optional("irrelevance_tools.json"),
            optional("irrelevance_queries.jsonl"),
            optional("labelled_lists_tools.json"),
        )

    def load(self, name: str) -> RoutingData:
        missing = [str(p) for p in (self.tools, self.queries) if not p.is_file()]
        if missing:
            raise DataNotFoundError(
                f"data set {name!r}: no {' or '.join(missing)} (tools as a JSON list, queries as JSON lines)"
            )
        return RoutingData(
            name=name,
            pool=[tool_record(t) for t in read_tools(self.tools)],
            labelled=[q for q in read_queries(self.queries) if q.gold],
            irrelevance_tools=_records(self.irrelevance_tools),
            irrelevant=read_queries(self.irrelevance_queries) if self.irrelevance_queries else [],
            labelled_lists=_records(self.labelled_lists),
        )


def _records(path: Path | None) -> list[Any]:
    return [tool_record(t) for t in read_tools(path)] if path else []


class FolderSource(DataSource):
    """A folder of files in the layout above, named by its path (`--data path/to/folder`)."""

    licence = "whatever the folder's owner says"

    def __init__(self, folder: Path) -> None:
        self.path = folder
        self.name = folder.name
        self.provenance = f"the files in {folder}"

    def folder(self, cache: Path) -> Path:
        return self.path

    def load(self, cache: Path = DEFAULT_CACHE, *, download: bool = False) -> RoutingData:
        return FileSet.in_folder(self.path).load(self.name)


def write_tools(path: Path, tools: Tools) -> None:
    path.write_text(json.dumps(tools, indent=1), encoding="utf-8")


def write_queries(path: Path, queries: Iterable[Query]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for q in queries:
            row: dict[str, Any] = {"id": q.id, "query": q.text, "gold": list(q.gold), "category": q.category}
            if q.servers:
                row["servers"] = list(q.servers)
            handle.write(json.dumps(row) + "\n")


def read_tools(path: Path) -> Tools:
    tools = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(tools, list):
        raise ValueError(f"{path}: expected a JSON list of tools")
    return tools


def read_queries(path: Path) -> list[Query]:
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        out.append(
            Query(
                id=str(row.get("id", number)),
                text=str(row["query"]),
                gold=tuple(str(g) for g in row.get("gold", [])),
                category=str(row.get("category", "")),
                servers=tuple(str(s) for s in row.get("servers", [])),
            )
        )
    return out
