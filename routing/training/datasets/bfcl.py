"""BFCL v4 as one pooled tool registry plus labelled queries.

The Berkeley Function Calling Leaderboard gives every query its own short list of candidate
functions. We pool the functions of the labelled categories into one registry (one entry per
function name: the first definition seen wins) and ask the selector to find each query's gold
functions (the names in its ground-truth answer) in the whole pool.

The irrelevance categories are kept apart, in their own registry: each irrelevance query's
candidate list becomes one server (namespace) named after the query, and the query is asked with a
pre-filter on that server. That is the setting BFCL built them for ("none of *these* functions
fits"); against the whole pool many of them do fit (irrelevance_0 asks for a triangle's area, and
the pool has `calculate_triangle_area`), so abstaining there would be wrong.

The files are read straight from the `bfcl-eval` wheel (a zip), which `pip download --no-deps`
fetches into the cache when asked (`download=True`); nothing is installed. The wheel's data is
converted once into the plain files of `files.py`, in the same folder.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

from .base import DEFAULT_CACHE, DataNotFoundError, DataSource, Query, RoutingData
from .files import FileSet, Tools, write_queries, write_tools

#: The release every figure in the README and every tuned constant was measured on; a download
#: fetches this one. A wheel already in the cache is used whatever its version.
VERSION = "2026.3.23"
LABELLED = (
    "simple_python",
    "simple_java",
    "simple_javascript",
    "multiple",
    "parallel",
    "parallel_multiple",
    "live_simple",
    "live_multiple",
    "live_parallel",
    "live_parallel_multiple",
)
IRRELEVANCE = ("irrelevance", "live_irrelevance")
POOL_SERVER = "bfcl"
# BFCL writes Python-ish type names; JSON Schema wants these.
_TYPES = {"dict": "object", "float": "number", "tuple": "array", "list": "array", "any": "string"}


class Bfcl(DataSource):
    name = "bfcl"
    licence = "Apache-2.0 (the bfcl-eval package on PyPI)"
    provenance = (
        f"Berkeley Function Calling Leaderboard v4, data files of the bfcl-eval {VERSION} wheel "
        "(https://github.com/ShishirPatil/gorilla/tree/main/berkeley-function-call-leaderboard)"
    )

    def load(self, cache: Path = DEFAULT_CACHE, *, download: bool = False) -> RoutingData:
        return FileSet(*converted_files(self.folder(cache), download=download)).load(self.name)


def wheel_path(folder: Path, *, download: bool) -> Path:
    """The cached bfcl-eval wheel; downloaded (no dependencies, not installed) when missing and asked."""
    found = sorted(folder.glob("bfcl_eval-*.whl"))
    if not found and download:
        folder.mkdir(parents=True, exist_ok=True)
        print(f"downloading the bfcl-eval {VERSION} wheel into {folder} ...", file=sys.stderr, flush=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", f"bfcl-eval=={VERSION}", "--no-deps", "-d", str(folder),
             "-q"],
            check=True,
        )  # fmt: skip
        found = sorted(folder.glob("bfcl_eval-*.whl"))
    if not found:
        raise DataNotFoundError(
            f"no bfcl_eval-*.whl in {folder}: pass --download to fetch it from PyPI (about 2 MB), or "
            f"run `pip download bfcl-eval=={VERSION} --no-deps -d {folder}`"
        )
    return found[-1]


def _json_lines(archive: zipfile.ZipFile, member: str) -> list[dict[str, Any]]:
    with archive.open(member) as handle:
        return [json.loads(line) for line in handle.read().decode("utf-8").splitlines() if line.strip()]


def to_json_schema(schema: Any) -> Any:
    """BFCL's parameter schema with JSON Schema type names, recursively."""
    if isinstance(schema, dict):
        out = {k: to_json_schema(v) for k, v in schema.items()}
        if isinstance(out.get("type"), str):
            out["type"] = _TYPES.get(out["type"], out["type"])
        return out
    if isinstance(schema, list):
        return [to_json_schema(v) for v in schema]
    return schema


def to_tool(function: dict[str, Any], server: str) -> dict[str, Any]:
    """A BFCL function as an MCP-shaped tool."""
    return {
        "name": function["name"],
        "description": function.get("description", ""),
        "inputSchema": to_json_schema(function.get("parameters") or {"type": "object", "properties": {}}),
        "server": server,
    }


def question_text(entry: dict[str, Any]) -> str:
    """What the user said: every user message of every turn (system prompts are left out)."""
    texts = [
        m.get("content", "")
        for turn in entry.get("question", [])
        for m in turn
        if isinstance(m, dict) and m.get("role") == "user"
    ]
    return "\n".join(t for t in texts if isinstance(t, str) and t)


def read_wheel(wheel: Path) -> tuple[Tools, list[Query], Tools, list[Query], Tools]:
    """(pool tools, labelled queries, irrelevance tools, irrelevance queries, labelled lists) from
    the wheel. The last holds each labelled query's own candidate list, as a server named after
    the query: the abstain rule is tuned on those lists against the irrelevance queries' lists,
    so that both sides choose among a handful of candidates."""
    tools: dict[str, dict[str, Any]] = {}
    lists: list[dict[str, Any]] = []
    queries: list[Query] = []
    irrelevance_tools: list[dict[str, Any]] = []
    irrelevant: list[Query] = []
    with zipfile.ZipFile(wheel) as archive:
        for category in LABELLED:
            entries = _json_lines(archive, f"bfcl_eval/data/BFCL_v4_{category}.json")
            answer_file = f"bfcl_eval/data/possible_answer/BFCL_v4_{category}.json"
            answers = {a["id"]: a for a in _json_lines(archive, answer_file)}
            for entry in entries:
                for function in entry["function"]:
                    tools.setdefault(function["name"], to_tool(function, POOL_SERVER))
                lists.extend(_candidate_list(entry))
                gold = dict.fromkeys(name for call in answers[entry["id"]]["ground_truth"] for name in call)
                queries.append(Query(entry["id"], question_text(entry), tuple(gold), category))
        for category in IRRELEVANCE:
            for entry in _json_lines(archive, f"bfcl_eval/data/BFCL_v4_{category}.json"):
                irrelevance_tools.extend(_candidate_list(entry))
                irrelevant.append(Query(entry["id"], question_text(entry), (), category, (entry["id"],)))
    return list(tools.values()), queries, irrelevance_tools, irrelevant, lists


def _candidate_list(entry: dict[str, Any]) -> list[dict[str, Any]]:
    """A query's own candidate functions as tools of a server named after the query."""
    out: dict[str, dict[str, Any]] = {}
    for function in entry["function"]:
        out.setdefault(function["name"], to_tool(function, entry["id"]))  # a few lists repeat one
    return list(out.values())


def converted_files(folder: Path, *, download: bool = False) -> tuple[Path, Path, Path, Path, Path]:
    """Paths of the converted files, made once from the wheel: tools, queries, irrelevance tools,
    irrelevance queries, and the labelled queries' own candidate lists (servers named after the
    queries)."""
    paths = (
        folder / "tools.json",
        folder / "queries.jsonl",
        folder / "irrelevance_tools.json",
        folder / "irrelevance_queries.jsonl",
        folder / "labelled_lists_tools.json",
    )
    if not all(p.exists() for p in paths):
        tools, queries, irrelevance_tools, irrelevant, lists = read_wheel(
            wheel_path(folder, download=download)
        )
        write_tools(paths[0], tools)
        write_queries(paths[1], queries)
        write_tools(paths[2], irrelevance_tools)
        write_queries(paths[3], irrelevant)
        write_tools(paths[4], lists)
    return paths
