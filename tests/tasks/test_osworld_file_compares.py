"""OSWorld's file comparisons (`file_compares`) and ``check_pdf_pages`` on real files made here: for
each, a right file, a wrong one and a missing one; and a task file per metric, shaped as OSWorld's,
that loads and is judged on a real HOME."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfWriter

from palaestra.tasks.desktop.base import DesktopOutcome
from palaestra.tasks.desktop.osworld import OSWorldTaskError, UnsupportedEvaluatorError, load_task
from palaestra.tasks.desktop.osworld.file_compares import (
    compare_python_pure_text,
    compare_result_files,
    compare_terminal_and_txt,
    compare_zip_files,
    fuzzy_place_math,
    is_gold_text_included_in_pdf,
    is_included_all_json_objects,
)
from palaestra.tasks.desktop.osworld.getters import FilePath
from palaestra.tasks.desktop.osworld.pdf_metrics import check_pdf_pages

from .test_osworld_pdf_metrics import pdf
from .test_osworld_writer_rules import document


def write(path: Path, text: str) -> FilePath:
    path.write_text(text)
    return FilePath(str(path))


def test_compare_terminal_and_txt_wants_the_terminals_exact_text(tmp_path: Path) -> None:
    shown = "$ ls\nnotes.txt\n"
    assert compare_terminal_and_txt(write(tmp_path / "t.txt", shown), shown) == 1.0
    assert compare_terminal_and_txt(write(tmp_path / "u.txt", "$ ls\n"), shown) == 0.0
    assert compare_terminal_and_txt(FilePath(str(tmp_path / "missing.txt")), shown) == 0.0
    assert compare_terminal_and_txt(write(tmp_path / "v.txt", shown), None) == 0.0


def test_compare_python_pure_text_ignores_preamble_blank_lines_and_tabs(tmp_path: Path) -> None:
    gold = write(tmp_path / "gold.py", "def f():\n    return 1\n")
    same = write(
        tmp_path / "a.py", "#!/usr/bin/env python3\n# -*- coding: utf-8 -*-\n\ndef f():  \n\treturn 1\n\n"
    )
    fenced = write(tmp_path / "b.py", "```python\ndef f():\n    return 1\n```\n")
    assert compare_python_pure_text(same, gold) == 1.0
    assert compare_python_pure_text(fenced, gold) == 0.0
    assert compare_python_pure_text(FilePath(str(tmp_path / "none.py")), gold) == 0.0


def test_is_included_all_json_objects_wants_every_key_of_the_first_in_the_second(tmp_path: Path) -> None:
    first = write(tmp_path / "a.json", json.dumps({"name": "Ada", "year": 1843}))
    bigger = write(tmp_path / "b.json", json.dumps({"name": "Ada", "year": 1843, "extra": True}))
    wrong = write(tmp_path / "c.json", json.dumps({"name": "Ada", "year": 1842}))
    assert is_included_all_json_objects(first, bigger) == 1.0
    assert is_included_all_json_objects(first, wrong) == 0.0
    assert is_included_all_json_objects(bigger, first) == 0.0
    assert is_included_all_json_objects(write(tmp_path / "l.json", "[1]"), bigger) == 0.0
    assert is_included_all_json_objects(FilePath(str(tmp_path / "no.json")), bigger) == 0.0


def test_is_gold_text_included_in_pdf_wants_every_gold_value_in_the_text(tmp_path: Path) -> None:
    form = pdf(tmp_path / "form.pdf", ["Name: Ada Lovelace", "Year: 1843"])
    gold = write(tmp_path / "gold.json", json.dumps({"name": "Ada Lovelace", "year": "1843"}))
    other = write(tmp_path / "other.json", json.dumps({"name": "Charles Babbage"}))
    assert is_gold_text_included_in_pdf(form, gold) == 1.0
    assert is_gold_text_included_in_pdf(form, other) == 0.0
    assert is_gold_text_included_in_pdf(FilePath(str(tmp_path / "no.pdf")), gold) == 0.0


def test_compare_result_files_takes_numbers_loosely_and_text_exactly(tmp_path: Path) -> None:
    number = write(tmp_path / "gold.txt", "42.5\n")
    assert compare_result_files(write(tmp_path / "a.txt", "The answer is 42.5"), number) == 1.0
    assert compare_result_files(write(tmp_path / "b.txt", "42.50001"), number) == 1.0
    assert compare_result_files(write(tmp_path / "c.txt", "42.6"), number) == 0.0
    word = write(tmp_path / "word.txt", "Paris")
    assert compare_result_files(write(tmp_path / "d.txt", " Paris\n"), word) == 1.0
    assert compare_result_files(write(tmp_path / "e.txt", "paris"), word) == 0.0
    assert compare_result_files(FilePath(str(tmp_path / "none.txt")), word) == 0.0


def zipped(path: Path, members: dict[str, bytes]) -> FilePath:
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return FilePath(str(path))


def test_compare_zip_files_wants_the_same_members_and_pdfs_alike(tmp_path: Path) -> None:
    slides = pdf(tmp_path / "s.pdf", ["Week 1", "Functions"]).read_bytes()
    gold = zipped(tmp_path / "gold.zip", {"notes.txt": b"hello", "week1.pdf": slides})
    restamped = slides.replace(b"%PDF-1.4\n", b"%PDF-1.4\n%restamped\n")
    assert (
        compare_zip_files(zipped(tmp_path / "a.zip", {"notes.txt": b"hello", "week1.pdf": restamped}), gold)
        == 1.0
    )
    other = pdf(tmp_path / "o.pdf", ["Week 9", "Networking"]).read_bytes()
    assert (
        compare_zip_files(zipped(tmp_path / "b.zip", {"notes.txt": b"hello", "week1.pdf": other}), gold)
        == 0.0
    )
    assert compare_zip_files(zipped(tmp_path / "c.zip", {"notes.txt": b"hello"}), gold) == 0.0
    assert (
        compare_zip_files(zipped(tmp_path / "d.zip", {"notes.txt": b"bye", "week1.pdf": slides}), gold) == 0.0
    )
    assert compare_zip_files(write(tmp_path / "e.zip", "not a zip"), gold) == 0.0
    assert compare_zip_files(None, gold) == 0.0


def test_fuzzy_place_math_scores_three_words_against_the_answers(tmp_path: Path) -> None:
    rules = {"expected": ["12", "15", "20"]}
    assert fuzzy_place_math(document(tmp_path / "a.docx", "12", "15 20"), rules) == 1.0
    near = fuzzy_place_math(document(tmp_path / "b.docx", "12 15 21"), rules)
    assert 0.8 < near < 1.0
    assert fuzzy_place_math(document(tmp_path / "c.docx", "12 15"), rules) == 0.0
    assert fuzzy_place_math(FilePath(str(tmp_path / "none.docx")), rules) == 0.0


def pages(path: Path, count: int) -> FilePath:
    writer = PdfWriter()
    for _ in range(count):
        writer.add_blank_page(width=612, height=792)
    with path.open("wb") as out:
        writer.write(out)
    return FilePath(str(path))


def test_check_pdf_pages_compares_the_page_count(tmp_path: Path) -> None:
    three = pages(tmp_path / "three.pdf", 3)
    assert check_pdf_pages(three, {"relation": "le", "ref_value": 3}) == 1.0
    assert check_pdf_pages(three, {"relation": "lt", "ref_value": 3}) == 0.0
    assert check_pdf_pages(three, {"relation": "eq", "ref_value": 3}) == 1.0
    assert check_pdf_pages(FilePath(str(tmp_path / "none.pdf")), {"relation": "ge", "ref_value": 0}) == 0.0


def task(tmp_path: Path, evaluator: dict[str, Any], name: str = "task") -> Path:
    data = {
        "id": "file-compare",
        "snapshot": "os",
        "instruction": "Leave the expected file.",
        "config": [],
        "related_apps": ["os"],
        "evaluator": evaluator,
    }
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(data))
    return path


def vm_file(name: str) -> dict[str, str]:
    return {"type": "vm_file", "path": f"/home/user/{name}", "dest": name}


def judged(tmp_path: Path, name: str, evaluator: dict[str, Any], files: dict[str, bytes]) -> float:
    """The task's reward once ``files`` are in a real HOME (only the files are read); the task
    file sits beside its expected files, its HOME in a folder of its own."""
    home = tmp_path / name
    home.mkdir()
    for name, content in files.items():
        (home / name).write_bytes(content)
    outcome = DesktopOutcome(home=home, elements=[], windows=[], messages=[])
    return load_task(task(tmp_path, evaluator, name)).evaluate(outcome).reward


def test_task_files_naming_them_load_and_are_judged(tmp_path: Path) -> None:
    (tmp_path / "gold.py").write_text("print('hi')\n")
    (tmp_path / "gold.json").write_text(json.dumps({"total": "17"}))
    (tmp_path / "answer.txt").write_text("17")
    (tmp_path / "gold.zip").write_bytes(Path(zipped(tmp_path / "g.zip", {"a.txt": b"a"})).read_bytes())
    cloud = {"type": "cloud_file", "path": "gold.py", "dest": "gold.py"}
    python = {"func": "compare_python_pure_text", "result": vm_file("main.py"), "expected": cloud}
    assert judged(tmp_path, "p", python, {"main.py": b"\nprint('hi')\n"}) == 1.0
    assert judged(tmp_path, "q", python, {"main.py": b"print('bye')\n"}) == 0.0
    assert judged(tmp_path, "r", python, {}) == 0.0
    gold_json = {"type": "cloud_file", "path": "gold.json", "dest": "gold.json"}
    included = {"func": "is_included_all_json_objects", "result": gold_json, "expected": vm_file("out.json")}
    assert judged(tmp_path, "s", included, {"out.json": b'{"total": "17", "n": 2}'}) == 1.0
    in_pdf = {"func": "is_gold_text_included_in_pdf", "result": vm_file("r.pdf"), "expected": gold_json}
    assert judged(tmp_path, "t", in_pdf, {"r.pdf": pdf(tmp_path / "r.pdf", ["Total 17"]).read_bytes()}) == 1.0
    answer = {
        "func": "compare_result_files",
        "result": vm_file("a.txt"),
        "expected": {"type": "cloud_file", "path": "answer.txt"},
    }
    assert judged(tmp_path, "u", answer, {"a.txt": b"It is 17."}) == 1.0
    zips = {
        "func": "compare_zip_files",
        "result": vm_file("o.zip"),
        "expected": {"type": "cloud_file", "path": "gold.zip"},
    }
    assert judged(tmp_path, "v", zips, {"o.zip": (tmp_path / "gold.zip").read_bytes()}) == 1.0
    terminal = {
        "func": "compare_terminal_and_txt",
        "result": vm_file("t.txt"),
        "expected": {"type": "vm_terminal_output"},
    }
    assert judged(tmp_path, "w", terminal, {"t.txt": b"$ ls"}) == 0.0  # no terminal on this screen
    page_rule = {"type": "rule", "rules": {"relation": "ge", "ref_value": 2}}
    paged = {"func": "check_pdf_pages", "result": vm_file("b.pdf"), "expected": page_rule}
    assert judged(tmp_path, "x", paged, {"b.pdf": Path(pages(tmp_path / "b.pdf", 2)).read_bytes()}) == 1.0
    words = {
        "func": "fuzzy_place_math",
        "result": vm_file("w.docx"),
        "expected": {"type": "rule", "rules": {"expected": ["1", "2", "3"]}},
    }
    assert (
        judged(tmp_path, "y", words, {"w.docx": Path(document(tmp_path / "w.docx", "1 2 3")).read_bytes()})
        == 1.0
    )


def test_bad_rules_are_refused_at_load(tmp_path: Path) -> None:
    bad_relation = {"type": "rule", "rules": {"relation": "less", "ref_value": 2}}
    with pytest.raises(UnsupportedEvaluatorError, match="relation `less`"):
        load_task(
            task(tmp_path, {"func": "check_pdf_pages", "result": vm_file("b.pdf"), "expected": bad_relation})
        )
    no_number = {"type": "rule", "rules": {"relation": "lt", "ref_value": "2"}}
    with pytest.raises(OSWorldTaskError, match="a number as ref_value"):
        load_task(
            task(tmp_path, {"func": "check_pdf_pages", "result": vm_file("b.pdf"), "expected": no_number})
        )
    with pytest.raises(OSWorldTaskError, match="accepted answers"):
        load_task(
            task(
                tmp_path,
                {
                    "func": "fuzzy_place_math",
                    "result": vm_file("w.docx"),
                    "expected": {"type": "rule", "rules": {"expected": "12"}},
                },
            )
        )
    with pytest.raises(UnsupportedEvaluatorError, match="empty"):
        load_task(
            task(
                tmp_path,
                {
                    "func": "check_python_file_by_gold_file",
                    "result": vm_file("a.py"),
                    "expected": vm_file("b.py"),
                },
            )
        )
