"""The bundled PDF tasks' documents and how they are judged, without a desktop: the committed PDFs
are what scripts/osworld_pdfs.py writes; compare_pdfs tells the filled-in form from the blank one
(a text field's value counts as the page's text, as PyMuPDF's text of a drawn widget does in
OSWorld); a PDF opens in Evince; Evince counts as ready once a window shows its document."""

from __future__ import annotations

import runpy
import shutil
from pathlib import Path

from pypdf import PdfReader, PdfWriter

from palaestra.envs.desktop.evince_app import documents, ready
from palaestra.tasks.desktop.osworld import BUNDLED
from palaestra.tasks.desktop.osworld.apps import open_argv
from palaestra.tasks.desktop.osworld.pdf_metrics import compare_pdfs, pdf_text

FILES = BUNDLED / "files"
SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "osworld_pdfs.py"


def test_the_committed_pdfs_are_the_scripts_output() -> None:
    script = runpy.run_path(str(SCRIPT), run_name="osworld_pdfs")  # not as __main__: writes nothing
    for name, data in script["outputs"]().items():
        assert (FILES / name).read_bytes() == data, f"{name}: run scripts/osworld_pdfs.py"


def test_a_filled_text_field_is_part_of_the_text(tmp_path: Path) -> None:
    blank, expected = FILES / "application.pdf", FILES / "application_expected.pdf"
    assert pdf_text(expected) == (pdf_text(blank) or "") + "\nAda Lovelace"
    assert 0.9 < compare_pdfs(blank, expected) < 1.0
    # The form filled in by pypdf (as Evince fills it: the field's value and its appearance).
    writer = PdfWriter(clone_from=blank)
    writer.update_page_form_field_values(writer.pages[0], {"full_name": "Ada Lovelace"})
    writer.write(tmp_path / "filled.pdf")
    assert compare_pdfs(tmp_path / "filled.pdf", expected) == 1.0
    writer.update_page_form_field_values(writer.pages[0], {"full_name": "Ada Byron"})
    writer.write(tmp_path / "other.pdf")
    assert compare_pdfs(tmp_path / "other.pdf", expected) < 1.0
    shutil.copy(blank, tmp_path / "copy.pdf")
    assert compare_pdfs(tmp_path / "copy.pdf", blank) == 1.0


def test_the_lecture_notes_have_a_title_and_four_pages() -> None:
    reader = PdfReader(FILES / "lecture.pdf")
    assert reader.metadata is not None and reader.metadata.title == "Algorithms, Lecture 4: Searching"
    assert len(reader.pages) == 4 and "Running time: O(log n)" in reader.pages[2].extract_text()


def test_a_pdf_opens_in_evince() -> None:
    assert open_argv("Desktop/lecture.pdf", True, (), "t.json", "config[1]") == (
        "evince",
        "~/Desktop/lecture.pdf",
    )
    assert open_argv("Desktop/SCAN.PDF", True, ("pdf",), "t.json", "config[1]")[0] == "evince"


def test_evince_is_ready_once_a_window_shows_its_document() -> None:
    names = documents(["evince", "/home/u/Desktop/lecture.pdf"])
    assert names == ["lecture.pdf"]
    loading = [{"title": "Document Viewer", "active": True}]
    assert not ready(loading, names)
    behind = [
        {"title": "lecture.pdf \u2014 Algorithms", "active": False},
        {"title": "x - Mousepad", "active": True},
    ]
    assert ready(behind, names)
    assert ready([{"title": "lecture.pdf", "active": True}], names)
    assert not ready([{"title": "lecture.pdf.bak", "active": True}], names)
