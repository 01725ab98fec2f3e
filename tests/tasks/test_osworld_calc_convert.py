"""compare_table on workbooks saved as .ods and .xls, and its ``sheet_print`` rule, on real files:
workbooks written with openpyxl, then turned into .ods, .xls and CSV exports by the real LibreOffice
(headless, a profile of its own), the CSV with the filter string OSWorld's postconfig uses; and task
files naming them that load and judge."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from palaestra.tasks.desktop.base import DesktopOutcome
from palaestra.tasks.desktop.live_steps import RunCommand
from palaestra.tasks.desktop.osworld import (
    OSWorldTaskError,
    UnsupportedEvaluatorError,
    calc_convert,
    calc_rules,
    load_task,
)
from palaestra.tasks.desktop.osworld.calc_metrics import compare_table

ROWS: list[list[Any]] = [["Item", "Price", "Qty"], ["pen", 2.5, 10], ["cup", 4, 3]]
VARIANTS: dict[str, list[list[Any]]] = {
    "want": ROWS,
    "same": ROWS,
    "off": [*ROWS[:2], ["cup", 4, 3.001]],
}
#: OSWorld's postconfig export: comma-separated, quoted by ", UTF-8, cells as shown, the first sheet.
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,UTF-8,,,,false,true,true,false,false,1"
SHEET = "Sales"
DATA = [{"type": "sheet_data", "sheet_idx0": 0, "sheet_idx1": "EI0"}]
PRINT = [{"type": "sheet_print", "sheet_idx0": 0, "sheet_idx1": "EI0"}]


def soffice(folder: Path, *args: str) -> None:
    """Run the real LibreOffice headless, with a profile of its own in ``folder``."""
    office = shutil.which("soffice")
    assert office, "LibreOffice (soffice) is part of the desktop image"
    profile = f"-env:UserInstallation={(folder / 'profile').as_uri()}"
    subprocess.run([office, profile, "--headless", *args], check=True, timeout=300, capture_output=True)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Each variant as ``name.xlsx`` (openpyxl), ``name.ods`` and ``name.xls`` (LibreOffice), and
    ``name-Sales.csv``, LibreOffice's export of its sheet beside it."""
    folder = tmp_path_factory.mktemp("books")
    for name, rows in VARIANTS.items():
        book = openpyxl.Workbook()
        book.active.title = SHEET
        for row in rows:
            book.active.append(row)
        book.save(folder / f"{name}.xlsx")
    books = sorted(str(folder / f"{name}.xlsx") for name in VARIANTS)
    for target in ("ods", "xls", CSV_FILTER):
        soffice(folder, "--convert-to", target, "--outdir", str(folder), *books)
    for name in VARIANTS:
        for made in (f"{name}.ods", f"{name}.xls", f"{name}-{SHEET}.csv"):
            assert (folder / made).is_file(), made
    return folder


@pytest.mark.parametrize("kind", ["ods", "xls"])
def test_ods_and_xls_workbooks_are_judged_through_an_xlsx_copy(files: Path, kind: str) -> None:
    want = files / "want.xlsx"
    assert compare_table(files / f"same.{kind}", want, rules=DATA) == 1.0
    assert compare_table(files / f"off.{kind}", want, rules=DATA) == 0.0
    names = [{"type": "sheet_name"}]
    assert compare_table(files / f"same.{kind}", files / f"want.{kind}", rules=names) == 1.0
    assert compare_table(files / "same.xlsx", files / f"want.{kind}", rules=DATA) == 1.0  # the gold too
    three = {"value": {"method": "eq", "ref": 3}}
    cell = {"type": "check_cell", "sheet_idx": 0, "coordinate": "C3", "props": three}
    assert compare_table(files / f"same.{kind}", None, rules=[cell]) == 1.0
    assert compare_table(files / f"off.{kind}", None, rules=[cell]) == 0.0


def test_a_missing_or_unconvertible_workbook_scores_0(files: Path, tmp_path: Path) -> None:
    want = files / "want.xlsx"
    assert compare_table(tmp_path / "none.ods", want, rules=DATA) == 0.0
    assert compare_table(files / "same.ods", tmp_path / "none.xls", rules=DATA) == 0.0
    (tmp_path / "broken.ods").write_bytes((files / "same.ods").read_bytes()[:200])  # half written
    assert compare_table(tmp_path / "broken.ods", want, rules=DATA) == 0.0
    with pytest.raises(calc_convert.ConversionFailed, match="no such file"):
        calc_convert.as_xlsx(tmp_path / "none.ods", tmp_path / "work")


def test_a_conversion_over_its_time_is_stopped_and_scores_0(
    files: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calc_convert.forget_conversions()  # an earlier test's copy of same.ods would spare LibreOffice
    monkeypatch.setattr(calc_convert, "TIMEOUT", 0.01)  # LibreOffice needs far longer to start
    with pytest.raises(calc_convert.ConversionFailed, match="took over"):
        calc_convert.as_xlsx(files / "same.ods", tmp_path / "work")
    assert compare_table(files / "same.ods", files / "want.xlsx", rules=DATA) == 0.0


def test_a_file_converted_before_is_copied_without_libreoffice_and_a_changed_one_is_not(
    files: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calc_convert.forget_conversions()
    book = tmp_path / "book.ods"
    shutil.copy(files / "same.ods", book)
    first = calc_convert.as_xlsx(book, tmp_path / "one")
    monkeypatch.setattr(calc_convert, "SOFFICE", str(tmp_path / "no-office"))  # a run would fail now
    again = calc_convert.as_xlsx(book, tmp_path / "two")
    assert again != first and again.read_bytes() == first.read_bytes()
    assert compare_table(book, files / "want.xlsx", rules=DATA) == 1.0
    shutil.copy(files / "off.ods", book)  # other bytes under the same name
    with pytest.raises(calc_convert.ConversionFailed, match="could not run"):
        calc_convert.as_xlsx(book, tmp_path / "three")
    shutil.copy(files / "same.xls", tmp_path / "book.xls")  # the same values in another file
    with pytest.raises(calc_convert.ConversionFailed, match="could not run"):
        calc_convert.as_xlsx(tmp_path / "book.xls", tmp_path / "four")


def test_sheet_print_reads_the_export_beside_an_ods_or_xls_workbook(files: Path, tmp_path: Path) -> None:
    """The sheet's name comes from the converted copy, the CSV from beside the file as given
    (`test_osworld_calc_print` covers the rule itself on xlsx workbooks)."""
    want = files / "want.xlsx"
    for kind in ("ods", "xls"):
        assert compare_table(files / f"same.{kind}", want, rules=PRINT) == 1.0, kind
        assert compare_table(files / f"off.{kind}", want, rules=PRINT) == 0.0, kind  # 3.001 printed so
    by_name = {"type": "sheet_print", "sheet_idx0": f"RN{SHEET}", "sheet_idx1": f"EN{SHEET}"}
    assert compare_table(files / "same.ods", files / "want.ods", rules=[by_name]) == 1.0
    shutil.copy(files / "same.ods", tmp_path / "unexported.ods")  # the same values, never exported
    assert compare_table(tmp_path / "unexported.ods", want, rules=PRINT) == 0.0
    assert compare_table(tmp_path / "none.ods", want, rules=PRINT) == 0.0


def task_file(folder: Path, files: Path, evaluator: dict[str, Any]) -> Path:
    """A task file whose ``files/`` folder holds the gold workbooks and their CSV exports."""
    (folder / "files").mkdir(exist_ok=True)
    for name in ("want.xlsx", "want.ods", f"want-{SHEET}.csv"):
        shutil.copy(files / name, folder / "files" / name)
    data = {
        "id": "calc-print",
        "snapshot": "libreoffice_calc",
        "instruction": "Fill in the table.",
        "config": [{"type": "open", "parameters": {"path": "/home/user/a.xlsx"}}],
        "related_apps": ["libreoffice_calc"],
        "evaluator": evaluator,
    }
    (folder / "task.json").write_text(json.dumps(data))
    return folder / "task.json"


EXPORT = ["libreoffice", "--convert-to", CSV_FILTER, "--outdir", "/home/user", "/home/user/a.xlsx"]
PRINTED = {
    "postconfig": [{"type": "execute", "parameters": {"command": EXPORT}}],
    "func": "compare_table",
    "result": {"type": "vm_file", "path": ["/home/user/a.xlsx", f"/home/user/a-{SHEET}.csv"],
               "dest": ["a.xlsx", f"a-{SHEET}.csv"], "multi": True},
    "expected": {"type": "cloud_file", "path": ["files/want.xlsx", f"files/want-{SHEET}.csv"],
                 "dest": ["want.xlsx", f"want-{SHEET}.csv"], "multi": True},
    "options": {"rules": PRINT},
}  # fmt: skip


def test_a_sheet_print_tasks_postconfig_export_runs_in_home(files: Path, tmp_path: Path) -> None:
    task = load_task(task_file(tmp_path, files, PRINTED))
    assert task.spec.judge.final_steps == (RunCommand(tuple(EXPORT)),)  # /home/user stands for HOME


def test_a_task_on_an_ods_workbook_loads_and_judges_it(files: Path, tmp_path: Path) -> None:
    evaluator = {
        "func": "compare_table",
        "result": {"type": "vm_file", "path": "/home/user/a.ods", "dest": "a.ods"},
        "expected": {"type": "cloud_file", "path": "files/want.ods", "dest": "want.ods"},
        "options": {"rules": DATA},
    }
    task = load_task(task_file(tmp_path, files, evaluator))
    home = tmp_path / "home"
    home.mkdir()
    outcome = DesktopOutcome(home=home, elements=[], windows=[], messages=[])
    assert task.evaluate(outcome).reward == 0.0  # nothing saved
    shutil.copy(files / "off.ods", home / "a.ods")
    assert task.evaluate(outcome).reward == 0.0
    shutil.copy(files / "same.ods", home / "a.ods")
    assert task.evaluate(outcome).success


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({**PRINT[0], "ignore_case": "yes"}, "`ignore_case` is true or false"),
        ({**PRINT[0], "ignore_cases": True}, "`ignore_cases`.*Did you mean: `ignore_case`"),
        ({"type": "sheet_print", "sheet_idx0": 0}, r"needs \['sheet_idx1'\]"),
    ],
)
def test_a_misspelt_sheet_print_rule_is_refused_at_load(
    files: Path, tmp_path: Path, rule: dict[str, Any], message: str
) -> None:
    with pytest.raises(OSWorldTaskError, match=message):
        load_task(task_file(tmp_path, files, {**PRINTED, "options": {"rules": [rule]}}))


def test_a_rule_known_not_to_be_judged_is_refused_with_its_reason(
    files: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No OSWorld rule is refused today; one added later goes in REFUSED_RULES with its reason."""
    monkeypatch.setitem(calc_rules.REFUSED_RULES, "sheet_printout", "it needs a printer")
    rule = {"type": "sheet_printout", "sheet_idx0": 0, "sheet_idx1": "EI0"}
    with pytest.raises(UnsupportedEvaluatorError, match=r"rule `sheet_printout` \(it needs a printer\)"):
        load_task(task_file(tmp_path, files, {**PRINTED, "options": {"rules": [rule]}}))
