"""OSWorld's LibreOffice metrics on real files written by openpyxl and python-docx: compare_table's
rules (sheet data, names, cells, freeze, zoom), the document comparisons, and the typed load-time
errors (with did-you-mean) for rules, props, methods, options and files they do not judge."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest
from docx.enum.text import WD_PARAGRAPH_ALIGNMENT
from docx.shared import Pt

from palaestra.tasks.desktop.base import DesktopOutcome
from palaestra.tasks.desktop.osworld import (
    OSWorldTaskError,
    UnsupportedAppError,
    UnsupportedEvaluatorError,
    load_task,
)
from palaestra.tasks.desktop.osworld.calc_metrics import compare_csv, compare_table
from palaestra.tasks.desktop.osworld.writer_metrics import (
    compare_docx_files,
    compare_docx_tables,
    compare_font_names,
    compare_init_lines,
    compare_line_spacing,
    is_first_line_centered,
)

ROWS: list[list[Any]] = [["Item", "Price", "Qty", "Total"], ["pen", 2.5, 10, 25], ["cup", 4, 3, 12]]


def book(path: Path, rows: list[list[Any]], title: str = "Sales", **cells: Any) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    for coordinate, value in cells.items():
        ws[coordinate] = value
    wb.save(path)
    return path


def document(path: Path, paragraphs: list[str]) -> Path:
    doc = docx.Document()
    for text in paragraphs:
        doc.add_paragraph(text)
    doc.save(str(path))
    return path


def test_sheet_data_compares_values_numbers_by_value_and_rounded(tmp_path: Path) -> None:
    expected = book(tmp_path / "want.xlsx", ROWS)
    same = book(tmp_path / "same.xlsx", ROWS, F7="")  # an empty cell beyond the data
    same_as_floats = book(
        tmp_path / "floats.xlsx", [[float(v) if isinstance(v, int) else v for v in r] for r in ROWS]
    )
    off = book(tmp_path / "off.xlsx", [*ROWS[:2], ["cup", 4, 3, 12.001]])
    rules = [{"type": "sheet_data", "sheet_idx0": 0, "sheet_idx1": "EI0"}]
    assert compare_table(same, expected, rules=rules) == 1.0  # trailing empty cells and rows ignored
    assert compare_table(same_as_floats, expected, rules=rules) == 1.0
    assert compare_table(off, expected, rules=rules) == 0.0
    assert compare_table(off, expected, rules=[{**rules[0], "precision": 2}]) == 1.0
    assert compare_table(None, expected, rules=rules) == 0.0  # no result file
    (tmp_path / "half.xlsx").write_bytes(expected.read_bytes()[:300])  # a file half written
    assert compare_table(tmp_path / "half.xlsx", expected, rules=rules) == 0.0


def test_sheet_names_and_sheet_indices_by_position_and_name(tmp_path: Path) -> None:
    expected = book(tmp_path / "want.xlsx", ROWS, title="Q3 Budget")
    renamed = book(tmp_path / "renamed.xlsx", ROWS, title="Q3 Budget")
    kept = book(tmp_path / "kept.xlsx", ROWS, title="Sheet1")
    assert compare_table(renamed, expected, rules=[{"type": "sheet_name"}]) == 1.0
    assert compare_table(kept, expected, rules=[{"type": "sheet_name"}]) == 0.0
    by_name = [{"type": "sheet_data", "sheet_idx0": "RNQ3 Budget", "sheet_idx1": "ENQ3 Budget"}]
    assert compare_table(renamed, expected, rules=by_name) == 1.0
    assert compare_table(kept, expected, rules=by_name) == 0.0  # no sheet of that name: fails, no crash
    assert (
        compare_table(
            kept, expected, rules=[{"type": "sheet_data", "sheet_idx0": "RI1", "sheet_idx1": "EI0"}]
        )
        == 0.0
    )


def test_check_cell_reads_values_formulas_and_style(tmp_path: Path) -> None:
    path = book(tmp_path / "f.xlsx", ROWS, D2="=B2*C2", E1="note")
    wb = openpyxl.load_workbook(path)
    wb.active["E1"].font = openpyxl.styles.Font(bold=True)
    wb.save(path)

    def cell(coordinate: str, **props: Any) -> float:
        return compare_table(
            path, rules=[{"type": "check_cell", "sheet_idx": 0, "coordinate": coordinate, "props": props}]
        )

    assert cell("D2", formula={"method": "eq", "ref": "=B2*C2"}) == 1.0
    assert cell("D3", formula={"method": "re", "ref": "^="}) == 0.0  # a typed number is no formula
    assert cell("B2", value={"method": "approx:0.01", "ref": 2.499}) == 1.0
    assert cell("C3", value={"method": "gt", "ref": 3}) == 0.0
    assert cell("A2", value={"method": "re.I", "ref": "^PEN$"}) == 1.0
    assert cell("A2", value={"method": "lt", "ref": 3}) == 0.0  # text against a number: not satisfied
    assert cell("E1", font_bold={"method": "eq", "ref": True}) == 1.0
    assert cell("A1", font_bold={"method": "eq", "ref": True}) == 0.0
    assert cell("F9", font_bold={"method": "eq", "ref": None}) == 1.0  # an empty cell's style is None


def test_freeze_and_zoom(tmp_path: Path) -> None:
    frozen, plain = book(tmp_path / "a.xlsx", ROWS), book(tmp_path / "b.xlsx", ROWS)
    wb = openpyxl.load_workbook(frozen)
    wb.active.freeze_panes = "A2"
    wb.active.sheet_view.zoomScale = 150
    wb.save(frozen)
    freeze = [{"type": "freeze", "sheet_idx0": 0, "sheet_idx1": "EI0"}]
    assert compare_table(frozen, frozen, rules=freeze) == 1.0
    assert compare_table(plain, frozen, rules=freeze) == 0.0
    zoom = {"type": "zoom", "sheet_idx": 0, "method": "ge", "ref": 120}
    assert compare_table(frozen, rules=[zoom]) == 1.0 and compare_table(plain, rules=[zoom]) == 0.0


def test_compare_csv_by_lines(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("a,b\n1,2\n")
    (tmp_path / "b.csv").write_text("A,B \n1,2\n")
    assert compare_csv(tmp_path / "a.csv", tmp_path / "b.csv") == 0.0
    assert compare_csv(tmp_path / "a.csv", tmp_path / "b.csv", strict=False, ignore_case=True) == 1.0


def test_compare_docx_files_and_its_options(tmp_path: Path) -> None:
    want = document(tmp_path / "want.docx", ["Dear team,", "The meeting is on Friday."])
    same = document(tmp_path / "same.docx", ["Dear team,", "The meeting is on Friday."])
    spaced = document(tmp_path / "spaced.docx", ["Dear  team,", "", "the meeting is on Friday. "])
    other = document(tmp_path / "other.docx", ["Dear team,", "The meeting is on Monday."])
    assert compare_docx_files(same, want) == 1.0
    assert compare_docx_files(other, want) == 0.0
    assert compare_docx_files(spaced, want) == 0.0  # case differs
    assert compare_docx_files(spaced, want, ignore_case=True) == 1.0  # blanks ignored by default
    assert compare_docx_files(spaced, want, ignore_blanks=False, ignore_case=True) == 0.0
    swapped = document(tmp_path / "swapped.docx", ["The meeting is on Friday.", "Dear team,"])
    assert compare_docx_files(swapped, want, ignore_blanks=False, ignore_order=True) == 1.0
    assert 0.9 < compare_docx_files(other, want, content_only=True) < 1.0
    assert compare_docx_files(None, want) == 0.0 and compare_docx_files(tmp_path / "none.docx", want) == 0.0
    (tmp_path / "broken.docx").write_bytes(b"PK\x03\x04 not a document")
    assert compare_docx_files(tmp_path / "broken.docx", want) == 0.0
    assert (
        compare_init_lines(
            document(tmp_path / "more.docx", ["Dear team,", "The meeting is on Friday.", "PS"]), want
        )
        == 1.0
    )


def test_odt_paragraphs_compare_too(tmp_path: Path) -> None:
    ns = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
    body = f'<t:h xmlns:t="{ns}">Memo</t:h><t:p xmlns:t="{ns}">On <t:span>Friday</t:span>.</t:p>'
    for name in ("a.odt", "b.odt"):
        with zipfile.ZipFile(tmp_path / name, "w") as package:
            package.writestr(
                "content.xml", f"<doc>{body if name == 'a.odt' else body.replace('Friday', 'Monday')}</doc>"
            )
    assert compare_docx_files(tmp_path / "a.odt", tmp_path / "a.odt", ignore_blanks=False) == 1.0
    assert compare_docx_files(tmp_path / "b.odt", tmp_path / "a.odt") == 0.0
    assert (
        compare_docx_files(tmp_path / "a.odt", document(tmp_path / "a.docx", ["Memo", "On Friday."])) == 0.0
    )


def test_formatting_checks_of_documents(tmp_path: Path) -> None:
    doc = docx.Document()
    title = doc.add_paragraph("Title")
    title.paragraph_format.alignment = WD_PARAGRAPH_ALIGNMENT.CENTER
    run = doc.add_paragraph().add_run("Body")
    title.runs[0].font.name = run.font.name = "Liberation Serif"
    doc.add_table(rows=1, cols=2).rows[0].cells[0].text = "x"
    doc.save(str(tmp_path / "styled.docx"))
    plain = document(tmp_path / "plain.docx", ["Title", "Body"])
    styled = tmp_path / "styled.docx"
    assert is_first_line_centered(styled) == 1.0 and is_first_line_centered(plain) == 0.0
    assert compare_font_names(styled, {"font_name": "Liberation Serif"}) == 1.0
    assert compare_font_names(plain, {"font_name": "Liberation Serif"}) == 0.0
    assert compare_docx_tables(styled, styled) == 1.0 and compare_docx_tables(plain, styled) == 0.0
    spaced = docx.Document(str(plain))
    spaced.paragraphs[1].paragraph_format.line_spacing = Pt(24)
    spaced.save(str(tmp_path / "spaced.docx"))
    assert compare_line_spacing(plain, plain) == 1.0
    assert compare_line_spacing(tmp_path / "spaced.docx", plain) == 0.0


def task_file(folder: Path, evaluator: dict[str, Any], config: list[Any] | None = None) -> Path:
    data = {
        "id": "office",
        "snapshot": "libreoffice_calc",
        "instruction": "Do it.",
        "config": config or [{"type": "open", "parameters": {"path": "/home/user/a.xlsx"}}],
        "related_apps": ["libreoffice_calc"],
        "evaluator": evaluator,
    }
    (folder / "files").mkdir(exist_ok=True)
    book(folder / "files" / "want.xlsx", ROWS)
    (folder / "task.json").write_text(json.dumps(data))
    return folder / "task.json"


def table(*rules: Any, expected: bool = True, path: str = "/home/user/a.xlsx") -> dict[str, Any]:
    spec: dict[str, Any] = {"func": "compare_table", "result": {"type": "vm_file", "path": path}}
    if expected:
        spec["expected"] = {"type": "cloud_file", "path": "files/want.xlsx"}
    return {**spec, "options": {"rules": list(rules)}} if rules else spec


def test_a_task_judges_its_saved_workbook(tmp_path: Path) -> None:
    task = load_task(task_file(tmp_path, table({"type": "sheet_data", "sheet_idx0": 0, "sheet_idx1": "EI0"})))
    assert task.setup(__import__("random").Random(0)).apps == (("soffice", "--calc", "~/a.xlsx"),)
    outcome = DesktopOutcome(home=tmp_path, elements=[], windows=[], messages=[])
    assert not task.evaluate(outcome).success  # no workbook yet
    book(tmp_path / "a.xlsx", ROWS)
    assert task.evaluate(outcome).success


def test_content_from_vm_file_reads_a_workbooks_last_row(tmp_path: Path) -> None:
    """OSWorld's ``content_from_vm_file`` (xlsx, last_row): the last row with a value, under the
    header, as text; None while the file is missing or is no workbook."""
    last_row = {"type": "content_from_vm_file", "path": "/home/user/a.xlsx", "file_type": "xlsx",
                "file_content": "last_row"}  # fmt: skip
    evaluator = {"func": "exact_match", "result": last_row,
                 "expected": {"type": "rule", "rules": {"expected": ["cup", "4", "nan", "12"]}}}  # fmt: skip
    task = load_task(task_file(tmp_path, evaluator))
    outcome = DesktopOutcome(home=tmp_path, elements=[], windows=[], messages=[])
    assert not task.evaluate(outcome).success  # no file yet
    (tmp_path / "a.xlsx").write_text("not a workbook")
    assert not task.evaluate(outcome).success
    book(tmp_path / "a.xlsx", [*ROWS[:2], ["cup", 4, None, 12], [None, None, None, None]], F9=None)
    assert task.evaluate(outcome).success
    book(tmp_path / "a.xlsx", ROWS)  # its last row is ["cup", 4, 3, 12]
    assert not task.evaluate(outcome).success
    for key, value, message in [
        ("file_type", "csv", "file_type `csv`"),
        ("file_content", "last_rows", "last_row"),
    ]:
        wrong = {**evaluator, "result": {**last_row, key: value}}
        with pytest.raises(UnsupportedEvaluatorError, match=message):
            load_task(task_file(tmp_path, wrong))


SHEET = {"sheet_idx0": 0, "sheet_idx1": "EI0"}
CELL = {"type": "check_cell", "sheet_idx": 0, "coordinate": "A1"}
EVAL = UnsupportedEvaluatorError
DOCX_WITH_A_TYPO = {
    "func": "compare_docx_files",
    "result": {"type": "vm_file", "path": "a.docx"},
    "expected": {"type": "cloud_file", "path": "files/want.xlsx"},
    "options": {"ignore_blank": True},
}
REFUSED = [
    (table({"type": "sheet_dat", **SHEET}), EVAL, "rule `sheet_dat`.*Did you mean: `sheet_data`"),
    (table({"type": "sheet_prin", **SHEET}), EVAL, "rule `sheet_prin`.*Did you mean: `sheet_print`"),
    (table({"type": "sheet_data", **SHEET, "precison": 2}), EVAL, "`precison`.*`precision`"),
    (table({"type": "sheet_data", "sheet_idx0": 0}), OSWorldTaskError, r"needs \['sheet_idx1'\]"),
    (table({"type": "sheet_data", "sheet_idx0": "X1", "sheet_idx1": 0}), OSWorldTaskError, "sheet indices"),
    (table({"type": "sheet_name"}, expected=False), OSWorldTaskError, "reads the expected workbook"),
    (table({**CELL, "props": {"valu": {"method": "eq", "ref": 1}}}), EVAL, "prop `valu`.*`value`"),
    (table({**CELL, "props": {"value": {"method": "equals", "ref": 1}}}), EVAL, "method `equals`"),
    (table({**CELL, "props": {"value": {"method": "eq"}}}), OSWorldTaskError, 'needs {"method"'),
    (table(), EVAL, 'without "rules" it compares two CSV files'),
    (table({"type": "sheet_name"}, path="/home/user/a.numbers"), EVAL, r"a\.numbers.*save the result as one"),
    (DOCX_WITH_A_TYPO, EVAL, "`ignore_blank`.*Did you mean: `ignore_blanks`"),
]


@pytest.mark.parametrize(("evaluator", "error", "message"), REFUSED)
def test_rules_and_options_not_judged_here_are_refused_at_load(
    tmp_path: Path, evaluator: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        load_task(task_file(tmp_path, evaluator))


def test_which_app_opens_which_file_and_office_modules_we_lack(tmp_path: Path) -> None:
    evaluator = table({"type": "sheet_name"})

    def apps(config: list[Any], related: list[str] | None = None) -> Any:
        path = task_file(tmp_path, evaluator, config)
        if related is not None:
            path.write_text(json.dumps({**json.loads(path.read_text()), "related_apps": related}))
        return load_task(path).spec.plan.apps

    def open_step(path: str) -> list[Any]:
        return [{"type": "open", "parameters": {"path": path}}]

    assert apps(open_step("~/m.docx")) == [("soffice", "--writer", "~/m.docx")]
    assert apps(open_step("~/d.csv"), related=["gnumeric"]) == [("gnumeric", "~/d.csv")]
    launch = [{"type": "launch", "parameters": {"command": ["libreoffice", "--calc"]}}]
    assert apps(launch) == [("libreoffice", "--calc")]
    assert apps(open_step("~/deck.pptx")) == [("soffice", "--impress", "~/deck.pptx")]
    assert apps(open_step("~/deck.odp"), related=["libreoffice_impress"]) == [
        ("soffice", "--impress", "~/deck.odp")
    ]
    shell = [{"type": "launch", "parameters": {"command": "soffice --impress", "shell": True}}]
    assert apps(shell) == [("soffice", "--impress")]
    with pytest.raises(
        UnsupportedAppError, match=r"module `--draw`.*Supported LibreOffice modules: --calc, --impress"
    ):
        apps([{"type": "launch", "parameters": {"command": "soffice --draw", "shell": True}}])
    assert apps(open_step("~/photo.png")) == [("gimp", "~/photo.png")]
    assert apps(open_step("~/clip.mp4")) == [("vlc", "~/clip.mp4")]
    with pytest.raises(UnsupportedAppError, match=r"file type `\.exe`"):
        apps(open_step("~/setup.exe"))
