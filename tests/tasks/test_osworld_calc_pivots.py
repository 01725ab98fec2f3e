"""compare_table's ``pivot_table`` rule on pivot tables LibreOffice Calc saved: each table is built
with openpyxl's pivot objects (openpyxl cannot compute one), then LibreOffice opens the file, lays
the table out and saves it as xlsx, as an agent's result is saved."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl import Workbook
from openpyxl.pivot.cache import CacheDefinition, CacheField, CacheSource, SharedItems, WorksheetSource
from openpyxl.pivot.fields import Text
from openpyxl.pivot.record import RecordList
from openpyxl.pivot.table import (
    DataField,
    FieldItem,
    Location,
    PageField,
    PivotField,
    RowColField,
    RowColItem,
    TableDefinition,
)

from palaestra.tasks.desktop.osworld.calc_metrics import compare_table

from .test_osworld_calc_objects import saved_by_libreoffice

ROWS: list[list[Any]] = [["Region", "Item", "Qty"], ["east", "pen", 10], ["west", "cup", 3]]
ROWS += [["east", "ink", 1], ["west", "pad", 8]]
HEADINGS = ROWS[0]


def pivot_book(rows: str = "Region", total: str = "sum", hidden_item: str | None = None) -> Workbook:
    """Data on sheet Data and, on sheet Pivot, a table of ``total`` Qty by ``rows`` (Region or Item);
    ``hidden_item`` makes Item a page filter that hides that item."""
    book = openpyxl.Workbook()
    data = book.active
    data.title = "Data"
    for row in ROWS:
        data.append(row)
    values = {name: sorted({str(row[i]) for row in ROWS[1:]}) for i, name in enumerate(HEADINGS[:2])}
    fields = [
        CacheField(name=name, sharedItems=SharedItems(_fields=[Text(v=v) for v in values[name]]))
        for name in values
    ]
    qty = SharedItems(
        containsSemiMixedTypes=False, containsString=False, containsNumber=True, minValue=1, maxValue=10
    )
    cache = CacheDefinition(
        refreshOnLoad=True,
        cacheSource=CacheSource(type="worksheet", worksheetSource=WorksheetSource(ref="A1:C5", sheet="Data")),
        cacheFields=[*fields, CacheField(name="Qty", sharedItems=qty)],
    )
    cache.records = RecordList()
    pivot_fields = []
    for name in HEADINGS[:2]:
        axis = "axisRow" if name == rows else "axisPage" if name == "Item" and hidden_item else None
        items = [FieldItem(x=i, h=(v == hidden_item) or None) for i, v in enumerate(values[name])]
        pivot_fields.append(
            PivotField(axis=axis, showAll=False, items=[*items, FieldItem(t="default")] if axis else [])
        )
    shown = len(values[rows])
    table = TableDefinition(
        name="Sums", cacheId=1, dataCaption="Values",
        location=Location(ref=f"A3:B{4 + shown}", firstHeaderRow=1, firstDataRow=1, firstDataCol=1),
        pivotFields=[*pivot_fields, PivotField(dataField=True, showAll=False)],
        rowFields=[RowColField(x=HEADINGS.index(rows))],
        rowItems=[*(RowColItem(x=[i]) for i in range(shown)), RowColItem(t="grand", x=[0])],
        colItems=[RowColItem()],
        pageFields=[PageField(fld=1, hier=-1)] if hidden_item else [],
        dataFields=[DataField(name=f"{total} - Qty", fld=2, subtotal=total, baseField=0, baseItem=0)],
    )  # fmt: skip
    table.cache = cache
    book.create_sheet("Pivot").add_pivot(table)
    return book


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    books = {
        "base": pivot_book(),
        "same": pivot_book(),
        "by_item": pivot_book(rows="Item"),
        "counted": pivot_book(total="count"),
        "filtered": pivot_book(hidden_item="ink"),
        "filtered_other": pivot_book(hidden_item="pen"),
    }
    return saved_by_libreoffice(books, tmp_path_factory.mktemp("pivots"))


def score(saved: dict[str, Path], result: str, expected: str, *props: str) -> float:
    rule = {
        "type": "pivot_table",
        "sheet_idx0": "RNPivot",
        "sheet_idx1": "ENPivot",
        "pivot_props": list(props),
    }
    return compare_table(saved[result], saved[expected], rules=[rule])


def test_libreoffice_lays_out_and_saves_the_pivot_table(saved: dict[str, Path]) -> None:
    sheet = openpyxl.load_workbook(saved["base"])["Pivot"]
    assert [[c.value for c in row] for row in sheet.iter_rows(min_row=4, max_row=6)] == [
        ["east", 11], ["west", 11], ["Total Result", 22],
    ]  # fmt: skip
    assert len(sheet._pivots) == 1


def test_pivot_tables_compare_by_fields_functions_and_filters(saved: dict[str, Path]) -> None:
    layout = ("row_fields", "col_fields", "data_fields")
    assert score(saved, "same", "base", *layout, "filter", "name", "location") == 1.0
    assert score(saved, "by_item", "base", *layout) == 0.0  # grouped by another field
    assert score(saved, "by_item", "base", "data_fields") == 1.0
    assert score(saved, "counted", "base", *layout) == 0.0  # counts where the other sums
    assert score(saved, "counted", "base", "row_fields") == 1.0
    assert score(saved, "filtered", "base", "filter") == 0.0  # a page filter the other lacks
    assert score(saved, "filtered", "filtered_other", "filter") == 0.0  # hiding another item
    assert score(saved, "filtered", "filtered_other", *layout) == 1.0
    assert score(saved, "filtered", "filtered", "filter", "ordered") == 1.0
    assert score(saved, "base", "base.openpyxl", *layout) == 1.0  # as openpyxl wrote it, before LibreOffice
    no_pivot = {"type": "pivot_table", "sheet_idx0": "RNPivot", "sheet_idx1": "ENData"}
    assert compare_table(saved["base"], saved["base"], rules=[no_pivot]) == 0.0
