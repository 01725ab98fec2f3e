"""The two workbooks one ``compare_table`` judgement reads, loaded with openpyxl when a rule first
needs them. A workbook saved as .ods or .xls is read through an xlsx copy LibreOffice makes
(`calc_convert`) in the judgement's working folder; one that is missing, unconvertible or no
workbook at all is `UnreadableBook`, and the judgement scores 0.
"""

from __future__ import annotations

import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from palaestra.tasks.desktop.osworld.calc_convert import ConversionFailed, as_xlsx, needs_conversion
from palaestra.tasks.desktop.osworld.calc_rules import SheetIndex, parse_sheet_index


class UnreadableBook(ValueError):
    """The file is not a workbook openpyxl can read (directly, or once converted to xlsx)."""


@dataclass
class Books:
    """The result and expected workbooks of one judgement, each loaded at most twice: with the
    values saved for formulas, and (for ``formula``) with the formulas themselves. ``result`` and
    ``expected`` are the files as the getters gave them (files exported beside them, such as
    ``sheet_print``'s CSV, are found from these); ``workdir`` holds the xlsx copies of .ods/.xls."""

    result: Path
    expected: Path | None
    workdir: Path
    loaded: dict[tuple[bool, bool], Any] = field(default_factory=dict)
    readable: dict[bool, Path] = field(default_factory=dict)

    def original(self, expected: bool) -> Path:
        """The result's or the expected workbook's file as given."""
        path = self.expected if expected else self.result
        if path is None:
            raise UnreadableBook("no expected workbook")
        return path

    def path(self, expected: bool) -> Path:
        """The xlsx file openpyxl reads for the result or the expected workbook: the file itself,
        or for an .ods or .xls its converted copy (converted once)."""
        if expected not in self.readable:
            path = self.original(expected)
            if needs_conversion(path):
                try:
                    path = as_xlsx(path, self.workdir)
                except ConversionFailed as exc:
                    raise UnreadableBook(str(exc)) from exc
            self.readable[expected] = path
        return self.readable[expected]

    def book(self, expected: bool, formulas: bool = False) -> Any:
        key = (expected, formulas)
        if key not in self.loaded:
            self.loaded[key] = load_book(self.path(expected), formulas)
        return self.loaded[key]

    def sheet(self, index: Any, formulas: bool = False) -> Any:
        """The sheet a sheet index names, or None when its workbook has no such sheet."""
        where: SheetIndex | None = parse_sheet_index(index)
        if where is None:
            return None
        book = self.book(where.expected, formulas)
        if where.name is not None:
            return book[where.name] if where.name in book.sheetnames else None
        position = where.position or 0
        return book.worksheets[position] if position < len(book.worksheets) else None


def load_book(path: Path, formulas: bool) -> Any:
    """An openpyxl workbook (formulas, or the values saved for them); `UnreadableBook` if it is none."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        with warnings.catch_warnings():  # it says it drops the sparklines it cannot keep: they are read apart
            warnings.filterwarnings("ignore", "Sparkline Group extension", UserWarning)
            return openpyxl.load_workbook(path, data_only=not formulas)
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, InvalidFileException) as exc:
        raise UnreadableBook(f"{path.name}: {exc}") from exc
