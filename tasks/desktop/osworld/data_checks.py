"""OSWorld's checks of an app's data files, written afresh with the same names, arguments and
semantics: ``run_sqlite3`` scores a task by one SQL query on a database the task leaves (OSWorld
asks Thunderbird's message index which mails are starred, for example), and ``check_json`` walks
key paths of a JSON (or, with ``is_yaml``, YAML) file and matches each value with a rule's method
(``eq``, ``re``, ``approx:T``... as `calc_match` reads them). A missing file scores 0."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from palaestra.tasks.desktop.osworld.calc_match import METHODS, match_value, method_ok
from palaestra.tasks.desktop.osworld.errors import OSWorldTaskError
from palaestra.tasks.desktop.osworld.getters import FilePath
from palaestra.tasks.desktop.osworld.sqlite_copy import query_copy

#: Where a key path leads nowhere (a missing key, an index past a list's end).
MISSING = object()


def run_sqlite3(result: Any, rules: dict[str, Any]) -> float:
    """The first column of the query's first row, as the score (NULL, no row or a failed query: 0).
    The database is read from a copy inside the episode's HOME (`sqlite_copy`)."""
    if not isinstance(result, FilePath):
        return 0.0
    path = Path(result)  # kept inside HOME by its getter; its companions must sit beside it
    rows = query_copy(path, path.parent, str(rules["sql"]))
    if not rows or not rows[0]:
        return 0.0
    try:
        return float(rows[0][0] or 0)
    except (TypeError, ValueError):
        return 0.0


def check_json(result: Any, rules: dict[str, Any], is_yaml: bool = False) -> float:
    """Every ``expect`` rule's key path exists and its value matches; no ``unexpect`` rule's value
    (where its path exists) does."""
    if not result:
        return 0.0
    try:
        text = Path(str(result)).read_text(encoding="utf-8")
        data = yaml.safe_load(text) if is_yaml else json.loads(text)
    except (OSError, ValueError, yaml.YAMLError):
        return 0.0
    for rule in rules.get("expect", []):
        value = _walk(data, rule["key"])
        if value is MISSING or not match_value(value, rule):
            return 0.0
    for rule in rules.get("unexpect", []):
        value = _walk(data, rule["key"])
        if value is not MISSING and value is not None and match_value(value, rule):
            return 0.0
    return 1.0


def _walk(data: Any, keys: list[Any]) -> Any:
    for key in keys:
        try:
            data = data[key]
        except (KeyError, IndexError, TypeError):
            return MISSING
    return data


def check_sqlite_rules(rules: Any, source: str, where: str) -> None:
    if not isinstance(rules, dict) or not isinstance(rules.get("sql"), str) or not rules["sql"].strip():
        raise OSWorldTaskError(source, where, f'run_sqlite3 takes {{"sql": "SELECT ..."}}, got {rules!r}')


def check_json_rules(rules: Any, source: str, where: str) -> None:
    """``expect``/``unexpect``: lists of ``{"key": [...], "method": ..., "ref": ...}``."""
    if not isinstance(rules, dict) or not set(rules) <= {"expect", "unexpect"}:
        raise OSWorldTaskError(
            source, where, f'check_json takes {{"expect": [...], "unexpect": [...]}}, got {rules!r}'
        )
    for kind, listed in rules.items():
        for i, rule in enumerate(listed if isinstance(listed, list) else [listed]):
            ok = isinstance(rule, dict) and isinstance(rule.get("key"), list) and "ref" in rule
            if not ok or not method_ok(rule.get("method"), rule.get("ref")):
                raise OSWorldTaskError(
                    source,
                    f"{where} {kind}[{i}]",
                    f'must be {{"key": [...], "method": one of {list(METHODS)}, "ref": ...}}, got {rule!r}',
                )
