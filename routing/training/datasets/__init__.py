"""Tool-retrieval data sets, one loader per set behind `DataSource` (see `base.py`).

To add a set: write a module here with a `DataSource` subclass that reads the set's published
files from its cache folder and fetches them only when `download` is true (copy `bfcl.py`), record
its licence and provenance on the class, and add an instance to `SOURCES`. `bench.routing`,
`palaestra routing tune` and `palaestra routing train-judge` then take it by name (`--data NAME`).
A folder of converted files (`files.py`) works everywhere a name does.
"""

from __future__ import annotations

from pathlib import Path

from palaestra.errors import UnknownNameError

from .base import (
    DEFAULT_CACHE,
    DataNotFoundError,
    DataSource,
    Query,
    RoutingData,
    gold_routes,
    tool_record,
)
from .bfcl import Bfcl
from .files import FileSet, FolderSource, read_queries, read_tools, write_queries, write_tools

#: The registered sets, by name.
SOURCES: dict[str, DataSource] = {source.name: source for source in (Bfcl(),)}


def source(name_or_folder: str) -> DataSource:
    """A registered set by name, or a folder of converted files (see `files.py`) by its path."""
    if name_or_folder in SOURCES:
        return SOURCES[name_or_folder]
    folder = Path(name_or_folder)
    if folder.is_dir():
        return FolderSource(folder)
    raise UnknownNameError(
        "routing data set",
        name_or_folder,
        SOURCES,
        "Give a registered name or a folder holding tools.json and queries.jsonl.",
    )


__all__ = [
    "DEFAULT_CACHE",
    "SOURCES",
    "DataNotFoundError",
    "DataSource",
    "FileSet",
    "FolderSource",
    "Query",
    "RoutingData",
    "gold_routes",
    "read_queries",
    "read_tools",
    "source",
    "tool_record",
    "write_queries",
    "write_tools",
]
