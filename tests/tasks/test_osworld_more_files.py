"""OSWorld's checks of pictures by a chosen SSIM threshold, conference cities in a sheet, EPUB books,
MP3 tags and archives, on real files made here (Pillow, openpyxl, zip and tar archives, mutagen's
ID3 tags): each on a right file, a wrong one and a missing one; their task files load, and their
rules and options are checked at load."""

from __future__ import annotations

import io
import json
import tarfile
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from mutagen.easyid3 import EasyID3
from PIL import Image, ImageDraw

from palaestra.tasks.desktop.base import DesktopOutcome
from palaestra.tasks.desktop.osworld import OSWorldTaskError, UnsupportedEvaluatorError, load_task
from palaestra.tasks.desktop.osworld.archive_compares import compare_archive
from palaestra.tasks.desktop.osworld.calc_cities import compare_conference_city_in_order
from palaestra.tasks.desktop.osworld.epub_checks import compare_epub
from palaestra.tasks.desktop.osworld.getters import FilePath
from palaestra.tasks.desktop.osworld.mp3_tags import check_mp3_meta
from palaestra.tasks.desktop.osworld.picture_checks import check_structure_sim_with_threshold

from .test_osworld_file_compares import vm_file
from .test_osworld_pdf_metrics import pdf

MISSING = FilePath("/nonexistent/none")


def picture(path: Path, size: tuple[int, int], box: tuple[int, int, int, int]) -> FilePath:
    image = Image.new("RGB", size, "white")
    ImageDraw.Draw(image).rectangle(box, fill="navy")
    image.save(path)
    return FilePath(str(path))


def test_check_structure_sim_with_threshold_scales_and_uses_the_tasks_threshold(tmp_path: Path) -> None:
    gold = picture(tmp_path / "gold.png", (64, 64), (16, 16, 48, 48))
    assert (
        check_structure_sim_with_threshold(picture(tmp_path / "a.png", (64, 64), (16, 16, 48, 48)), gold)
        == 1.0
    )
    twice = picture(tmp_path / "b.png", (128, 128), (32, 32, 96, 96))
    assert check_structure_sim_with_threshold(twice, gold) == 1.0  # scaled to the gold's size first
    moved = picture(tmp_path / "c.png", (64, 64), (0, 0, 20, 20))
    assert check_structure_sim_with_threshold(moved, gold) == 0.0
    assert check_structure_sim_with_threshold(moved, gold, ssim_threshold=0.0) == 1.0
    assert check_structure_sim_with_threshold(MISSING, gold) == 0.0


CITIES = ["Vienna", "Singapore", "New Orleans"] * 7  # 21 rows, as OSWorld's sheet has


def sheet(path: Path, cities: list[Any]) -> FilePath:
    book = openpyxl.Workbook()
    page = book.active
    assert page is not None
    page.append(["Conference", "Year", "City"])
    for i, city in enumerate(cities):
        page.append([f"Conf {i}", 2024, city])
    book.save(path)
    return FilePath(str(path))


def test_compare_conference_city_in_order_wants_each_rows_city(tmp_path: Path) -> None:
    rules: dict[str, Any] = {"expected": [["Vienna", "Wien"], "Singapore", "New Orleans"] * 7}
    assert compare_conference_city_in_order(sheet(tmp_path / "a.xlsx", CITIES), rules) == 1.0
    wien = sheet(tmp_path / "b.xlsx", ["Wien, Austria", *CITIES[1:]])
    assert compare_conference_city_in_order(wien, rules) == 1.0
    swapped = sheet(tmp_path / "c.xlsx", ["Singapore", "Vienna", *CITIES[2:]])
    assert compare_conference_city_in_order(swapped, rules) == 0.0
    assert (
        compare_conference_city_in_order(sheet(tmp_path / "d.xlsx", CITIES[:20]), rules) == 0.0
    )  # C22 empty
    assert (
        compare_conference_city_in_order(sheet(tmp_path / "e.xlsx", CITIES), {"expected": CITIES[:3]}) == 0.0
    )
    assert compare_conference_city_in_order(MISSING, rules) == 0.0


def epub(path: Path, chapter: str, identifier: str) -> FilePath:
    with zipfile.ZipFile(path, "w") as book:
        book.writestr("mimetype", "application/epub+zip")
        book.writestr("toc.ncx", f'<ncx>\n<navPoint id="{identifier}">\n<text>Chapter 1</text>\n</ncx>\n')
        book.writestr(
            "content.opf",
            f"<package>\n<dc:identifier>{identifier}</dc:identifier>\n<title>T</title>\n</package>\n",
        )
        book.writestr("chapter1.html", chapter)
    return FilePath(str(path))


def test_compare_epub_ignores_fresh_ids_and_line_breaks(tmp_path: Path) -> None:
    page = "<html><body><h1>Chapter 1</h1><p>It was a dark night.</p><p>The end.</p></body></html>"
    gold = epub(tmp_path / "gold.epub", page, "uuid-1")
    rewrapped = page.replace("<p>", "\n<p>")
    assert compare_epub(epub(tmp_path / "a.epub", rewrapped, "uuid-2"), gold) == 1.0
    other = page.replace("It was a dark night.", "It was sunny.").replace("The end.", "Fin.")
    score = compare_epub(epub(tmp_path / "b.epub", other, "uuid-3"), gold)
    assert 0.0 < score < 1.0
    assert compare_epub(FilePath(str(tmp_path / "none.epub")), gold) == 0.0
    (tmp_path / "bare.epub").write_bytes(b"not a zip")
    assert compare_epub(FilePath(str(tmp_path / "bare.epub")), gold) == 0.0


def mp3(path: Path, **tags: str) -> FilePath:
    path.write_bytes(b"\xff\xfb\x90\x00" + bytes(413))  # one silent MPEG frame's worth of bytes
    if tags:
        id3 = EasyID3()
        for key, value in tags.items():
            id3[key] = value
        id3.save(str(path))
    return FilePath(str(path))


def test_check_mp3_meta_matches_each_tag_by_its_rule(tmp_path: Path) -> None:
    song = mp3(tmp_path / "a.mp3", title="Blue in Green", artist="Miles Davis")
    rules = {"title": {"method": "eq", "ref": "Blue in Green"}, "artist": {"method": "re", "ref": "^Miles"}}
    assert check_mp3_meta(song, rules) == 1.0
    assert check_mp3_meta(song, {"title": {"method": "eq", "ref": "So What"}}) == 0.0
    assert check_mp3_meta(song, {"album": {"method": "eq", "ref": ""}}) == 1.0  # not set reads as ""
    assert check_mp3_meta(mp3(tmp_path / "b.mp3"), rules) == 0.0  # no tags at all
    assert check_mp3_meta(MISSING, rules) == 0.0


def zipped(path: Path, members: dict[str, bytes]) -> FilePath:
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return FilePath(str(path))


def tarred(path: Path, members: dict[str, bytes]) -> FilePath:
    with tarfile.open(path, "w:gz") as archive:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return FilePath(str(path))


def test_compare_archive_compares_the_folders_files_by_type(tmp_path: Path) -> None:
    week = [pdf(tmp_path / f"w{i}.pdf", [f"Lecture {i}", "Slides"]).read_bytes() for i in range(2)]
    slides = {"lecture_slides/lecture0.pdf": week[0], "lecture_slides/lecture1.pdf": week[1]}
    gold = zipped(tmp_path / "gold.zip", slides)
    options = {"file_path": "lecture_slides", "file_type": "pdf"}
    assert compare_archive(zipped(tmp_path / "a.zip", slides), gold, **options) == 1.0
    assert compare_archive(tarred(tmp_path / "a.tar.gz", slides), gold, **options) == 1.0
    one = zipped(tmp_path / "b.zip", {"lecture_slides/lecture0.pdf": week[0]})
    assert compare_archive(one, gold, **options) == 0.0
    mixed = zipped(
        tmp_path / "c.zip", {"lecture_slides/lecture0.pdf": week[0], "lecture_slides/lecture1.pdf": week[0]}
    )
    assert 0.5 <= compare_archive(mixed, gold, **options) < 1.0
    assert compare_archive(zipped(tmp_path / "d.zip", {"x.txt": b"a"}), gold, **options) == 0.0
    assert compare_archive(MISSING, gold, **options) == 0.0
    texts = zipped(tmp_path / "t.zip", {"notes/a.txt": b"same"})
    assert compare_archive(texts, texts, file_path="notes") == 1.0


def test_compare_archive_keeps_members_inside_its_folder(tmp_path: Path) -> None:
    evil = tarred(tmp_path / "evil.tar", {"../escaped.txt": b"out"})
    assert compare_archive(evil, evil) == 0.0
    assert not list(tmp_path.parent.glob("escaped.txt")) and not (Path("/tmp") / "escaped.txt").exists()


def task(tmp_path: Path, name: str, evaluator: dict[str, Any]) -> Path:
    data = {
        "id": name,
        "snapshot": "multiapps",
        "instruction": "Do the task.",
        "config": [],
        "related_apps": ["os"],
        "evaluator": evaluator,
    }
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(data))
    return path


def test_their_task_files_load_and_judge_a_real_home(tmp_path: Path) -> None:
    sheet(tmp_path / "gold.xlsx", CITIES)
    zipped(tmp_path / "gold.zip", {"notes/a.txt": b"same"})
    gold_png = picture(tmp_path / "gold.png", (64, 64), (16, 16, 48, 48))
    evaluators = {
        "cities": {
            "func": "compare_conference_city_in_order",
            "result": vm_file("cities.xlsx"),
            "expected": {"type": "rule", "rules": {"expected": CITIES}},
        },
        "epub": {
            "func": "compare_epub",
            "result": vm_file("b.epub"),
            "expected": {"type": "cloud_file", "path": "gold.zip"},
        },
        "mp3": {
            "func": "check_mp3_meta",
            "result": vm_file("s.mp3"),
            "expected": {"type": "rule", "rules": {"title": {"method": "eq", "ref": "Song"}}},
        },
        "archive": {
            "func": "compare_archive",
            "result": vm_file("notes.zip"),
            "expected": {"type": "cloud_file", "path": "gold.zip"},
            "options": {"file_path": "notes", "file_type": "text"},
        },
        "ssim": {
            "func": "check_structure_sim_with_threshold",
            "result": vm_file("p.png"),
            "expected": {"type": "cloud_file", "path": "gold.png"},
            "options": {"ssim_threshold": 0.95},
        },
    }
    home = tmp_path / "home"
    home.mkdir()
    outcome = DesktopOutcome(home=home, elements=[], windows=[], messages=[])
    loaded = {name: load_task(task(tmp_path, name, e)) for name, e in evaluators.items()}
    assert all(t.evaluate(outcome).reward == 0.0 for t in loaded.values())  # nothing there yet
    sheet(home / "cities.xlsx", CITIES)
    mp3(home / "s.mp3", title="Song")
    zipped(home / "notes.zip", {"notes/a.txt": b"same"})
    (home / "p.png").write_bytes(Path(gold_png).read_bytes())
    # every result now there but the book, which stays missing and scores 0
    assert [name for name, t in loaded.items() if t.evaluate(outcome).reward != 1.0] == ["epub"]


@pytest.mark.parametrize(
    ("evaluator", "error", "message"),
    [
        (
            {
                "func": "compare_archive",
                "result": vm_file("a.zip"),
                "expected": vm_file("b.zip"),
                "options": {"file_type": "table"},
            },
            UnsupportedEvaluatorError,
            "compare_table",
        ),
        (
            {
                "func": "compare_archive",
                "result": vm_file("a.zip"),
                "expected": vm_file("b.zip"),
                "options": {"file_path": "../up"},
            },
            OSWorldTaskError,
            "a folder inside the archive",
        ),
        (
            {
                "func": "check_mp3_meta",
                "result": vm_file("s.mp3"),
                "expected": {"type": "rule", "rules": {"singer": {"method": "eq", "ref": "x"}}},
            },
            OSWorldTaskError,
            "'singer' is no ID3 tag name",
        ),
        (
            {
                "func": "check_mp3_meta",
                "result": vm_file("s.mp3"),
                "expected": {"type": "rule", "rules": {"title": {"method": "like", "ref": "x"}}},
            },
            OSWorldTaskError,
            "title needs",
        ),
        (
            {
                "func": "compare_conference_city_in_order",
                "result": vm_file("c.xlsx"),
                "expected": {"type": "rule", "rules": {"expected": [1]}},
            },
            OSWorldTaskError,
            "city or \\[spellings\\]",
        ),
        (
            {"func": "compare_triangle_positions", "result": vm_file("a.png"), "expected": vm_file("b.png")},
            UnsupportedEvaluatorError,
            "every colour",
        ),
    ],
)
def test_bad_rules_and_options_are_refused_at_load(
    tmp_path: Path, evaluator: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        load_task(task(tmp_path, "bad", evaluator))
