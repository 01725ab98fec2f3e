"""OSWorld's ``pdf_from_url`` getter and the metrics that read what it prints, over real files made
here: PDFs with pictures written by Pillow and pypdf (``compare_pdf_images``), HTML files parsed by
lxml (``compare_htmls``); each with a passing and a failing case, a missing file scoring 0, and a
task file of each that loads (or is refused, with why)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from pypdf import PdfWriter

from palaestra.tasks.desktop.base import DesktopOutcome
from palaestra.tasks.desktop.osworld import OfflineURLError, OSWorldTaskError, load_task
from palaestra.tasks.desktop.osworld.html_compares import compare_htmls
from palaestra.tasks.desktop.osworld.pdf_pictures import compare_pdf_images

PAGE = "file:///home/user/pages/page.html"


def picture(seed: int) -> Image.Image:
    """A picture of smooth colours (random ones, enlarged): a photo's wealth of low frequencies,
    which a pHash reads (flat synthetic shapes leave most of them at zero, around the median)."""
    cells = np.random.default_rng(seed).integers(0, 256, (8, 8, 3), dtype=np.uint8)
    return Image.fromarray(cells).resize((96, 96), Image.Resampling.BICUBIC)


def pictures_pdf(path: Path, *pictures: Image.Image, quality: int = 95) -> Path:
    """A PDF with a page per picture (Pillow embeds each as a JPEG image)."""
    first, *rest = pictures
    first.save(path, "PDF", save_all=True, append_images=rest, quality=quality)
    return path


def blank_pdf(path: Path) -> Path:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.write(path)
    return path


def test_pdfs_with_the_same_pictures_match(tmp_path: Path) -> None:
    gold = pictures_pdf(tmp_path / "gold.pdf", picture(1), picture(2))
    # The same pictures compressed harder: their pixels differ, their perceptual hashes do not.
    saved = pictures_pdf(tmp_path / "saved.pdf", picture(1), picture(2), quality=40)
    assert compare_pdf_images(saved, gold) == 1.0
    assert compare_pdf_images(blank_pdf(tmp_path / "a.pdf"), blank_pdf(tmp_path / "b.pdf")) == 1.0


def test_pdfs_with_other_pictures_do_not(tmp_path: Path) -> None:
    gold = pictures_pdf(tmp_path / "gold.pdf", picture(1), picture(2))
    one_wrong = pictures_pdf(tmp_path / "one.pdf", picture(1), picture(1).rotate(90))
    assert compare_pdf_images(one_wrong, gold) == 0.5  # the share of pairs that match
    assert compare_pdf_images(pictures_pdf(tmp_path / "fewer.pdf", picture(1)), gold) == 0.0
    assert compare_pdf_images(blank_pdf(tmp_path / "none.pdf"), gold) == 0.0


def test_a_missing_or_broken_pdf_scores_zero(tmp_path: Path) -> None:
    gold = pictures_pdf(tmp_path / "gold.pdf", picture(1))
    (tmp_path / "broken.pdf").write_text("not a PDF")
    assert compare_pdf_images(tmp_path / "absent.pdf", gold) == 0.0
    assert compare_pdf_images(tmp_path / "broken.pdf", gold) == 0.0
    assert compare_pdf_images(None, gold) == 0.0


HTML = """<!DOCTYPE html><html><head><title>Sales</title></head><body>
<table class="grid  wide" id="t"><tr><td sdnum="1033;0;0.00" align="right">12.50</td></tr></table>
<!-- made by hand -->
</body></html>"""


def html(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_the_same_page_matches(tmp_path: Path) -> None:
    gold = html(tmp_path / "gold.html", HTML)
    # Attributes in another order, a class list spaced otherwise: the same page.
    same = HTML.replace('class="grid  wide" id="t"', 'id="t" class="grid wide"')
    assert compare_htmls(html(tmp_path / "same.html", same), gold) == 1.0


def test_another_text_attribute_or_comment_does_not(tmp_path: Path) -> None:
    gold = html(tmp_path / "gold.html", HTML)
    for changed in (
        HTML.replace("12.50", "12.5"),
        HTML.replace('align="right"', 'align="left"'),
        HTML.replace("made by hand", "made by Calc"),
        HTML.replace("<td ", "<th ").replace("</td>", "</th>"),
    ):
        assert compare_htmls(html(tmp_path / "changed.html", changed), gold) == 0.0, changed


def test_ignore_sdnum_leaves_out_calcs_number_formats(tmp_path: Path) -> None:
    gold = html(tmp_path / "gold.html", HTML)
    other_format = html(tmp_path / "other.html", HTML.replace("1033;0;0.00", "1031;0;#,##0.00"))
    assert compare_htmls(other_format, gold) == 0.0
    assert compare_htmls(other_format, gold, ignore_sdnum=True) == 1.0


def test_a_missing_or_unreadable_page_scores_zero(tmp_path: Path) -> None:
    gold = html(tmp_path / "gold.html", HTML)
    (tmp_path / "latin.html").write_bytes(HTML.replace("Sales", "Verkäufe").encode("latin-1"))
    assert compare_htmls(tmp_path / "absent.html", gold) == 0.0
    assert compare_htmls(tmp_path / "latin.html", gold) == 0.0


# -- the task files ----------------------------------------------------------------------------


def task(folder: Path, evaluator: dict[str, Any]) -> Path:
    data = {
        "id": "c3",
        "snapshot": "chrome",
        "instruction": "Save the page as PDF on the Desktop.",
        "config": [{"type": "launch", "parameters": {"command": ["google-chrome", PAGE]}}],
        "related_apps": ["chrome"],
        "evaluator": evaluator,
    }
    path = folder / "c3.json"
    path.write_text(json.dumps(data))
    return path


def outcome(home: Path, printed: dict[str, Path] | None = None) -> DesktopOutcome:
    return DesktopOutcome(home=home, elements=[], windows=[], messages=[], printed_pages=printed or {})


def test_a_printed_page_is_the_gold_of_a_saved_pdf(tmp_path: Path) -> None:
    evaluator = {
        "func": "compare_pdf_images",
        "result": {"type": "vm_file", "path": "/home/user/Desktop/page.pdf", "dest": "page.pdf"},
        "expected": {"type": "pdf_from_url", "path": PAGE, "dest": "page_gold.pdf"},
    }
    loaded = load_task(task(tmp_path, evaluator))
    assert loaded.printed_pages() == (PAGE,) and not loaded.reads_browser_tabs()
    (tmp_path / "Desktop").mkdir()
    pictures_pdf(tmp_path / "Desktop/page.pdf", picture(1))
    printed = pictures_pdf(tmp_path / "printed.pdf", picture(1))
    assert loaded.evaluate(outcome(tmp_path, {PAGE: printed})).reward == 1.0
    other = pictures_pdf(tmp_path / "other.pdf", picture(2))
    assert loaded.evaluate(outcome(tmp_path, {PAGE: other})).reward == 0.0
    assert loaded.evaluate(outcome(tmp_path)).reward == 0.0  # the page could not be printed


def test_only_pages_of_this_machine_are_printed(tmp_path: Path) -> None:
    def evaluator(url: Any, dest: Any = "gold.pdf") -> dict[str, Any]:
        return {
            "func": "compare_pdfs",
            "result": {"type": "vm_file", "path": "/home/user/Desktop/page.pdf", "dest": "page.pdf"},
            "expected": {"type": "pdf_from_url", "path": url, "dest": dest},
        }

    served = "http://127.0.0.1:8000/report.html"
    assert load_task(task(tmp_path, evaluator(served))).printed_pages() == (served,)
    with pytest.raises(OfflineURLError, match=r"lilianweng\.github\.io"):
        load_task(task(tmp_path, evaluator("https://lilianweng.github.io/posts/2023-06-23-agent/")))
    with pytest.raises(OSWorldTaskError, match="expected a URL"):
        load_task(task(tmp_path, evaluator(None)))
    with pytest.raises(OSWorldTaskError, match="`dest` must be a file name"):
        load_task(task(tmp_path, evaluator(PAGE, dest=3)))


def test_a_task_comparing_html_files_loads_and_judges(tmp_path: Path) -> None:
    html(tmp_path / "gold.html", HTML)
    evaluator = {
        "func": "compare_htmls",
        "result": {"type": "vm_file", "path": "/home/user/Desktop/sales.html", "dest": "sales.html"},
        "expected": {"type": "cloud_file", "path": "gold.html", "dest": "gold.html"},
        "options": {"ignore_sdnum": True},
    }
    loaded = load_task(task(tmp_path / "", evaluator))
    home = tmp_path / "home"
    (home / "Desktop").mkdir(parents=True)
    assert loaded.evaluate(outcome(home)).reward == 0.0  # not saved yet
    html(home / "Desktop/sales.html", HTML.replace("1033;0;0.00", "1031"))
    assert loaded.evaluate(outcome(home)).reward == 1.0
    with pytest.raises(OSWorldTaskError, match="ignore_blanks"):
        load_task(task(tmp_path, dict(evaluator, options={"ignore_blanks": True})))
