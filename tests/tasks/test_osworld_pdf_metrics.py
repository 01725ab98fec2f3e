"""OSWorld's ``compare_pdfs`` (`pdf_metrics`) on real PDF files (one page of Helvetica text per file,
written byte by byte as a PDF 1.4 file with its cross-reference table): the same text scores 1, a
different one less, a missing or broken file 0; lists are compared pair by pair; and a Writer task
exporting to PDF loads and is judged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from palaestra.tasks.desktop.base import DesktopOutcome
from palaestra.tasks.desktop.osworld import load_task
from palaestra.tasks.desktop.osworld.pdf_metrics import compare_pdfs, pdf_text


def pdf(path: Path, lines: list[str]) -> Path:
    """A one-page PDF showing ``lines``."""
    text = "".join(f"BT /F1 12 Tf 72 {720 - 16 * i} Td ({line}) Tj ET\n" for i, line in enumerate(lines))
    stream = text.encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"endstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    table = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, table)
    path.write_bytes(bytes(out))
    return path


AGENDA = ["Meeting agenda", "1. Budget review", "2. Hiring plan"]


def test_compare_pdfs_scores_how_alike_the_texts_are(tmp_path: Path) -> None:
    gold = pdf(tmp_path / "gold.pdf", AGENDA)
    assert "Budget review" in (pdf_text(gold) or "")
    assert compare_pdfs(pdf(tmp_path / "a.pdf", AGENDA), gold) == 1.0
    changed = compare_pdfs(pdf(tmp_path / "b.pdf", [*AGENDA[:2], "2. Office move"]), gold)
    assert 0.5 < changed < 1.0
    assert compare_pdfs(pdf(tmp_path / "c.pdf", ["Shopping list"]), gold) < 0.5
    assert compare_pdfs(tmp_path / "absent.pdf", gold) == 0.0
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4\nnot really")
    assert compare_pdfs(tmp_path / "broken.pdf", gold) == 0.0


def test_lists_are_compared_pair_by_pair(tmp_path: Path) -> None:
    golds = [pdf(tmp_path / "g1.pdf", ["Alex Lee"]), pdf(tmp_path / "g2.pdf", ["David Wilson"])]
    done = [pdf(tmp_path / "r1.pdf", ["Alex Lee"]), pdf(tmp_path / "r2.pdf", ["David Wilson"])]
    assert compare_pdfs(done, golds) == 1.0
    assert compare_pdfs([done[0], None], golds) == pytest.approx(0.5)


def test_a_writer_task_exporting_to_pdf_is_judged(tmp_path: Path) -> None:
    (tmp_path / "files").mkdir()
    pdf(tmp_path / "files" / "gold.pdf", AGENDA)
    data = {
        "id": "4bcb1253-a636-4df4-8cb0-a35c04dfef31",
        "snapshot": "libreoffice_writer",
        "instruction": "Export the current document into PDF, keep the file name",
        "config": [{"type": "open", "parameters": {"path": "/home/user/Desktop/agenda.docx"}}],
        "related_apps": ["libreoffice_writer"],
        "evaluator": {
            "func": "compare_pdfs",
            "result": {"type": "vm_file", "path": "/home/user/Desktop/agenda.pdf", "dest": "agenda.pdf"},
            "expected": {"type": "cloud_file", "path": "files/gold.pdf", "dest": "gold.pdf"},
        },
    }
    (tmp_path / "task.json").write_text(json.dumps(data))
    task = load_task(tmp_path / "task.json")
    home = tmp_path / "home"
    (home / "Desktop").mkdir(parents=True)
    outcome = DesktopOutcome(home=home, elements=[], windows=[], messages=[])
    assert task.evaluate(outcome).reward == 0.0
    pdf(home / "Desktop" / "agenda.pdf", AGENDA)
    assert task.evaluate(outcome).reward == 1.0
