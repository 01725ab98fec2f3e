"""Data for the routing benchmark: BFCL v4 turned into one pooled tool registry plus labelled queries.

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
fetches once into the cache; nothing is installed.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from palaestra.routing.history import Route
from palaestra.routing.records import ApiRecord

DEFAULT_CACHE = Path(".cache/bench/bfcl")
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


@dataclass(frozen=True)
class Query:
    """One benchmark query. Empty `gold` means nothing should fit; `servers` is a pre-filter."""

    id: str
    text: str
    gold: tuple[str, ...]
    category: str = ""
    servers: tuple[str, ...] = ()


def wheel_path(cache: Path) -> Path:
    """The cached bfcl-eval wheel, downloaded (no dependencies, not installed) when missing."""
    found = sorted(cache.glob("bfcl_eval-*.whl"))
    if not found:
        cache.mkdir(parents=True, exist_ok=True)
        print(f"downloading the bfcl-eval wheel into {cache} ...", file=sys.stderr, flush=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "bfcl-eval", "--no-deps", "-d", str(cache), "-q"],
            check=True,
        )
        found = sorted(cache.glob("bfcl_eval-*.whl"))
    if not found:
        raise FileNotFoundError(f"no bfcl_eval-*.whl in {cache} after pip download")
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


Tools = list[dict[str, Any]]


def load_bfcl(cache: Path = DEFAULT_CACHE) -> tuple[Tools, list[Query], Tools, list[Query], Tools]:
    """(pool tools, labelled queries, irrelevance tools, irrelevance queries, labelled lists) from
    the wheel. The last holds each labelled query's own candidate list, as a server named after
    the query: the abstain rule is tuned on those lists against the irrelevance queries' lists,
    so that both sides choose among a handful of candidates."""
    tools: dict[str, dict[str, Any]] = {}
    lists: list[dict[str, Any]] = []
    queries: list[Query] = []
    irrelevance_tools: list[dict[str, Any]] = []
    irrelevant: list[Query] = []
    with zipfile.ZipFile(wheel_path(cache)) as archive:
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


def write_tools(path: Path, tools: list[dict[str, Any]]) -> None:
    path.write_text(json.dumps(tools, indent=1), encoding="utf-8")


def write_queries(path: Path, queries: Iterable[Query]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for q in queries:
            row: dict[str, Any] = {"id": q.id, "query": q.text, "gold": list(q.gold), "category": q.category}
            if q.servers:
                row["servers"] = list(q.servers)
            handle.write(json.dumps(row) + "\n")


def read_tools(path: Path) -> list[dict[str, Any]]:
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


def bfcl_files(cache: Path = DEFAULT_CACHE) -> tuple[Path, Path, Path, Path, Path]:
    """Paths of the converted files, made once: tools, queries, irrelevance tools, irrelevance
    queries, and the labelled queries' own candidate lists (servers named after the queries)."""
    paths = (
        cache / "tools.json",
        cache / "queries.jsonl",
        cache / "irrelevance_tools.json",
        cache / "irrelevance_queries.jsonl",
        cache / "labelled_lists_tools.json",
    )
    if not all(p.exists() for p in paths):
        tools, queries, irrelevance_tools, irrelevant, lists = load_bfcl(cache)
        write_tools(paths[0], tools)
        write_queries(paths[1], queries)
        write_tools(paths[2], irrelevance_tools)
        write_queries(paths[3], irrelevant)
        write_tools(paths[4], lists)
    return paths
