"""OSWorld's comparisons of a file the agent leaves with an expected file or text, written afresh
with the same names, arguments and semantics (its ``general`` and ``vscode`` metrics): a text file
against the terminal's text, a Python file against a gold one, a JSON object inside another, a
gold JSON's texts inside a PDF, an answer file against the expected number, two zip archives, and
a document's three words against the expected answers.

Each takes its arguments in OSWorld's order, result first. A missing or unreadable file scores 0.
"""

from __future__ import annotations

import io
import json
import zipfile
from difflib import SequenceMatcher
from typing import Any

from palaestra.tasks.desktop.osworld.errors import OSWorldTaskError
from palaestra.tasks.desktop.osworld.general_metrics import indel_ratio
from palaestra.tasks.desktop.osworld.getters import file_text
from palaestra.tasks.desktop.osworld.pdf_metrics import pdf_text

#: The first lines of a Python file that say how to run or read it, not what it does.
PREAMBLES = ("#!", "# -*- coding:", "# coding:", "# coding=")


def compare_terminal_and_txt(txt_file: Any, terminal_output: Any) -> float:
    """The file's text is exactly the terminal's text (``vm_terminal_output``): the agent saved
    what the terminal shows."""
    text = file_text(txt_file)
    return float(bool(text) and bool(terminal_output) and text == str(terminal_output))


def _python_lines(text: str) -> list[str]:
    """The file's lines that carry code: a shebang or coding line among the first three dropped,
    blank lines dropped, tabs expanded to 4 columns and trailing blanks cut."""
    lines = text.splitlines()
    start = 0
    while start < min(3, len(lines)) and lines[start].strip().startswith(PREAMBLES):
        start += 1
    return [line.expandtabs(4).rstrip() for line in lines[start:] if line.strip()]


def compare_python_pure_text(py_file: Any, gold_file: Any) -> float:
    """The Python file is the gold one, line for line, blank lines and trailing blanks aside: a
    Markdown fence or a note left in the file fails it."""
    got, want = file_text(py_file), file_text(gold_file)
    if got is None or want is None:
        return 0.0
    return float(_python_lines(got) == _python_lines(want))


def _json_object(path: Any) -> dict[str, Any] | None:
    text = file_text(path)
    if text is None:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def is_included_all_json_objects(first: Any, second: Any) -> float:
    """Every key of the first file's JSON object is in the second's with the same value (OSWorld
    names the first "gold"; its tasks decide which file that is)."""
    included, including = _json_object(first), _json_object(second)
    if included is None or including is None:
        return 0.0
    return float(all(key in including and including[key] == value for key, value in included.items()))


def is_gold_text_included_in_pdf(pdf_file: Any, gold_file: Any) -> float:
    """Every value of the gold JSON object appears in the PDF's text. The text is read with pypdf
    (`pdf_metrics.pdf_text`; OSWorld reads it with pdfplumber, whose spacing between words can
    differ)."""
    text, gold = pdf_text(pdf_file), _json_object(gold_file)
    if text is None or gold is None:
        return 0.0
    return float(all(str(value) in text for value in gold.values()))


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def compare_result_files(src_file: Any, tgt_file: Any) -> float:
    """The answer file gives the expected answer: when the expected text is a number, the answer
    holds that text (a sentence around it will do) or is a number within 1e-4 of it; otherwise the
    two texts are equal, outer blanks aside."""
    src, tgt = file_text(src_file), file_text(tgt_file)
    if src is None or tgt is None:
        return 0.0
    src, tgt = src.strip(), tgt.strip()
    want = _number(tgt)
    if want is None:
        return float(src == tgt)
    if tgt in src:
        return 1.0
    got = _number(src)
    return float(src == tgt) if got is None else float(abs(got - want) < 1e-4)


#: How alike two PDFs' texts must be for ``compare_zip_files`` to take them as the same.
PDF_SIMILARITY = 0.95


def _pdf_bytes_text(content: bytes) -> str:
    from pypdf import PdfReader

    return "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)


def compare_zip_files(actual: Any, expected: Any) -> float:
    """The archives hold the same member names, and each member the same bytes; a PDF member
    passes when its text is at least 95 % alike (PDF writers stamp dates and ids)."""
    if not actual or not expected:
        return 0.0
    from pypdf.errors import PyPdfError

    try:
        with zipfile.ZipFile(str(actual)) as got, zipfile.ZipFile(str(expected)) as want:
            names = set(got.namelist())
            if names != set(want.namelist()):
                return 0.0
            for name in names:
                mine, theirs = got.read(name), want.read(name)
                if name.lower().endswith(".pdf"):
                    ratio = SequenceMatcher(None, _pdf_bytes_text(mine), _pdf_bytes_text(theirs)).ratio()
                    if ratio < PDF_SIMILARITY:
                        return 0.0
                elif mine != theirs:
                    return 0.0
    except (OSError, zipfile.BadZipFile, PyPdfError):
        return 0.0
    return 1.0


def fuzzy_place_math(docx_file: Any, rules: dict[str, Any]) -> float:
    """The document holds exactly three words, each scored by its best similarity to one of
    ``rules["expected"]`` (the accepted spellings); the score is their mean."""
    from palaestra.tasks.desktop.osworld.writer_metrics import read_docx

    document = read_docx(docx_file)
    if document is None:
        return 0.0
    words = [word for paragraph in document.paragraphs for word in paragraph.text.split()]
    if len(words) != 3:
        return 0.0
    answers = [str(a) for a in rules["expected"]]
    return sum(max((indel_ratio(word, a) for a in answers), default=0.0) for word in words) / 3


def check_answers_rules(rules: Any, source: str, where: str) -> None:
    """``fuzzy_place_math`` needs ``{"expected": [accepted answers]}``."""
    expected = rules.get("expected") if isinstance(rules, dict) else None
    if not isinstance(expected, list) or not expected or not all(isinstance(a, str) for a in expected):
        raise OSWorldTaskError(
            source, where, f'`fuzzy_place_math` needs rules {{"expected": [accepted answers]}}, got {rules!r}'
        )
