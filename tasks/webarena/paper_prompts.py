"""WebArena's own grader prompts, read at run time from libwebarena's wheel (never copied here).

WebArena grades free-text answers with two LLM prompts, built in
``webarena/evaluation_harness/helper_functions.py`` by ``llm_fuzzy_match`` (is the answer the same
as the reference?) and ``llm_ua_match`` (is the agent's reason for giving up the task's real one?).
The ``paper`` column must send exactly those. Their text is WebArena's, so it stays in WebArena's
package: ``scripts/setup`` keeps libwebarena's wheel (``pip download --no-deps``; its imports pin an
old Playwright, so it is never installed or imported) and this module parses the two functions with
``ast``: the ``message`` string they build (constants, f-strings and ``+=``, in order) becomes a
``str.format`` template over the function's parameters, the system message and the sampling
(``temperature``, ``max_tokens``) are read from the same function. A wheel whose functions no longer
have that shape is an error that says so, never a silently different prompt.
"""

from __future__ import annotations

import ast
import functools
import string
import zipfile
from dataclasses import dataclass
from pathlib import Path

from palaestra.errors import PalaestraError
from palaestra.tasks.webarena.official import LIBWEBARENA, LIBWEBARENA_WHEEL, kept_wheel

MEMBER = "webarena/evaluation_harness/helper_functions.py"
FUNCTIONS = ("llm_fuzzy_match", "llm_ua_match")


class PaperPromptsError(PalaestraError, RuntimeError):
    """WebArena's grader prompts cannot be read: its wheel is missing or its functions changed shape."""


@dataclass(frozen=True)
class PaperPrompt:
    """One of WebArena's grader prompts: ``user`` is a ``str.format`` template over ``fields``."""

    name: str
    system: str
    user: str
    fields: tuple[str, ...]
    temperature: float
    max_tokens: int | None

    def messages(self, **values: str) -> list[dict[str, str]]:
        missing = set(self.fields) - set(values)
        if missing:
            raise PaperPromptsError(f"{self.name}'s prompt needs {sorted(missing)}")
        user = self.user.format(**{k: values[k] for k in self.fields})
        return [{"role": "system", "content": self.system}, {"role": "user", "content": user}]


@dataclass(frozen=True)
class PaperPrompts:
    fuzzy: PaperPrompt
    unachievable: PaperPrompt
    #: The wheel the prompts were read from, e.g. ``libwebarena-0.0.5-py3-none-any.whl``.
    source: str


def _escaped(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def _template(node: ast.expr, where: str) -> str:
    """A string expression of the function as a template: constants kept, ``{name}`` for names."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return _escaped(node.value)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _template(node.left, where) + _template(node.right, where)
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            if isinstance(value, ast.FormattedValue):
                if not isinstance(value.value, ast.Name) or value.conversion != -1 or value.format_spec:
                    raise PaperPromptsError(f"{where}: an f-string field other than a plain name")
                parts.append("{" + value.value.id + "}")
            else:
                parts.append(_template(value, where))
        return "".join(parts)
    raise PaperPromptsError(f"{where}: the prompt is built from {type(node).__name__}, not strings")


def _system_message(node: ast.expr, where: str) -> str:
    """The system message of ``messages = [{"role": "system", "content": ...}, {"role": "user", ...}]``."""
    roles: dict[str, ast.expr] = {}
    for item in node.elts if isinstance(node, ast.List) else []:
        if isinstance(item, ast.Dict):
            entry = {
                k.value: v for k, v in zip(item.keys, item.values, strict=True) if isinstance(k, ast.Constant)
            }
            role = entry.get("role")
            if isinstance(role, ast.Constant) and "content" in entry:
                roles[str(role.value)] = entry["content"]
    user = roles.get("user")
    if "system" not in roles or not (isinstance(user, ast.Name) and user.id == "message"):
        raise PaperPromptsError(f"{where}: `messages` is not a system message and the user's `message`")
    return _template(roles["system"], where)


def _sampling(tree: ast.FunctionDef) -> dict[str, float]:
    """The constant keyword arguments (temperature, max_tokens...) of the function's model call."""
    out: dict[str, float] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and any(k.arg == "temperature" for k in node.keywords):
            for keyword in node.keywords:
                value = keyword.value
                if keyword.arg and isinstance(value, ast.Constant) and isinstance(value.value, int | float):
                    out[keyword.arg] = value.value
    return out


def _assigned(statement: ast.stmt) -> tuple[str, ast.expr] | None:
    """(name, value) of ``name = value`` or ``name += value``; None for other statements."""
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
        target, value = statement.targets[0], statement.value
    elif isinstance(statement, ast.AugAssign):
        target, value = statement.target, statement.value
    else:
        return None
    return (target.id, value) if isinstance(target, ast.Name) else None


def read_prompt(tree: ast.FunctionDef) -> PaperPrompt:
    where = f"{MEMBER}:{tree.name}"
    user: str | None = None
    system: str | None = None
    for statement in tree.body:
        assigned = _assigned(statement)
        if assigned is None:
            continue
        name, value = assigned
        if name == "message" and isinstance(statement, ast.AugAssign):
            if user is None or not isinstance(statement.op, ast.Add):
                raise PaperPromptsError(f"{where}: `message` grows before it is set, or not by +=")
            user += _template(value, where)
        elif name == "message":
            user = _template(value, where)
        elif name == "messages":
            system = _system_message(value, where)
    if user is None or system is None:
        raise PaperPromptsError(f"{where}: no `message` prompt or no `messages` list found")
    parameters = {a.arg for a in tree.args.args}
    fields = tuple(dict.fromkeys(f for _, f, _, _ in string.Formatter().parse(user) if f))
    if not set(fields) <= parameters:
        raise PaperPromptsError(
            f"{where}: the prompt names {sorted(set(fields) - parameters)}, not parameters"
        )
    sampling = _sampling(tree)
    max_tokens = sampling.get("max_tokens")
    return PaperPrompt(
        name=tree.name, system=system, user=user, fields=fields,
        temperature=float(sampling.get("temperature", 0.0)),
        max_tokens=None if max_tokens is None else int(max_tokens),
    )  # fmt: skip


def prompts_from_source(source: str, origin: str = MEMBER) -> PaperPrompts:
    functions = {
        node.name: node for node in ast.parse(source).body if isinstance(node, ast.FunctionDef)
    }  # fmt: skip
    missing = [name for name in FUNCTIONS if name not in functions]
    if missing:
        raise PaperPromptsError(f"{origin} has no {', '.join(missing)}: not the libwebarena this reads")
    return PaperPrompts(read_prompt(functions[FUNCTIONS[0]]), read_prompt(functions[FUNCTIONS[1]]), origin)


@functools.cache
def paper_prompts(wheel: Path | None = None) -> PaperPrompts:
    """The two prompts of the kept libwebarena wheel (``wheel`` to read another one)."""
    wheel = wheel or kept_wheel(LIBWEBARENA_WHEEL)
    if wheel is None:
        raise PaperPromptsError(
            "The paper column's LLM grader reads WebArena's prompts from libwebarena's wheel, which is "
            "missing. Run ./scripts/setup (or: pip download --no-deps -d .venv/share/palaestra "
            f"{LIBWEBARENA}), or leave PALAESTRA_FUZZY_JUDGE unset."
        )
    with zipfile.ZipFile(wheel) as archive:
        try:
            source = archive.read(MEMBER).decode()
        except KeyError:
            raise PaperPromptsError(f"{wheel.name} has no {MEMBER}: not the libwebarena this reads") from None
    return prompts_from_source(source, wheel.name)
