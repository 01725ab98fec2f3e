"""OSWorld's ``sheet_print`` rule of ``compare_table``, written afresh with its semantics: two
sheets compared as LibreOffice prints them to CSV, line by line.

OSWorld's postconfig exports the result workbook with ``libreoffice --convert-to csv:...`` next
to it, which names the file after the workbook and the sheet (``Sales.xlsx`` gives
``Sales-Sheet1.csv``), and its expected side downloads the gold workbook and the gold CSV under
names that follow the same pattern (``dest``: ``Sales_gold.xlsx``, ``Sales_gold-Sheet1.csv``).
Such a getter lists several files (``"multi": true``) but gives the metric only the workbook
(``gives`` defaults to the first file); the CSV is found beside it by that name. A sheet index
names the sheet as other rules' do (``RNSheet1``, ``EI0``: the workbook's first sheet's name).
Each line is compared with its surrounding spaces stripped and the empty lines at the end left
out; ``ignore_case`` compares them in lower case. A missing CSV or sheet fails the rule.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from palaestra.tasks.desktop.osworld.calc_rules import parse_sheet_index


class HasBooks(Protocol):
    """The part of `calc_metrics.Books` this rule reads."""

    result: Path
    expected: Path | None

    def book(self, expected: bool, formulas: bool = False) -> Any: ...


def printed_csv(book: Path, sheet: str) -> Path:
    """Where LibreOffice's CSV export of ``sheet`` of ``book`` lies: beside it, named after both."""
    return book.with_name(f"{book.stem}-{sheet}.csv")


def printed_lines(books: HasBooks, index: Any) -> list[str] | None:
    """The lines of the CSV print of the sheet ``index`` names, or None when there is none."""
    where = parse_sheet_index(index)
    path = None if where is None else books.expected if where.expected else books.result
    if where is None or path is None:
        return None
    name = where.name
    if name is None:
        names = list(books.book(where.expected).sheetnames)
        position = where.position or 0
        if position >= len(names):
            return None
        name = names[position]
    csv = printed_csv(path, name)
    if not csv.is_file():
        return None
    lines = [line.strip() for line in csv.read_text(encoding="utf-8", errors="replace").splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def same_print(books: HasBooks, rule: dict[str, Any]) -> bool:
    """Whether the two sheets' CSV prints hold the same lines."""
    first, second = printed_lines(books, rule["sheet_idx0"]), printed_lines(books, rule["sheet_idx1"])
    if first is None or second is None:
        return False
    if rule.get("ignore_case", False):
        first, second = [line.lower() for line in first], [line.lower() for line in second]
    return first == second
