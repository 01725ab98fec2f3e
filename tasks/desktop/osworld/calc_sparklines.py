"""The sparklines of a sheet, which ``compare_table``'s ``sparkline`` rule compares: Excel's (and
LibreOffice's, since 7.4) ``x14:sparkline`` entries in the sheet's extension list, each the cell it
is drawn in and the range it plots. openpyxl drops extension lists when it loads a workbook, so
they are read from the file's XML here."""

from __future__ import annotations

import posixpath
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

from palaestra.tasks.desktop.osworld.calc_objects import plain_range

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
X14 = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"
XM = "http://schemas.microsoft.com/office/excel/2006/main"


def sparklines(path: Path, sheet_name: str) -> dict[str, str]:
    """``{cell: plotted range}`` of the sheet named ``sheet_name`` (empty when it has none);
    ValueError when the file is no workbook or has no such sheet."""
    try:
        with zipfile.ZipFile(path) as archive:
            sheet = ET.fromstring(archive.read(_sheet_part(archive, sheet_name)))
    except (OSError, KeyError, zipfile.BadZipFile, ET.ParseError) as exc:
        raise ValueError(f"{path.name}: no sheet {sheet_name!r} to read sparklines from: {exc}") from exc
    found = {}
    for line in sheet.iter(f"{{{X14}}}sparkline"):
        cell, source = line.findtext(f"{{{XM}}}sqref"), line.findtext(f"{{{XM}}}f")
        if cell:
            found[cell.strip()] = plain_range(source or "")
    return found


def _sheet_part(archive: zipfile.ZipFile, sheet_name: str) -> str:
    """The path inside the archive of the sheet named ``sheet_name`` (workbook.xml names it by a
    relationship id, which the workbook's relationships resolve)."""
    book = ET.fromstring(archive.read("xl/workbook.xml"))
    ids = [
        s.get(f"{{{RELATIONSHIPS}}}id") for s in book.iter(f"{{{MAIN}}}sheet") if s.get("name") == sheet_name
    ]
    rels = ET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = [
        r.get("Target", "")
        for r in rels.iter(f"{{{PACKAGE_RELATIONSHIPS}}}Relationship")
        if r.get("Id") in ids
    ]
    if not targets:
        raise KeyError(sheet_name)
    target = targets[0]
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
