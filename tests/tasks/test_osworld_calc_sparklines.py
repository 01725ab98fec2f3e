"""compare_table's ``sparkline`` rule on sparklines LibreOffice Calc (7.4 and later) saved: the
sparklines are written into an openpyxl workbook's sheet as Excel writes them (openpyxl cannot),
then LibreOffice opens the file and saves it as xlsx, as an agent's result is saved."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest

from palaestra.tasks.desktop.osworld.calc_metrics import compare_table
from palaestra.tasks.desktop.osworld.calc_sparklines import sparklines

from .test_osworld_calc_objects import saved_by_libreoffice

GROUP = (
    '<extLst><ext uri="{{05C60535-1F16-4fd2-B633-F4F36F0B64E0}}" '
    'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
    '<x14:sparklineGroups xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
    '<x14:sparklineGroup><x14:colorSeries rgb="FF376092"/><x14:sparklines>{lines}</x14:sparklines>'
    "</x14:sparklineGroup></x14:sparklineGroups></ext></extLst>"
)
LINE = "<x14:sparkline><xm:f>{source}</xm:f><xm:sqref>{cell}</xm:sqref></x14:sparkline>"


def with_sparklines(lines: dict[str, str], title: str = "Sales") -> bytes:
    """A workbook whose sheet ``title`` has a sparkline in each cell of ``lines`` plotting its range."""
    book = openpyxl.Workbook()
    book.active.title = title
    for row in [["a", 1, 2, 3], ["b", 4, 2, 5]]:
        book.active.append(row)
    plain, out = io.BytesIO(), io.BytesIO()
    book.save(plain)
    ext = (
        GROUP.format(lines="".join(LINE.format(source=s, cell=c) for c, s in lines.items())) if lines else ""
    )
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</worksheet>", ext.encode() + b"</worksheet>")
            target.writestr(item, data)
    return out.getvalue()


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    books = {
        "base": with_sparklines({"E1": "Sales!B1:D1", "E2": "Sales!B2:D2"}),
        "same": with_sparklines({"E2": "'Sales'!$B$2:$D$2", "E1": "Sales!B1:D1"}),
        "other_range": with_sparklines({"E1": "Sales!B1:C1", "E2": "Sales!B2:D2"}),
        "one_fewer": with_sparklines({"E1": "Sales!B1:D1"}),
        "none": with_sparklines({}),
        "spaced": with_sparklines({"E1": "'My Sales'!B1:D1"}, title="My Sales"),
    }
    return saved_by_libreoffice(books, tmp_path_factory.mktemp("sparklines"))


def test_sparklines_compare_by_cell_and_plotted_range(saved: dict[str, Path]) -> None:
    rule = {"type": "sparkline", "sheet_idx0": 0, "sheet_idx1": "EI0"}
    assert sparklines(saved["base"], "Sales") == {"E1": "Sales!B1:D1", "E2": "Sales!B2:D2"}
    assert sparklines(saved["spaced"], "My Sales") == {"E1": "My Sales!B1:D1"}
    assert compare_table(saved["same"], saved["base"], rules=[rule]) == 1.0
    assert compare_table(saved["base"], saved["base.openpyxl"], rules=[rule]) == 1.0
    for other in ("other_range", "one_fewer", "none"):
        assert compare_table(saved[other], saved["base"], rules=[rule]) == 0.0, other
    assert compare_table(saved["none"], saved["none"], rules=[rule]) == 1.0
    missing = {**rule, "sheet_idx1": "ENOther"}
    assert compare_table(saved["base"], saved["base"], rules=[missing]) == 0.0  # no such sheet
