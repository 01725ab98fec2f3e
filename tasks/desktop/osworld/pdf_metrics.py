"""OSWorld's ``compare_pdfs``, written afresh with its name, arguments and semantics: how alike two
PDF files' texts are (0 to 1), as OSWorld scores a document exported to PDF against its gold PDF.
The text is read with pypdf (OSWorld reads it with PyMuPDF; both sides are read the same way here,
so the same PDF scores 1). PyMuPDF's text of a page includes what its form fields show (their
widgets are drawn on the page), which is how a filled-in form differs from a blank one: here each
page's text is followed by the values of its filled text fields, in the page's order of widgets.
``check_pdf_pages`` compares a PDF's number of pages with a
reference. Lists of files (a ``multi`` getter's) are compared pair by pair and their scores averaged over the
expected files. A missing or unreadable PDF scores 0.
"""

from __future__ import annotations

import operator
from pathlib import Path
from typing import Any

from palaestra.tasks.desktop.osworld.errors import OSWorldTaskError, UnsupportedEvaluatorError
from palaestra.tasks.desktop.osworld.general_metrics import indel_ratio


def pdf_text(path: Any) -> str | None:
    """The PDF's text, page after page, or None when there is no such file or it is no PDF."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    if not path or not Path(str(path)).is_file():
        return None
    try:
        reader = PdfReader(str(path))
        return "".join((page.extract_text() or "") + field_text(page) for page in reader.pages).strip()
    except (PyPdfError, OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def field_text(page: Any) -> str:
    """The values of the page's filled text fields, one a line (a widget's field may be its parent:
    the value and type are inherited)."""
    values = []
    for ref in page.get("/Annots") or []:
        widget = ref.get_object()
        if widget.get("/Subtype") != "/Widget":
            continue
        kind, value, node = None, None, widget
        for _depth in range(8):  # up the field tree, for the inherited type and value
            kind = kind or node.get("/FT")
            value = value if value is not None else node.get("/V")
            parent = node.get("/Parent")
            if parent is None:
                break
            node = parent.get_object()
        if kind == "/Tx" and value:
            values.append(f"\n{value}")
    return "".join(values)


def compare_pdfs(result: Any, expected: Any) -> float:
    """The texts' similarity, 2 x their longest common subsequence / both lengths (the normalized
    indel similarity, OSWorld's rapidfuzz ratio), averaged over the expected files."""
    results = result if isinstance(result, list) else [result]
    expecteds = expected if isinstance(expected, list) else [expected]
    if not expecteds:
        return 0.0
    total = 0.0
    for got, want in zip(results, expecteds, strict=False):
        first, second = pdf_text(got), pdf_text(want)
        if first is not None and second is not None:
            total += indel_ratio(first, second)
    return total / len(expecteds)


#: The comparisons ``check_pdf_pages`` may name (OSWorld's names of Python's `operator` functions).
PAGE_RELATIONS = {
    "lt": operator.lt,
    "le": operator.le,
    "eq": operator.eq,
    "ne": operator.ne,
    "ge": operator.ge,
    "gt": operator.gt,
}


def check_pdf_pages(pdf_file: Any, rules: dict[str, Any]) -> float:
    """The PDF's number of pages stands in ``rules["relation"]`` (``lt``, ``eq``, ``ge``...) to
    ``rules["ref_value"]``: a PDF of at most 2 pages is ``{"relation": "le", "ref_value": 2}``."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    if not pdf_file or not Path(str(pdf_file)).is_file():
        return 0.0
    try:
        pages = len(PdfReader(str(pdf_file)).pages)
    except (PyPdfError, OSError, ValueError, KeyError, TypeError):
        return 0.0
    return float(PAGE_RELATIONS[rules["relation"]](pages, rules["ref_value"]))


def check_page_rules(rules: Any, source: str, where: str) -> None:
    """``check_pdf_pages`` needs ``{"relation": one of PAGE_RELATIONS, "ref_value": a number}``."""
    relation = rules.get("relation") if isinstance(rules, dict) else None
    value = rules.get("ref_value") if isinstance(rules, dict) else None
    if relation not in PAGE_RELATIONS:
        raise UnsupportedEvaluatorError(source, where, "relation", str(relation), PAGE_RELATIONS)
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise OSWorldTaskError(source, where, f"`check_pdf_pages` needs a number as ref_value, got {value!r}")
