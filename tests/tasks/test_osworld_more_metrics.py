"""Metrics added for OSWorld's real task files (the coverage scan's refusals): Writer's same lines
and struck-through last paragraph on real .docx files, a text file's expected strings and its
time-stamped lines as ``sar`` writes them, and the ``multiapps`` snapshot, each loaded from a task
file shaped as OSWorld's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import docx

from palaestra.tasks.desktop.base import DesktopOutcome
from palaestra.tasks.desktop.osworld import load_task
from palaestra.tasks.desktop.osworld.text_checks import check_line_number, file_contains
from palaestra.tasks.desktop.osworld.writer_checks import (
    compare_docx_lines,
    evaluate_strike_through_last_paragraph,
)


def document(path: Path, lines: list[str], struck_last: bool = False) -> Path:
    made = docx.Document()
    for i, line in enumerate(lines):
        paragraph = made.add_paragraph()
        for word in line.split(" "):
            run = paragraph.add_run(word + " ")
            run.font.strike = struck_last and i == len(lines) - 1
    made.save(str(path))
    return path


def test_compare_docx_lines_wants_the_same_set_of_lines(tmp_path: Path) -> None:
    gold = document(tmp_path / "gold.docx", ["06:00:01, T1, S1, 1", "06:00:05, T2, S2, 2"])
    deduplicated = document(tmp_path / "a.docx", ["06:00:05, T2, S2, 2", "", "06:00:01, T1, S1, 1"])
    missing = document(tmp_path / "b.docx", ["06:00:01, T1, S1, 1"])
    assert compare_docx_lines(deduplicated, gold) == 1.0
    assert compare_docx_lines(missing, gold) == 0.0
    assert compare_docx_lines(tmp_path / "absent.docx", gold) == 0.0


def test_the_last_paragraph_must_be_struck_through_and_the_text_unchanged(tmp_path: Path) -> None:
    lines = ["Course outline", "Week 1: maps", "This paragraph is redundant"]
    gold = document(tmp_path / "gold.docx", lines, struck_last=True)
    assert evaluate_strike_through_last_paragraph(document(tmp_path / "a.docx", lines, True), gold) == 1.0
    assert evaluate_strike_through_last_paragraph(document(tmp_path / "b.docx", lines), gold) == 0.0
    edited = document(tmp_path / "c.docx", [*lines[:2], "Another paragraph"], struck_last=True)
    assert evaluate_strike_through_last_paragraph(edited, gold) == 0.0


def test_file_contains_and_check_line_number_read_a_sar_report(tmp_path: Path) -> None:
    header = "12:00:00        CPU     %user     %nice   %system   %iowait    %steal     %idle\n"
    row = "        all      1.00      0.00      0.50      0.00      0.00     98.50\n"
    rows = "".join(f"12:00:{s:02d}{row}" for s in range(1, 31))
    report = tmp_path / "System_Resources_Report.txt"
    report.write_text("Linux 6.1 (host)   12/06/2026   _x86_64_\n\n" + header + rows + "Average: all 1.00\n")
    assert file_contains(report, {"expected": ["CPU", "%user", "%idle"]}) == 1.0
    assert file_contains(report, {"expected": ["CPU", "%guest"]}) == 0.0
    assert check_line_number(report, {"expected": "31"}) == 1.0
    assert check_line_number(report, {"expected": 30}) == 0.0
    assert check_line_number(tmp_path / "absent.txt", {"expected": "31"}) == 0.0


def test_a_multiapps_task_with_these_metrics_loads_and_is_judged(tmp_path: Path) -> None:
    report = {"type": "vm_file", "path": "/home/user/Desktop/report.txt", "dest": "report.txt"}
    data: dict[str, Any] = {
        "id": "2373b66a-092d-44cb-bfd7-82e86e7a3b4d",
        "snapshot": "multiapps",
        "instruction": "Monitor the system with sar every second for 3 seconds into report.txt.",
        "config": [{"type": "command", "parameters": {"command": "true", "shell": "true"}}],
        "related_apps": ["os"],
        "evaluator": {
            "func": ["file_contains", "check_line_number"],
            "result": [report, report],
            "expected": [
                {"type": "rule", "rules": {"expected": ["CPU", "%user"]}},
                {"type": "rule", "rules": {"expected": "3"}},
            ],
        },
    }
    path = tmp_path / "task.json"
    path.write_text(json.dumps(data))
    task = load_task(path)
    home = tmp_path / "home"
    (home / "Desktop").mkdir(parents=True)
    outcome = DesktopOutcome(home=home, elements=[], windows=[], messages=[])
    assert task.evaluate(outcome).reward == 0.0
    (home / "Desktop" / "report.txt").write_text("10:00:00 CPU %user\n10:00:01 all 1.0\n10:00:02 all 2.0\n")
    assert task.evaluate(outcome).reward == 1.0


def test_a_subscript_in_both_documents_and_page_numbers_in_every_footer(tmp_path: Path) -> None:
    from palaestra.tasks.desktop.osworld.writer_checks import (
        compare_subscript_contains,
        has_page_numbers_in_footers,
    )

    def water(path: Path, subscript: bool) -> Path:
        made = docx.Document()
        paragraph = made.add_paragraph()
        paragraph.add_run("H")
        paragraph.add_run("2").font.subscript = subscript
        paragraph.add_run("O is water")
        made.save(str(path))
        return path

    gold = water(tmp_path / "gold.docx", True)
    assert compare_subscript_contains(water(tmp_path / "a.docx", True), gold) == 1.0
    assert compare_subscript_contains(water(tmp_path / "b.docx", False), gold) == 0.0

    numbered = docx.Document()
    numbered.add_paragraph("Body")
    numbered.sections[0].footer.paragraphs[0].text = "Page 1"
    numbered.save(str(tmp_path / "numbered.docx"))
    assert has_page_numbers_in_footers(tmp_path / "numbered.docx") == 1.0
    assert has_page_numbers_in_footers(document(tmp_path / "plain.docx", ["Body"])) == 0.0
