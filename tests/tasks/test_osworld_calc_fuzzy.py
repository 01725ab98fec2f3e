"""compare_table's ``sheet_fuzzy`` rule on workbooks LibreOffice Calc saved (built with openpyxl,
then opened and saved as xlsx by a headless LibreOffice): ranges of cells compared as cleaned-up
text by equality, inclusion or fuzzy similarity; malformed fuzzy rules refused at load."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from palaestra.tasks.desktop.osworld import OSWorldTaskError, UnsupportedEvaluatorError, load_task
from palaestra.tasks.desktop.osworld.calc_metrics import compare_table

from .test_osworld_calc_objects import saved_by_libreoffice


def addresses(*rows: list[Any]) -> openpyxl.Workbook:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    return book


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    day = datetime.date(2024, 3, 1)
    books = {
        "want": addresses(
            ["Name", "Street", "Since"], ["Ann", "12 Main Road", day], ["Bob", "(3 Oak St)", 10]
        ),
        "got": addresses(
            ["name", "Street", "Since"],
            ["Ann", "12 main rd.", day],
            ["Bob", "+ 3 Oak St", 10.0],
            [None, None, 1],
        ),
    }
    return saved_by_libreoffice(books, tmp_path_factory.mktemp("fuzzy"))


def fuzzy(saved: dict[str, Path], **rule: Any) -> float:
    rules = [{"type": "sheet_fuzzy", "sheet_idx0": 0, "sheet_idx1": "EI0", "rules": [rule]}]
    return compare_table(saved["got"], saved["want"], rules=rules)


def test_cells_compare_as_cleaned_up_text(saved: dict[str, Path]) -> None:
    assert fuzzy(saved, range=["A1"], type="exact_match") == 0.0  # "name" and "Name"
    assert fuzzy(saved, range=["A1"], type="exact_match", ignore_case=True) == 1.0
    street = {"range": ["B2"], "ignore_case": True, "trim_trailings": "."}
    assert fuzzy(saved, **street, type="exact_match") == 0.0
    assert fuzzy(saved, **street, type="exact_match", normalization=[["rd", "road"]]) == 1.0
    assert fuzzy(saved, **street, type="fuzzy_match") == 1.0  # "12 main rd" is 91 like "12 main road"
    assert fuzzy(saved, **street, type="fuzzy_match", threshold=95) == 0.0
    assert fuzzy(saved, range="B3", type="exact_match", ignore_chars="()+ ") == 1.0
    assert fuzzy(saved, range="B3", type="includes", trim_leadings="+ ") == 0.0  # no brackets
    assert fuzzy(saved, range="B3", type="included_by", trim_leadings="+ ") == 1.0
    # a date is its serial day and 10 is 10.0 in both; C4 is empty ("None") in one, "1.0" in the other
    assert fuzzy(saved, range=["C2:C3"], type="exact_match") == 1.0
    assert fuzzy(saved, range=["C2:C4"], type="exact_match") == 0.0


def task_file(folder: Path, rules: Any) -> Path:
    (folder / "files").mkdir(exist_ok=True)
    openpyxl.Workbook().save(folder / "files" / "want.xlsx")
    rule = {"type": "sheet_fuzzy", "sheet_idx0": 0, "sheet_idx1": "EI0", "rules": rules}
    evaluator = {"func": "compare_table", "result": {"type": "vm_file", "path": "/home/user/a.xlsx"},
                 "expected": {"type": "cloud_file", "path": "files/want.xlsx"},
                 "options": {"rules": [rule]}}  # fmt: skip
    data = {"id": "calc", "snapshot": "libreoffice_calc", "instruction": "Do it.", "evaluator": evaluator,
            "config": [{"type": "open", "parameters": {"path": "/home/user/a.xlsx"}}]}  # fmt: skip
    (folder / "task.json").write_text(json.dumps(data))
    return folder / "task.json"


OK = {"range": ["A1:B6"], "type": "exact_match"}
REFUSED = [
    ([], OSWorldTaskError, 'sheet_fuzzy needs "rules"'),
    ([{**OK, "type": "fuzzy"}], UnsupportedEvaluatorError, "type `fuzzy`.*`fuzzy_match`"),
    ([{**OK, "ignorecase": True}], UnsupportedEvaluatorError, "key `ignorecase`.*`ignore_case`"),
    ([{**OK, "range": ["A1:B"]}], OSWorldTaskError, "is cell ranges"),
    ([{**OK, "threshold": True}], OSWorldTaskError, "`threshold` takes number"),
    ([{**OK, "ignore_case": "yes"}], OSWorldTaskError, "`ignore_case` takes true or false"),
    ([{**OK, "normalization": [["Rd"]]}], OSWorldTaskError, r'\[\["from", "to"\], ...\]'),
]


@pytest.mark.parametrize(("rules", "error", "message"), REFUSED)
def test_malformed_fuzzy_rules_are_refused_at_load(
    tmp_path: Path, rules: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        load_task(task_file(tmp_path, rules))
    load_task(
        task_file(
            tmp_path, [OK, {**OK, "type": "fuzzy_match", "threshold": 90, "normalization": [["a", "b"]]}]
        )
    )
