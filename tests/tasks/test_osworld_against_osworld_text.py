"""Our OSWorld metrics of values, text, CSV, JSON and YAML files, SQLite and the accessibility tree
score as OSWorld's own do (desktop-env 1.0.2's general.py), case by case, a passing and a failing
variant of each (see `osworld_against`). The apps' settings files are in ``..._apps``."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from .osworld_against import Case, Difference, assert_same_scores, path

TREE = (
    '<desktop-frame xmlns:st="https://accessibility.ubuntu.example.org/ns/state" name="main">'
    '<application name="gedit"><frame name="notes.txt - gedit" st:active="true">'
    '<push-button name="Save" st:enabled="true">Save</push-button>'
    '<label name="status">Saved notes.txt</label></frame></application></desktop-frame>'
)


def text(folder: Path, name: str, content: str) -> Path:
    (folder / name).write_text(content, encoding="utf-8")
    return folder / name


def general_cases(d: Path) -> dict[str, Case]:
    lines = text(d, "lines.txt", "alpha\nbeta 10:20:30\ngamma 23:59:59\n")
    other = text(d, "other.txt", "alpha\nbeta\ndelta\n")
    csv_file = text(d, "people.csv", "name,city\nAda,London\nAlan,Wilmslow\n")
    settings = text(d, "settings.json", '{"editor": {"fontSize": 14, "wordWrap": "on"}, "theme": "dark"}')
    yaml_file = text(d, "config.yaml", "server:\n  port: 8080\n  host: localhost\n")
    broken = text(d, "broken.json", '{"theme": ')
    db = d / "data.sqlite"
    with sqlite3.connect(db) as connection:
        connection.execute("CREATE TABLE t (n INTEGER)")
        connection.executemany("INSERT INTO t VALUES (?)", [(1,), (2,)])
    json_rules = {"expect": [{"key": ["editor", "fontSize"], "method": "eq", "ref": 14}]}
    g = "general"
    return {
        "exact_match pass": Case(g, "exact_match", ("done", {"expected": "done"})),
        "exact_match fail": Case(g, "exact_match", ("Done", {"expected": "done"})),
        "match_in_list pass": Case(g, "match_in_list", ("b", {"expected": ["a", "b"]})),
        "match_in_list fail": Case(g, "match_in_list", ("c", {"expected": ["a", "b"]})),
        "is_in_list pass": Case(g, "is_in_list", (["a", "b"], {"expected": "b"})),
        "is_in_list fail": Case(g, "is_in_list", (["a", "b"], {"expected": "c"})),
        "include_exclude pass": Case(
            g, "check_include_exclude", ("ok: 3 files", {"include": ["ok"], "exclude": ["error"]})
        ),
        "include_exclude fail": Case(
            g, "check_include_exclude", ("ok, error", {"include": ["ok"], "exclude": ["error"]})
        ),
        "literal_match str": Case(g, "literal_match", ("Yes", "yes"), {"ignore_case": True}),
        "literal_match str case": Case(g, "literal_match", ("Yes", "yes")),
        "literal_match list": Case(
            g, "literal_match", (["A", 1], ["a", "1"]), {"type": "list", "ignore_case": True}
        ),
        "literal_match list length": Case(g, "literal_match", (["a"], ["a", "b"]), {"type": "list"}),
        "fuzzy_match same": Case(g, "fuzzy_match", ("kitten", {"expected": "kitten"})),
        "fuzzy_match near": Case(g, "fuzzy_match", ("kitten", {"expected": "sitting"})),
        "diff_text_file same": Case(g, "diff_text_file", (path(lines), path(lines))),
        "diff_text_file other": Case(g, "diff_text_file", (path(lines), path(other))),
        "diff_text_file none": Case(g, "diff_text_file", (None, path(other))),
        "check_csv pass": Case(
            g, "check_csv", (path(csv_file), {"expect": [{"name": "Ada", "city": "London"}]})
        ),
        "check_csv unexpected": Case(g, "check_csv", (path(csv_file), {"unexpect": [{"name": "Alan"}]})),
        "check_list pass": Case(
            g, "check_list", (path(lines), {"expect": ["^beta", "gam+a"], "unexpect": ["^zeta"]})
        ),
        "check_list fail": Case(
            g, "check_list", (path(lines), {"expect": ["^beta"], "unexpect": ["^alpha$"]})
        ),
        "check_json eq": Case(g, "check_json", (path(settings), json_rules)),
        "check_json regex": Case(
            g,
            "check_json",
            (path(settings), {"expect": [{"key": ["theme"], "method": "re.I", "ref": "^DARK"}]}),
        ),
        "check_json missing key": Case(
            g,
            "check_json",
            (path(settings), {"expect": [{"key": ["editor", "tabSize"], "method": "eq", "ref": 4}]}),
        ),
        "check_json unexpect": Case(
            g,
            "check_json",
            (path(settings), {"unexpect": [{"key": ["theme"], "method": "eq", "ref": "dark"}]}),
        ),
        "check_json approx": Case(
            g,
            "check_json",
            (
                path(settings),
                {"expect": [{"key": ["editor", "fontSize"], "method": "approx:0.5", "ref": 14.4}]},
            ),
        ),
        "check_json broken": Case(g, "check_json", (path(broken), json_rules)),
        "check_json yaml": Case(
            g,
            "check_json",
            (path(yaml_file), {"expect": [{"key": ["server", "port"], "method": "ge", "ref": 8000}]}),
            {"is_yaml": True},
        ),
        "check_json yaml lt": Case(
            g,
            "check_json",
            (path(yaml_file), {"expect": [{"key": ["server", "port"], "method": "lt", "ref": 8000}]}),
            {"is_yaml": True},
        ),
        "file_contains pass": Case(g, "file_contains", (path(lines), {"expected": ["alpha", "gamma"]})),
        "file_contains fail": Case(g, "file_contains", (path(lines), {"expected": ["alpha", "omega"]})),
        "check_line_number pass": Case(g, "check_line_number", (path(lines), {"expected": "2"})),
        "check_line_number fail": Case(g, "check_line_number", (path(lines), {"expected": 3})),
        "terminal_and_txt pass": Case(g, "compare_terminal_and_txt", (path(other), "alpha\nbeta\ndelta\n")),
        "terminal_and_txt fail": Case(g, "compare_terminal_and_txt", (path(other), "alpha\nbeta\ndelta")),
        "a11y selector": Case(
            g,
            "check_accessibility_tree",
            (
                TREE,
                [
                    {
                        "selectors": ["application[name=gedit] push-button[name=Save]"],
                        "text": "Save",
                        "exact": True,
                    }
                ],
            ),
        ),
        "a11y selector missing": Case(
            g, "check_accessibility_tree", (TREE, [{"selectors": ["push-button[name=Open]"]}])
        ),
        "a11y xpath state": Case(
            g, "check_accessibility_tree", (TREE, [{"xpath": "//frame[@st:active='true']/label"}])
        ),
        "a11y fuzzy text": Case(
            g,
            "check_accessibility_tree",
            (TREE, [{"selectors": ["label"], "text": "Saved notes", "exact": False}]),
        ),
        "run_sqlite3 pass": Case(g, "run_sqlite3", (path(db), {"sql": "SELECT COUNT(*) = 2 FROM t"})),
        "run_sqlite3 fail": Case(g, "run_sqlite3", (path(db), {"sql": "SELECT SUM(n) > 5 FROM t"})),
    }


DIFFERENCES: dict[str, Difference] = {}


def test_general_metrics_score_as_osworlds(tmp_path: Path) -> None:
    assert_same_scores(general_cases(tmp_path), DIFFERENCES)
