"""More of OSWorld's Writer metrics, written afresh with its names, arguments and semantics, over
the .docx files Writer saves (python-docx): the same set of lines, a struck-through last paragraph,
a subscript where the expected document has one, and page numbers in every footer. A missing or
unreadable document scores 0, as in `writer_metrics`."""

from __future__ import annotations

from typing import Any

from palaestra.tasks.desktop.osworld.writer_metrics import compare_docx_files, read_docx, read_docx_pair


def compare_docx_lines(file1: Any, file2: Any) -> float:
    """The documents hold the same lines (non-empty paragraphs, blanks around them ignored), in any
    order and however often each comes: OSWorld's check that duplicates were removed."""
    documents = read_docx_pair(file1, file2)
    if documents is None:
        return 0.0
    first, second = ({p.text.strip() for p in d.paragraphs if p.text.strip()} for d in documents)
    return float(first == second)


def evaluate_strike_through_last_paragraph(file1: Any, file2: Any) -> float:
    """The text is the expected document's, and every run of the last paragraph is struck through."""
    if not compare_docx_files(file1, file2):
        return 0.0
    document = read_docx(file1)
    if document is None or not document.paragraphs:
        return 0.0
    return float(all(run.font.strike for run in document.paragraphs[-1].runs))


def compare_subscript_contains(file1: Any, file2: Any) -> float:
    """Some run is a subscript in both documents, at the same paragraph and run (OSWorld's check
    of a formula's digit made a subscript)."""
    documents = read_docx_pair(file1, file2)
    if documents is None:
        return 0.0
    pairs = zip(documents[0].paragraphs, documents[1].paragraphs, strict=False)
    return float(
        any(
            a.font.subscript and b.font.subscript
            for p, q in pairs
            for a, b in zip(p.runs, q.runs, strict=False)
        )
    )


def has_page_numbers_in_footers(file: Any) -> float:
    """Every section has a footer whose first paragraph shows a number (its page number)."""
    document = read_docx(file)
    if document is None:
        return 0.0
    for section in document.sections:
        lines = section.footer.paragraphs
        if not any(c.isdigit() for c in (lines[0].text if lines else "")):
            return 0.0
    return 1.0
