"""Our metrics of files compared (PDFs, JSON, Python, archives, e-books, a conference list) score as
OSWorld's own do (desktop-env 1.0.2's pdf.py, general.py, vscode.py, table.py, others.py), on the
files of our file-compare tests, a passing and a failing variant of each (see `osworld_against`)."""

from __future__ import annotations

import json
from pathlib import Path

from .osworld_against import Case, Difference, assert_same_scores, folder, path
from .test_osworld_file_compares import pages, write, zipped
from .test_osworld_more_files import CITIES, epub, sheet, tarred
from .test_osworld_pdf_metrics import pdf
from .test_osworld_writer_rules import document


def file_cases(d: Path) -> dict[str, Case]:
    three = pages(d / "three.pdf", 3)
    form = path(pdf(d / "form.pdf", ["Name: Ada Lovelace", "Year: 1843"]))
    gold_text = write(d / "gold.json", json.dumps({"name": "Ada Lovelace", "year": "1843"}))
    other_text = write(d / "other.json", json.dumps({"name": "Charles Babbage"}))
    bigger = write(d / "bigger.json", json.dumps({"name": "Ada Lovelace", "year": "1843", "extra": True}))
    wrong = write(d / "wrong.json", json.dumps({"name": "Ada Lovelace", "year": "1842"}))
    gold_py = write(d / "gold.py", "def f():\n    return 1\n")
    same_py = write(
        d / "a.py", "#!/usr/bin/env python3\n# -*- coding: utf-8 -*-\n\ndef f():  \n\treturn 1\n\n"
    )
    fenced_py = write(d / "b.py", "```python\ndef f():\n    return 1\n```\n")
    number = write(d / "number.txt", "42.5\n")
    slides = pdf(d / "s.pdf", ["Week 1", "Functions"]).read_bytes()
    other_slides = pdf(d / "o.pdf", ["Week 9", "Networking"]).read_bytes()
    gold_zip = zipped(d / "gold.zip", {"notes.txt": b"hello", "week1.pdf": slides})
    restamped = slides.replace(b"%PDF-1.4\n", b"%PDF-1.4\n%restamped\n")
    answers = {"expected": ["12", "15", "20"]}
    cities = {"expected": [["Vienna", "Wien"], "Singapore", "New Orleans"] * 7}
    page = "<html><body><h1>Chapter 1</h1><p>It was a dark night.</p><p>The end.</p></body></html>"
    gold_book = epub(d / "gold.epub", page, "uuid-1")
    other_page = page.replace("It was a dark night.", "It was sunny.").replace("The end.", "Fin.")
    return {
        "pdf_pages le": Case("pdf", "check_pdf_pages", (three, {"relation": "le", "ref_value": 3})),
        "pdf_pages lt": Case("pdf", "check_pdf_pages", (three, {"relation": "lt", "ref_value": 3})),
        "gold text in pdf pass": Case("general", "is_gold_text_included_in_pdf", (form, gold_text)),
        "gold text in pdf fail": Case("general", "is_gold_text_included_in_pdf", (form, other_text)),
        "json objects pass": Case("general", "is_included_all_json_objects", (gold_text, bigger)),
        "json objects fail": Case("general", "is_included_all_json_objects", (gold_text, wrong)),
        "python text pass": Case("general", "compare_python_pure_text", (same_py, gold_py)),
        "python text fenced": Case("general", "compare_python_pure_text", (fenced_py, gold_py)),
        "result files sentence": Case(
            "vscode", "compare_result_files", (write(d / "a.txt", "The answer is 42.5"), number)
        ),
        "result files near": Case("vscode", "compare_result_files", (write(d / "b.txt", "42.50001"), number)),
        "result files other": Case("vscode", "compare_result_files", (write(d / "c.txt", "42.6"), number)),
        "result files word case": Case(
            "vscode", "compare_result_files", (write(d / "e.txt", "paris"), write(d / "w.txt", "Paris"))
        ),
        "zip files restamped": Case(
            "vscode",
            "compare_zip_files",
            (zipped(d / "a.zip", {"notes.txt": b"hello", "week1.pdf": restamped}), gold_zip),
        ),
        "zip files other pdf": Case(
            "vscode",
            "compare_zip_files",
            (zipped(d / "b.zip", {"notes.txt": b"hello", "week1.pdf": other_slides}), gold_zip),
        ),
        "zip files member missing": Case(
            "vscode", "compare_zip_files", (zipped(d / "c.zip", {"notes.txt": b"hello"}), gold_zip)
        ),
        "place math pass": Case(
            "general", "fuzzy_place_math", (document(d / "m1.docx", "12", "15 20"), answers)
        ),
        "place math near": Case(
            "general", "fuzzy_place_math", (document(d / "m2.docx", "12 15 21"), answers)
        ),
        "place math two": Case("general", "fuzzy_place_math", (document(d / "m3.docx", "12 15"), answers)),
        "cities pass": Case(
            "table", "compare_conference_city_in_order", (sheet(d / "c1.xlsx", CITIES), cities)
        ),
        "cities wien": Case(
            "table",
            "compare_conference_city_in_order",
            (sheet(d / "c2.xlsx", ["Wien, Austria", *CITIES[1:]]), cities),
        ),
        "cities swapped": Case(
            "table",
            "compare_conference_city_in_order",
            (sheet(d / "c3.xlsx", ["Singapore", "Vienna", *CITIES[2:]]), cities),
        ),
        "epub rewrapped": Case(
            "others", "compare_epub", (epub(d / "a.epub", page.replace("<p>", "\n<p>"), "uuid-2"), gold_book)
        ),
        "epub other": Case("others", "compare_epub", (epub(d / "b.epub", other_page, "uuid-3"), gold_book)),
    }


def archive_cases(d: Path) -> dict[str, Case]:
    """compare_archive (chrome.py): the archives' folders, file by file, compared by type."""
    week = [pdf(d / f"w{i}.pdf", [f"Lecture {i}", "Slides"]).read_bytes() for i in range(2)]
    slides = {"lecture_slides/lecture0.pdf": week[0], "lecture_slides/lecture1.pdf": week[1]}
    gold = zipped(d / "gold_slides.zip", slides)
    options = {"file_path": "lecture_slides", "file_type": "pdf"}
    mixed = {"lecture_slides/lecture0.pdf": week[0], "lecture_slides/lecture1.pdf": week[0]}
    notes = zipped(d / "gold_notes.zip", {"a.txt": b"alpha\n", "b.txt": b"beta\n"})
    c = "chrome"
    return {
        "archive zip": Case(c, "compare_archive", (zipped(d / "archive_a.zip", slides), gold), options),
        "archive tar": Case(c, "compare_archive", (tarred(d / "archive_a.tar.gz", slides), gold), options),
        "archive one missing": Case(
            c, "compare_archive", (zipped(d / "archive_b.zip", dict(list(slides.items())[:1])), gold), options
        ),
        "archive mixed": Case(c, "compare_archive", (zipped(d / "archive_c.zip", mixed), gold), options),
        "archive text": Case(
            c,
            "compare_archive",
            (zipped(d / "archive_t.zip", {"a.txt": b"alpha\n", "b.txt": b"BETA\n"}), notes),
        ),
    }


DIFFERENCES: dict[str, Difference] = {}


def test_file_compare_metrics_score_as_osworlds(tmp_path: Path) -> None:
    assert_same_scores(
        file_cases(folder(tmp_path, "files")) | archive_cases(folder(tmp_path, "archives")), DIFFERENCES
    )
