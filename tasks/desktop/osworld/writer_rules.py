"""OSWorld's last Writer metrics, written afresh with the same names, arguments and semantics, over
the .docx files LibreOffice Writer saves (read with python-docx): text made lower
case, three paragraphs' line spacing, italic text at 14 pt, words aligned after the third, page
breaks, the document equal once empty paragraphs are dropped, a references list and duplicate train
records. A missing or unreadable document scores 0.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from palaestra.tasks.desktop.osworld.general_metrics import indel_ratio
from palaestra.tasks.desktop.osworld.writer_metrics import compare_docx_files, read_docx, read_docx_pair

WORD_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _runs(document: Any) -> Iterator[Any]:
    """Every run of the document's tables' cells, then of its body paragraphs."""
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                for paragraph in cell.paragraphs:
                    yield from paragraph.runs
    for paragraph in document.paragraphs:
        yield from paragraph.runs


def evaluate_conversion(file: Any) -> float:
    """No run of text, in the body or in a table, is still all upper case."""
    document = read_docx(file)
    return 0.0 if document is None else float(not any(run.text.isupper() for run in _runs(document)))


#: The line spacing OSWorld's task asks of the introduction, the body and the conclusion.
SPACINGS = (1.0, 2.0, 1.5)


def evaluate_spacing(file: Any) -> float:
    """The first three paragraphs are spaced single, double and one and a half lines."""
    document = read_docx(file)
    if document is None or len(document.paragraphs) < 3:
        return 0.0
    spacings = tuple(p.paragraph_format.line_spacing for p in document.paragraphs[:3])
    return float(spacings == SPACINGS)


def check_italic_font_size_14(file1: Any, file2: Any) -> float:
    """The text is the expected text, and every italic run of it has a size of 14 pt."""
    document = read_docx(file1)
    if document is None or not compare_docx_files(file1, file2):
        return 0.0
    italics = [run for paragraph in document.paragraphs for run in paragraph.runs if run.italic]
    return float(all(run.font.size is not None and run.font.size.pt == 14 for run in italics))


def evaluate_alignment(file: Any) -> float:
    """In every sentence of three words or more, the first three words are single-spaced, and so
    are the rest, which follow them: only the gap after the third word may be wide (a tab or
    spaces aligning what follows)."""
    document = read_docx(file)
    if document is None:
        return 0.0
    for paragraph in document.paragraphs:
        for sentence in paragraph.text.split("."):
            words = sentence.split()
            if len(words) < 3:
                continue
            head, tail = " ".join(words[:3]), " ".join(words[3:])
            if head not in sentence or tail not in sentence or sentence.find(head) >= sentence.find(tail):
                return 0.0
    return 1.0


def contains_page_break(file: Any, rules: dict[str, Any]) -> float:
    """The body holds a page break (``<w:br w:type="page"/>`` in a run), exactly
    ``rules["page_break_count"]`` of them when the rules say how many."""
    document = read_docx(file)
    if document is None:
        return 0.0
    breaks = sum(
        1
        for paragraph in document.paragraphs
        for run in paragraph.runs
        for br in run.element.iter(f"{{{WORD_NS}}}br")
        if br.get(f"{{{WORD_NS}}}type") == "page"
    )
    wanted = rules.get("page_break_count") if isinstance(rules, dict) else None
    return float(breaks > 0 and (wanted is None or breaks == wanted))


def _docx_pair(file1: Any, file2: Any) -> tuple[Any, Any] | None:
    """Both documents read, when both are named .docx (OSWorld's own check) and open; else None."""
    if not (str(file1).endswith(".docx") and str(file2).endswith(".docx")):
        return None
    return read_docx_pair(file1, file2)


def compare_docx_files_and_ignore_new_lines(file1: Any, file2: Any, ignore_blanks: bool = True) -> float:
    """The .docx documents' texts are equal once empty paragraphs are dropped: with
    ``ignore_blanks`` (the default) every run of whitespace counts as one space, else paragraph by
    paragraph."""
    pair = _docx_pair(file1, file2)
    if pair is None:
        return 0.0
    first, second = ([p.text for p in d.paragraphs if p.text != ""] for d in pair)
    if ignore_blanks:
        return float(
            re.sub(r"\s+", " ", "\n".join(first)).strip() == re.sub(r"\s+", " ", "\n".join(second)).strip()
        )
    return float(first == second)


def compare_references(
    file1: Any, file2: Any, reference_indicator: str = "References", reference_base_result: float = 0.5
) -> float:
    """The references after the ``reference_indicator`` paragraph match the expected ones: as many,
    with a mean similarity above ``reference_base_result`` (plus 0.01), scored from 0 there to 1 when
    identical. Neither document having the heading scores 1, one of them only 0."""
    pair = _docx_pair(file1, file2)
    if pair is None:
        return 0.0
    texts = [[p.text for p in d.paragraphs] for d in pair]
    found = [reference_indicator in t for t in texts]
    if not any(found):
        return 1.0
    if not all(found):
        return 0.0
    got, want = ([p for p in t[t.index(reference_indicator) + 1 :] if p.strip()] for t in texts)
    if len(got) != len(want):
        return 0.0
    if not got:
        return 1.0
    mean = sum(indel_ratio(a, b) for a, b in zip(got, want, strict=True)) / len(got)
    if mean < reference_base_result + 0.01:
        return 0.0
    return (mean - reference_base_result) / (1 - reference_base_result)


def _records(file: Any) -> list[str] | None:
    """A train timetable's non-empty lines (``time, train_id, station_id, platform``)."""
    document = read_docx(file)
    return None if document is None else [p.text.strip() for p in document.paragraphs if p.text.strip()]


def _train_id(line: str) -> str | None:
    parts = line.split(",")
    return parts[1].strip() if len(parts) == 4 else None


def check_no_duplicates(initial_file: Any, processed_file: Any) -> float:
    """The processed timetable names each train of the initial one once: no train twice, the same
    trains, one line each."""
    initial, processed = read_docx(initial_file), read_docx(processed_file)
    if initial is None or processed is None:
        return 0.0
    wanted = {i for i in (_train_id(p.text) for p in initial.paragraphs) if i is not None}
    got = [i for i in (_train_id(p.text) for p in processed.paragraphs) if i is not None]
    return float(len(got) == len(set(got)) and set(got) == wanted)


def compare_unique_train_records(processed_file: Any, expected_files: Any) -> float:
    """The processed timetable keeps only lines of the initial one (``expected_files[1]``), each
    train once, the same trains and as many lines as the gold one (``expected_files[0]``)."""
    if not isinstance(expected_files, list) or len(expected_files) < 2:
        return 0.0
    processed, gold, initial = (
        _records(processed_file),
        _records(expected_files[0]),
        _records(expected_files[1]),
    )
    if processed is None or gold is None or initial is None:
        return 0.0
    ids = [i for i in map(_train_id, processed) if i is not None]
    gold_ids = {i for i in map(_train_id, gold) if i is not None}
    return float(
        set(processed) <= set(initial)
        and len(ids) == len(set(ids))
        and set(ids) == gold_ids
        and len(processed) == len(gold)
    )
