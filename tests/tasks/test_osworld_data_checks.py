"""OSWorld's checks of an app's data files, on real files: ``run_sqlite3`` on a real SQLite database
(in WAL mode, with a commit still in its log; a query that tries to ATTACH a file is denied and
scores 0), and ``check_json`` on JSON and YAML settings files; their rules are checked at load."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from palaestra.tasks.desktop.osworld import OSWorldTaskError, load_task
from palaestra.tasks.desktop.osworld.data_checks import check_json, run_sqlite3
from palaestra.tasks.desktop.osworld.getters import FilePath

STARRED = "SELECT COUNT(*) = 2 FROM messages WHERE starred = 1"


def index(folder: Path) -> tuple[FilePath, sqlite3.Connection]:
    """A message index as Thunderbird keeps it: WAL mode, held open, the last commit in the log."""
    path = folder / "global-messages-db.sqlite"
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA wal_autocheckpoint=0")
    db.execute("CREATE TABLE messages (id INTEGER PRIMARY KEY, subject TEXT, starred INTEGER)")
    db.executemany("INSERT INTO messages (subject, starred) VALUES (?, ?)", [("a", 1), ("b", 0), ("c", 0)])
    db.commit()
    return FilePath(str(path)), db


def test_run_sqlite3_scores_by_the_querys_first_value_reading_the_write_ahead_log(tmp_path: Path) -> None:
    path, db = index(tmp_path)
    try:
        assert run_sqlite3(path, {"sql": STARRED}) == 0.0
        db.execute("UPDATE messages SET starred = 1 WHERE subject = 'b'")
        db.commit()  # still only in the -wal file: the database file itself is unchanged
        assert (tmp_path / "global-messages-db.sqlite-wal").stat().st_size > 0
        assert run_sqlite3(path, {"sql": STARRED}) == 1.0
        assert run_sqlite3(path, {"sql": "SELECT NULL"}) == 0.0
        assert run_sqlite3(path, {"sql": "SELECT * FROM no_such_table"}) == 0.0
        assert run_sqlite3(FilePath(str(tmp_path / "absent.sqlite")), {"sql": STARRED}) == 0.0
    finally:
        db.close()


def test_run_sqlite3_may_not_attach_other_files(tmp_path: Path) -> None:
    path, db = index(tmp_path)
    db.close()
    planted = tmp_path / "planted.db"
    sql = f"ATTACH DATABASE '{planted}' AS other"
    assert run_sqlite3(path, {"sql": sql}) == 0.0
    assert not planted.exists()


SETTINGS = {"editor": {"fontSize": 16, "rulers": [80, 100]}, "theme": "Solarized Light"}


@pytest.mark.parametrize("is_yaml", [False, True])
def test_check_json_matches_values_at_key_paths(tmp_path: Path, is_yaml: bool) -> None:
    path = tmp_path / ("settings.yaml" if is_yaml else "settings.json")
    path.write_text(json.dumps(SETTINGS))  # JSON is YAML too
    right = {
        "expect": [
            {"key": ["editor", "fontSize"], "method": "eq", "ref": 16},
            {"key": ["editor", "rulers", 1], "method": "ge", "ref": 100},
            {"key": ["theme"], "method": "re.I", "ref": "^solarized"},
        ],
        "unexpect": [{"key": ["workbench", "colorTheme"], "method": "eq", "ref": "Default Dark+"}],
    }
    assert check_json(FilePath(str(path)), right, is_yaml) == 1.0
    wrong_value = {"expect": [{"key": ["editor", "fontSize"], "method": "eq", "ref": 14}]}
    missing_key = {"expect": [{"key": ["editor", "tabSize"], "method": "eq", "ref": 4}]}
    unexpected = {"unexpect": [{"key": ["theme"], "method": "eq", "ref": "Solarized Light"}]}
    for rules in (wrong_value, missing_key, unexpected):
        assert check_json(FilePath(str(path)), rules, is_yaml) == 0.0
    assert check_json(FilePath(str(tmp_path / "absent.json")), right) == 0.0


def task(func: str, rules: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "data-check",
        "snapshot": "os",
        "instruction": "Star two messages.",
        "config": [{"type": "launch", "parameters": {"command": ["galculator"]}}],
        "related_apps": ["os"],
        "evaluator": {
            "func": func,
            "result": {"type": "vm_file", "path": "/home/user/data.db", "dest": "data.db"},
            "expected": {"type": "rule", "rules": rules},
        },
    }


@pytest.mark.parametrize(
    ("func", "rules", "message"),
    [
        ("run_sqlite3", {"query": "SELECT 1"}, "run_sqlite3 takes"),
        ("check_json", {"expect": [{"key": "editor", "method": "eq", "ref": 1}]}, "expect\\[0\\]"),
        ("check_json", {"expect": [{"key": ["a"], "method": "equals", "ref": 1}]}, "method"),
    ],
)
def test_their_rules_are_checked_at_load(
    tmp_path: Path, func: str, rules: dict[str, Any], message: str
) -> None:
    path = tmp_path / "task.json"
    path.write_text(json.dumps(task(func, {"sql": STARRED} if func == "run_sqlite3" else {"expect": []})))
    load_task(path)
    path.write_text(json.dumps(task(func, rules)))
    with pytest.raises(OSWorldTaskError, match=message):
        load_task(path)
