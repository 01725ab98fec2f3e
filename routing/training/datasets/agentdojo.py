"""AgentDojo's user tasks as multi-step tool retrieval, read from the `agentdojo` wheel's source.

AgentDojo (ETH Zurich) gives four simulated suites (workspace, slack, travel, banking) with their
tools as documented Python functions, and user tasks whose ground truth is the sequence of tool
calls that solves them ("pay the bill in this file": `read_file`, then `send_money`). We read the
v1 suites' source with `ast` (nothing from the package is imported or run): every tool function
with its docstring and typed parameters becomes a tool in one pooled registry, namespaced by the
module that defines it, and each user task becomes a query whose gold is every distinct tool its
ground truth calls. A task whose prompt is built from values we cannot resolve statically, or whose
ground truth names its tools indirectly, is left out (the converted files say how many remain).
"""

from __future__ import annotations

import ast
import re
import zipfile
from pathlib import Path
from typing import Any

from .base import DEFAULT_CACHE, DataSource, Query, RoutingData
from .files import FileSet, Tools, write_queries, write_tools
from .wheels import cached_wheel

VERSION = "0.1.35"
REQUIREMENT = f"agentdojo=={VERSION}"
PATTERN = "agentdojo-*.whl"
ROOT = "agentdojo/default_suites/v1"
SUITES = ("workspace", "slack", "travel", "banking")
_TYPES = {"str": "string", "int": "integer", "float": "number", "bool": "boolean", "list": "array",
          "dict": "object"}  # fmt: skip
_PARAM = re.compile(r"^\s*:param\s+(\w+):\s*(.*)$")


class AgentDojo(DataSource):
    name = "agentdojo"
    licence = "MIT (the agentdojo package on PyPI)"
    provenance = (
        f"AgentDojo v1 suites' tools and user tasks, source files of the agentdojo {VERSION} wheel "
        "(https://github.com/ethz-spylab/agentdojo)"
    )

    def load(self, cache: Path = DEFAULT_CACHE, *, download: bool = False) -> RoutingData:
        folder = self.folder(cache)
        tools_path, queries_path = folder / "tools.json", folder / "queries.jsonl"
        if not (tools_path.exists() and queries_path.exists()):
            wheel = cached_wheel(folder, REQUIREMENT, PATTERN, download=download, size="0.2 MB")
            tools, queries = read_wheel(wheel)
            write_tools(tools_path, tools)
            write_queries(queries_path, queries)
        return FileSet(tools_path, queries_path).load(self.name)


def read_wheel(wheel: Path) -> tuple[Tools, list[Query]]:
    """The suites' pooled tools (the first definition of a name wins) and their user tasks."""
    with zipfile.ZipFile(wheel) as archive:
        sources = {n: archive.read(n).decode("utf-8") for n in archive.namelist() if n.startswith(ROOT)}
    tools: dict[str, dict[str, Any]] = {}
    for path, text in sorted(sources.items()):
        if path.startswith(f"{ROOT}/tools/") and path.endswith(".py"):
            module = Path(path).stem
            for tool in module_tools(ast.parse(text), module):
                tools.setdefault(tool["name"], tool)
    queries: list[Query] = []
    for suite in SUITES:
        tasks = sources.get(f"{ROOT}/{suite}/user_tasks.py")
        if tasks is not None:
            queries.extend(user_tasks(ast.parse(tasks), suite, set(tools)))
    return list(tools.values()), queries


def module_tools(tree: ast.Module, module: str) -> list[dict[str, Any]]:
    """Public, documented module-level functions with at least one caller-supplied or no parameter,
    as MCP-shaped tools; parameters injected from the environment (`Depends(...)`) are left out."""
    out = []
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef) or node.name.startswith("_"):
            continue
        doc = ast.get_docstring(node)
        if not doc:
            continue
        description, param_docs = split_docstring(doc)
        properties: dict[str, Any] = {}
        required: list[str] = []
        defaults = len(node.args.defaults)
        positional = node.args.args
        for index, arg in enumerate(positional):
            if arg.annotation is not None and "Depends" in ast.unparse(arg.annotation):
                continue
            schema: dict[str, Any] = {"type": json_type(arg.annotation)}
            if arg.arg in param_docs:
                schema["description"] = param_docs[arg.arg]
            properties[arg.arg] = schema
            if index < len(positional) - defaults:
                required.append(arg.arg)
        parameters: dict[str, Any] = {"type": "object", "properties": properties}
        if required:
            parameters["required"] = required
        out.append(
            {"name": node.name, "description": description, "inputSchema": parameters, "server": module}
        )
    return out


def split_docstring(doc: str) -> tuple[str, dict[str, str]]:
    """(the prose before the first `:param`, each `:param name:` text) of a Sphinx-style docstring."""
    prose: list[str] = []
    params: dict[str, str] = {}
    current = None
    for line in doc.splitlines():
        found = _PARAM.match(line)
        if found:
            current = found.group(1)
            params[current] = found.group(2).strip()
        elif current is not None and line.strip() and not line.strip().startswith(":"):
            params[current] += " " + line.strip()
        elif current is None:
            prose.append(line.strip())
        else:
            current = None
    return " ".join(p for p in prose if p), params


def json_type(annotation: ast.expr | None) -> str:
    if annotation is None:
        return "string"
    text = ast.unparse(annotation)
    head = re.split(r"[\[ |]", text, maxsplit=1)[0].strip()
    return _TYPES.get(head, "string")


def user_tasks(tree: ast.Module, suite: str, known: set[str]) -> list[Query]:
    """Each user-task class's prompt and the known tools its `ground_truth` calls by literal name."""
    constants = _string_constants(tree.body, {})
    out = []
    for node in tree.body:
        if not (isinstance(node, ast.ClassDef) and re.fullmatch(r"UserTask\d+", node.name)):
            continue
        scope = _string_constants(node.body, constants)
        prompt = next((_assigned(stmt, "PROMPT") for stmt in node.body if _assigned(stmt, "PROMPT")), None)
        text = _evaluate(prompt, scope) if prompt is not None else None
        truth = next(
            (f for f in node.body if isinstance(f, ast.FunctionDef) and f.name == "ground_truth"), None
        )
        gold = tuple(dict.fromkeys(n for n in _called_functions(truth) if n in known)) if truth else ()
        if text and gold:
            number = node.name.removeprefix("UserTask")
            out.append(Query(f"agentdojo-{suite}-{number}", " ".join(text.split()), gold, suite))
    return out


def _assigned(stmt: ast.stmt, name: str) -> ast.expr | None:
    if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in stmt.targets):
        return stmt.value
    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.target.id == name:
        return stmt.value
    return None


def _string_constants(body: list[ast.stmt], outer: dict[str, str]) -> dict[str, str]:
    """Names bound to strings (literal or f-strings of known names) in `body`, over `outer`'s."""
    scope = dict(outer)
    for stmt in body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            value = _evaluate(stmt.value, scope)
            if value is not None:
                scope[stmt.targets[0].id] = value
    return scope


def _evaluate(node: ast.expr | None, scope: dict[str, str]) -> str | None:
    """A string expression's value when it is a literal, a known name, `self.<known>` or an f-string
    of those (numbers included); None otherwise."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str | int | float):
        return str(node.value)
    if isinstance(node, ast.Name):
        return scope.get(node.id)
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
        return scope.get(node.attr)
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            inner = value.value if isinstance(value, ast.FormattedValue) else value
            found = _evaluate(inner, scope)
            if found is None:
                return None
            parts.append(found)
        return "".join(parts)
    return None


def _called_functions(function: ast.FunctionDef) -> list[str]:
    """The literal `function=` names of every `FunctionCall(...)` in `function` (breadth first)."""
    names = []
    for node in ast.walk(function):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "FunctionCall":
            for keyword in node.keywords:
                if keyword.arg == "function" and isinstance(keyword.value, ast.Constant):
                    names.append(str(keyword.value.value))
    return names
