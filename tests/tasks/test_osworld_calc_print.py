"""``compare_table`` with several files a side (OSWorld's ``"multi": true``: a workbook and its CSV
print) and its ``sheet_print`` rule, on workbooks written with openpyxl and printed to CSV by the
real LibreOffice as OSWorld's postconfig prints them: the getter gives the metric the workbook,
and the rule reads the CSV lying beside it, named after the workbook and the sheet."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from palaestra.tasks.desktop.base import DesktopOutcome
from palaestra.tasks.desktop.osworld import load_task
from palaestra.tasks.desktop.osworld.errors import OSWorldTaskError

#: OSWorld's filter options for the print: comma, quotes, UTF-8, ..., the first sheet (12th token),
#: which LibreOffice writes to "<workbook>-<sheet>.csv".
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,UTF-8,,,,false,true,true,false,false,1"


def workbook(path: Path, rows: list[list[object]], sheet: str = "Sheet1") -> Path:
    book = openpyxl.Workbook()
    book.active.title = sheet
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def print_to_csv(book: Path, profile: Path) -> None:
    """What OSWorld's postconfig runs: LibreOffice prints the first sheet beside the workbook."""
    lo = ["soffice", f"-env:UserInstallation=file://{profile}", "--headless"]
    subprocess.run(
        [*lo, "--convert-to", CSV_FILTER, "--outdir", str(book.parent), str(book)],
        check=True,
        capture_output=True,
        timeout=120,
    )


ROWS = [["Old ID", "New 7 Digit ID"], [123, "0000123"], [4567, "0004567"]]


def task_file(tmp_path: Path, gives: list[int] | None = None, ignore_case: bool = False) -> Path:
    def side(paths: list[str]) -> dict[str, object]:
        spec: dict[str, object] = {"path": paths, "dest": [Path(p).name for p in paths], "multi": True}
        return spec if gives is None else {**spec, "gives": gives}

    rule: dict[str, object] = {"type": "sheet_print", "sheet_idx0": "RNSheet1", "sheet_idx1": "EI0"}
    data = {
        "id": "0bf05a7d-b28b-44d2-955a-50b41e24012a",
        "snapshot": "libreoffice_calc",
        "instruction": "Pad the numbers of the 'Old ID' column with zeros to seven digits.",
        "config": [{"type": "open", "parameters": {"path": "/home/user/ids.xlsx"}}],
        "related_apps": ["libreoffice_calc"],
        "evaluator": {
            "func": "compare_table",
            "result": {"type": "vm_file", **side(["/home/user/ids.xlsx", "/home/user/ids-Sheet1.csv"])},
            "expected": {"type": "cloud_file", **side(["files/ids_gold.xlsx", "files/ids_gold-Sheet1.csv"])},
            "options": {"rules": [{**rule, "ignore_case": True} if ignore_case else rule]},
        },
    }
    path = tmp_path / "task.json"
    path.write_text(json.dumps(data))
    return path


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The gold workbook and its print, made once for the module: each print starts LibreOffice
    (3-8 s, the most with a new profile), and the tests only read them. The folder also holds the
    LibreOffice profile that printed them, which the tests' own prints use."""
    folder = tmp_path_factory.mktemp("printed")
    print_to_csv(workbook(folder / "ids_gold.xlsx", ROWS), folder / "profile")
    return folder


@pytest.fixture
def gold(tmp_path: Path, printed: Path) -> Path:
    """The gold workbook and its print in the test's ``files`` folder, where its task looks."""
    (tmp_path / "files").mkdir()
    for name in ("ids_gold.xlsx", "ids_gold-Sheet1.csv"):
        shutil.copy(printed / name, tmp_path / "files" / name)
    return tmp_path / "files" / "ids_gold.xlsx"


def test_the_workbooks_print_is_compared_line_by_line(tmp_path: Path, gold: Path, printed: Path) -> None:
    assert (gold.parent / "ids_gold-Sheet1.csv").read_text().startswith("Old ID,New 7 Digit ID")
    task = load_task(task_file(tmp_path))
    home = tmp_path / "home"
    home.mkdir()
    outcome = DesktopOutcome(home=home, elements=[], windows=[], messages=[])
    assert task.evaluate(outcome).reward == 0.0  # no result workbook
    book = workbook(home / "ids.xlsx", ROWS)
    assert task.evaluate(outcome).reward == 0.0  # the workbook, but not its print
    print_to_csv(book, printed / "profile")
    assert task.evaluate(outcome).reward == 1.0
    workbook(home / "ids.xlsx", [*ROWS[:2], [4567, "4567"]])  # a number left unpadded
    print_to_csv(book, printed / "profile")
    assert task.evaluate(outcome).reward == 0.0


def test_ignore_case_and_trailing_empty_lines(tmp_path: Path, gold: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    workbook(home / "ids.xlsx", ROWS)
    printed = (gold.parent / "ids_gold-Sheet1.csv").read_text()
    (home / "ids-Sheet1.csv").write_text(printed.upper() + "\n\n")
    outcome = DesktopOutcome(home=home, elements=[], windows=[], messages=[])
    assert load_task(task_file(tmp_path)).evaluate(outcome).reward == 0.0
    assert load_task(task_file(tmp_path, ignore_case=True)).evaluate(outcome).reward == 1.0


def test_a_getter_giving_several_files_to_compare_table_is_refused(tmp_path: Path, gold: Path) -> None:
    with pytest.raises(OSWorldTaskError, match=r"`gives` picks 2"):
        load_task(task_file(tmp_path, gives=[0, 1]))
    assert load_task(task_file(tmp_path, gives=[0])).spec.id == "0bf05a7d-b28b-44d2-955a-50b41e24012a"
