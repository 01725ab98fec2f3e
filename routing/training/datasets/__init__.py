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

from .agentdojo import AgentDojo
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
from .nestful import ComplexFuncBench, Nestful

#: The registered sets, by name (licences and provenance: DATA.md beside this file).
SOURCES: dict[str, DataSource] = {
    source.name: source for source in (Bfcl(), Nestful(), ComplexFuncBench(), AgentDojo())
}
#: The sets the benchmark's macro average is taken over: every registered set but BFCL, on which
#: the selector was first built.
MACRO_SETS = tuple(name for name in SOURCES if name != "bfcl")
#: What `--data all` means: every registered set, fitted on at once.
ALL = "all"


class CombinedSource(DataSource):
    """Several sets as one: their pools in one registry (each set's tools keep their namespaces)
    and all their queries. `palaestra routing tune --data all` fits every constant on the tuning
    halves of all sets at once, so no set's quirks are tuned on alone."""

    licence = "each set's own"

    def __init__(self, parts: list[DataSource]) -> None:
        self.parts = parts
        self.name = "+".join(part.name for part in parts)
        self.provenance = "; ".join(part.provenance for part in parts)

    def load(self, cache: Path = DEFAULT_CACHE, *, download: bool = False) -> RoutingData:
        loaded = [part.load(cache, download=download) for part in self.parts]
        return RoutingData(
            name=self.name,
            pool=[record for data in loaded for record in data.pool],
            labelled=[q for data in loaded for q in data.labelled],
            irrelevance_tools=[record for data in loaded for record in data.irrelevance_tools],
            irrelevant=[q for data in loaded for q in data.irrelevant],
            labelled_lists=[record for data in loaded for record in data.labelled_lists],
        )


def source(name_or_folder: str) -> DataSource:
    """A registered set by name, `all` of them, several joined by commas (one `CombinedSource`),
    or a folder of converted files (see `files.py`) by its path."""
    if name_or_folder == ALL:
        return CombinedSource(list(SOURCES.values()))
    if "," in name_or_folder:
        return CombinedSource([source(part.strip()) for part in name_or_folder.split(",") if part.strip()])
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
    "ALL",
    "DEFAULT_CACHE",
    "MACRO_SETS",
    "SOURCES",
    "CombinedSource",
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
