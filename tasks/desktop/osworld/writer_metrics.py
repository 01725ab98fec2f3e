"""OSWorld's document metrics, written afresh with the same names, arguments and semantics, over
the .docx files LibreOffice Writer saves (read with python-docx) and .odt files (their XML).

``compare_docx_files(result, expected, ...)`` compares the documents' paragraph texts: with
``ignore_blanks`` (the default, as OSWorld's) the whole text with every run of whitespace made one
space; without it, paragraph by paragraph. ``ignore_case`` folds case, ``ignore_order`` sorts the
paragraphs first, ``delete_empty_lines`` drops empty paragraphs, and ``content_only`` scores the
texts' similarity (0 to 1) instead of equality. The others are simple checks of one kind of
formatting. A missing or unreadable document scores 0.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from typing import Any

ODF_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"


class UnreadableDocument(ValueError):
    """The file is not a document python-docx (or the ODF reader) can read."""


def _docx(path: Any) -> Any:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        return docx.Document(str(path))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, PackageNotFoundError) as exc:
        raise UnreadableDocument(f"{path}: {exc}") from exc


def read_docx(path: Any) -> Any | None:
    """The .docx at ``path``, or None when there is none or python-docx cannot read it (a score
    of 0, never a failed verdict)."""
    if not path:
        return None
    try:
        return _docx(path)
    except UnreadableDocument:
        return None


def read_docx_pair(file1: Any, file2: Any) -> tuple[Any, Any] | None:
    """Both documents, or None when either is missing or unreadable."""
    first, second = read_docx(file1), read_docx(file2)
    return None if first is None or second is None else (first, second)


def paragraphs(path: Any) -> list[str] | None:
    """The texts of a .docx or .odt document's paragraphs (headings too), or None when unreadable."""
    if not path or not Path(str(path)).is_file():
        return None
    suffix = Path(str(path)).suffix.lower()
    try:
        if suffix == ".docx":
            return [p.text for p in _docx(path).paragraphs]
        if suffix == ".odt":
            with zipfile.ZipFile(str(path)) as package:
                root = ET.fromstring(package.read("content.xml"))
            kinds = (f"{{{ODF_TEXT}}}p", f"{{{ODF_TEXT}}}h")
            return ["".join(e.itertext()) for e in root.iter() if e.tag in kinds]
    except (UnreadableDocument, OSError, KeyError, zipfile.BadZipFile, ET.ParseError):
        return None
    return None


def compare_docx_files(
    file1: Any,
    file2: Any,
    ignore_blanks: bool = True,
    ignore_case: bool = False,
    ignore_order: bool = False,
    content_only: bool = False,
    delete_empty_lines: bool = False,
) -> float:
    if not file1 or not file2 or Path(str(file1)).suffix.lower() != Path(str(file2)).suffix.lower():
        return 0.0
    first, second = paragraphs(file1), paragraphs(file2)
    if first is None or second is None:
        return 0.0
    if delete_empty_lines:
        first, second = [p for p in first if p.strip()], [p for p in second if p.strip()]
    if ignore_order:
        first, second = sorted(first), sorted(second)
    if ignore_case:
        first, second = [p.lower() for p in first], [p.lower() for p in second]
    if content_only or ignore_blanks:
        text1, text2 = (re.sub(r"\s+", " ", "\n".join(side)).strip() for side in (first, second))
        if content_only:
            from palaestra.tasks.desktop.osworld.general_metrics import indel_ratio

            return indel_ratio(text1, text2)
        return float(text1 == text2)
    return float(first == second)


def compare_init_lines(file1: Any, file2: Any) -> float:
    """The paragraphs both documents have (the shorter one's count) are the same."""
    first, second = paragraphs(file1), paragraphs(file2)
    if first is None or second is None:
        return 0.0
    return float(all(a == b for a, b in zip(first, second, strict=False)))


def compare_docx_tables(file1: Any, file2: Any) -> float:
    """The same tables, of the same shape, with the same cell texts (blanks around them ignored)."""
    documents = read_docx_pair(file1, file2)
    tables = None if documents is None else [d.tables for d in documents]
    if tables is None or len(tables[0]) != len(tables[1]):
        return 0.0
    for first, second in zip(*tables, strict=True):
        cells = [[[c.text.strip() for c in row.cells] for row in t.rows] for t in (first, second)]
        if cells[0] != cells[1]:
            return 0.0
    return 1.0


def compare_line_spacing(file1: Any, file2: Any) -> float:
    """The same text, and every paragraph with the expected document's line spacing."""
    if not compare_docx_files(file1, file2):
        return 0.0
    documents = read_docx_pair(file1, file2)
    if documents is None:
        return 0.0
    first, second = (d.paragraphs for d in documents)
    if len(first) != len(second):
        return 0.0
    same = all(
        a.paragraph_format.line_spacing == b.paragraph_format.line_spacing
        for a, b in zip(first, second, strict=True)
    )
    return float(same)


def compare_font_names(file: Any, rules: dict[str, Any]) -> float:
    """Every run of text in the document is set in ``rules["font_name"]``."""
    document = read_docx(file)
    if document is None:
        return 0.0
    wanted = rules["font_name"]
    return float(all(run.font.name == wanted for p in document.paragraphs for run in p.runs))


def is_first_line_centered(file: Any) -> float:
    from docx.enum.text import WD_PARAGRAPH_ALIGNMENT

    try:
        document = _docx(file) if file else None
    except UnreadableDocument:
        return 0.0
    if document is None or not document.paragraphs:
        return 0.0
    return float(document.paragraphs[0].paragraph_format.alignment == WD_PARAGRAPH_ALIGNMENT.CENTER)
