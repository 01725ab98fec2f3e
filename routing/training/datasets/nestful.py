"""NESTFUL and ComplexFuncBench: multi-step API-call sequences, from the `nestful-wrapper` wheel.

NESTFUL (IBM Research) labels each user request with the nested sequence of API calls that
answers it: "find flights from New York to London ... and find hotels in London" needs two airport
look-ups, a flight search, a location search and a hotel search. Its three parts have their own
tool specifications (RapidAPI endpoints, Glaive functions, Schema-Guided Dialogue services); we
pool them into one registry of 133 tools and keep the part as the query's category. The wheel also
redistributes ComplexFuncBench (Tsinghua/Zhipu): 1,000 multi-step Booking.com requests over its 40
APIs, a second set with a pool of its own.

A query's gold is every distinct API its sequence calls (NESTFUL's closing `var_result` is a
placeholder, not an API), so recall@5 counts each tool the task needs. Both sets are converted once
into the plain files of `files.py`, in the set's cache folder.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from .base import DEFAULT_CACHE, DataSource, Query, RoutingData
from .files import FileSet, Tools, write_queries, write_tools
from .wheels import cached_wheel, read_json

VERSION = "0.1.7"
REQUIREMENT = f"nestful-wrapper=={VERSION}"
PATTERN = "nestful_wrapper-*.whl"
#: NESTFUL's parts: (category, path under the wheel's `data_v1/` before `-data.json` / `-spec.json`).
NESTFUL_PARTS = (
    ("executable", "executable/executable"),
    ("glaive", "non-executable/non-executable-glaive"),
    ("sgd", "non-executable/non-executable-sgd"),
)
COMPLEXFUNCBENCH = (("booking", "complexfuncbench/complexfuncbench"),)
_NOT_AN_API = "var_result"
_SIMPLE_TYPES = {"string", "number", "integer", "boolean", "array", "object"}


class _NestfulWheelSet(DataSource):
    """One set read from the nestful-wrapper wheel's `data_v1/` parts."""

    parts: tuple[tuple[str, str], ...]

    def load(self, cache: Path = DEFAULT_CACHE, *, download: bool = False) -> RoutingData:
        folder = self.folder(cache)
        tools_path, queries_path = folder / "tools.json", folder / "queries.jsonl"
        if not (tools_path.exists() and queries_path.exists()):
            wheel = cached_wheel(folder, REQUIREMENT, PATTERN, download=download, size="14 MB")
            tools, queries = read_parts(wheel, self.parts, self.name)
            write_tools(tools_path, tools)
            write_queries(queries_path, queries)
        return FileSet(tools_path, queries_path).load(self.name)


class Nestful(_NestfulWheelSet):
    name = "nestful"
    licence = "Apache-2.0 (the nestful-wrapper package on PyPI)"
    provenance = (
        f"NESTFUL v1 (executable, Glaive and SGD parts), data files of the nestful-wrapper {VERSION} "
        "wheel (https://github.com/TathagataChakraborti/NESTFUL)"
    )
    parts = NESTFUL_PARTS


class ComplexFuncBench(_NestfulWheelSet):
    name = "complexfuncbench"
    licence = "Apache-2.0 (as redistributed in the nestful-wrapper package on PyPI)"
    provenance = (
        f"ComplexFuncBench (THUDM) in NESTFUL's format, data files of the nestful-wrapper {VERSION} "
        "wheel (https://github.com/THUDM/ComplexFuncBench)"
    )
    parts = COMPLEXFUNCBENCH


def read_parts(wheel: Path, parts: tuple[tuple[str, str], ...], prefix: str) -> tuple[Tools, list[Query]]:
    """The pooled tools (first spec of a name wins) and labelled queries of `parts`."""
    tools: dict[str, dict[str, Any]] = {}
    queries: list[Query] = []
    with zipfile.ZipFile(wheel) as archive:
        for category, stem in parts:
            for spec in read_json(archive, f"data_v1/{stem}-spec.json"):
                tools.setdefault(spec["name"], to_tool(spec, category))
            for number, entry in enumerate(read_json(archive, f"data_v1/{stem}-data.json")):
                gold = gold_names(entry.get("output") or [])
                text = " ".join(str(entry.get("input", "")).split())
                if gold and text:
                    queries.append(Query(f"{prefix}-{category}-{number}", text, gold, category))
    return list(tools.values()), queries


def gold_names(calls: list[dict[str, Any]]) -> tuple[str, ...]:
    """Every distinct API a call sequence uses, in order of first use."""
    names = (str(c.get("name", "")) for c in calls if isinstance(c, dict))
    return tuple(dict.fromkeys(n for n in names if n and n != _NOT_AN_API))


def to_tool(spec: dict[str, Any], server: str) -> dict[str, Any]:
    """A NESTFUL API specification as an MCP-shaped tool (query parameters as a JSON Schema)."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    for pname, param in (spec.get("query_parameters") or {}).items():
        param = param if isinstance(param, dict) else {}
        kind = param.get("type")
        schema: dict[str, Any] = {"type": kind if kind in _SIMPLE_TYPES else "string"}
        if param.get("description"):
            schema["description"] = str(param["description"])
        allowed = param.get("allowed_values") or param.get("enum")
        if isinstance(allowed, list) and allowed:
            schema["enum"] = [str(v) for v in allowed]
        properties[str(pname)] = schema
        if param.get("required") is True:
            required.append(str(pname))
    parameters: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        parameters["required"] = required
    description = str(spec.get("description") or "")
    return {"name": spec["name"], "description": description, "inputSchema": parameters, "server": server}
