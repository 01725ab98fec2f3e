"""OSWorld's check_html_background_image on pages written here: the page passes when its CSS (a
``<style>`` element or a ``style`` attribute) gives the picture as a background, however the
declaration is spelled, and fails when it names another picture, only mentions it elsewhere or in
a comment; a missing page scores 0; and OSWorld's multi_apps task (check_sharper, then this) loads
from a hand-written copy and judges both files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageFilter

from palaestra.tasks.desktop.base import DesktopOutcome
from palaestra.tasks.desktop.osworld import BUNDLED, OSWorldTaskError, load_task
from palaestra.tasks.desktop.osworld.html_checks import background_images, check_html_background_image

RULE = {"type:": "value", "value": "anmi_sharper.png"}  # OSWorld's rule, its key's typo and all
PAGE = "<!DOCTYPE html>\n<html><head><title>Home</title>{head}</head><body{body}><h1>Hi</h1></body></html>\n"


def page(folder: Path, head: str = "", body: str = "", name: str = "index.html") -> Path:
    path = folder / name
    path.write_text(PAGE.format(head=head, body=body), encoding="utf-8")
    return path


SETS_IT = [
    "<style>body { background-image: url('anmi_sharper.png'); }</style>",  # OSWorld's own spelling
    '<style>\n  body {\n    background-image:url("anmi_sharper.png");\n    background-size: cover;\n  }\n'
    "</style>",
    "<style>html{BACKGROUND: #000 url(./anmi_sharper.png) no-repeat center}</style>",
    "<style>/* hero */ .hero { background-image: url( 'anmi_sharper.png' ) }</style>",
]
MISSES_IT = [
    "",
    "<style>body { background-image: url('anmi.png'); }</style>",  # the original picture
    "<style>/* body { background-image: url('anmi_sharper.png'); } */</style>",  # commented out
    "<style>body { border-image: url('anmi_sharper.png'); }</style>",
    '<style>body { background-color: #fff; }</style><img src="anmi_sharper.png">',
    "<script>const css = \"background-image: url('anmi_sharper.png')\";</script>",
    "<style>body { -webkit-background-image: url('anmi_sharper.png'); }</style>",
    "<style>body { background-image: url('sub/anmi_sharper.png'); }</style>",
]


@pytest.mark.parametrize("head", SETS_IT)
def test_a_page_whose_css_sets_the_picture_passes(tmp_path: Path, head: str) -> None:
    assert check_html_background_image(page(tmp_path, head), RULE) == 1.0


def test_an_inline_style_attribute_counts_too(tmp_path: Path) -> None:
    body = ' style="margin: 0; background-image: url(&quot;anmi_sharper.png&quot;)"'
    assert check_html_background_image(page(tmp_path, body=body), RULE) == 1.0


@pytest.mark.parametrize("head", MISSES_IT)
def test_a_page_that_does_not_set_the_picture_fails(tmp_path: Path, head: str) -> None:
    assert check_html_background_image(page(tmp_path, head), RULE) == 0.0


def test_background_images_lists_every_backgrounds_url_in_order() -> None:
    html = PAGE.format(
        head="<style>a{background:url(a.png),url('b.png')} p{background-image:url(\"c d.png\")}</style>",
        body=' style="background: url(e.png)"',
    )
    assert background_images(html) == ["a.png", "b.png", "c d.png", "e.png"]


def test_a_missing_page_scores_0(tmp_path: Path) -> None:
    assert check_html_background_image(tmp_path / "index.html", RULE) == 0.0
    assert check_html_background_image(None, RULE) == 0.0


def task_file(folder: Path, rules: Any = RULE) -> Path:
    """OSWorld's multi_apps task bb7db4c2 (sharpen a picture in GIMP, then make it the page's
    background), its downloads replaced by local files."""
    desktop = "/home/user/Desktop"
    data = {
        "id": "bb7db4c2-30b5-4be7-8dd7-b8c4ec7d3108",
        "snapshot": "gimp",
        "instruction": "Sharpen 'anmi.png' as 'anmi_sharper.png', then make it the background of index.html.",
        "config": [
            {"type": "download", "parameters": {"files": [
                {"url": "files/anmi.png", "path": f"{desktop}/anmi.png"},
                {"url": "files/index.html", "path": f"{desktop}/index.html"},
            ]}},
            {"type": "launch", "parameters": {"command": ["gimp", f"{desktop}/anmi.png"]}},
        ],
        "related_apps": ["gimp", "vs_code"],
        "evaluator": {
            "func": ["check_sharper", "check_html_background_image"],
            "result": [
                {"type": "vm_file", "path": f"{desktop}/anmi_sharper.png", "dest": "anmi_sharper.png"},
                {"type": "vm_file", "path": f"{desktop}/index.html", "dest": "index.html"},
            ],
            "expected": [
                {"type": "vm_file", "path": f"{desktop}/anmi.png", "dest": "anmi.png"},
                {"type": "rule", "rules": rules},
            ],
        },
    }  # fmt: skip
    (folder / "files").mkdir(exist_ok=True)
    Image.new("RGB", (64, 48), (30, 120, 200)).save(folder / "files" / "anmi.png")
    page(folder / "files")
    (folder / "task.json").write_text(json.dumps(data))
    return folder / "task.json"


def test_osworlds_task_loads_and_judges_the_picture_and_the_page(tmp_path: Path) -> None:
    task = load_task(task_file(tmp_path))
    names = [check.name for check in task.spec.judge.checks]
    assert names == ["check_sharper", "check_html_background_image"]
    desktop = tmp_path / "home" / "Desktop"
    desktop.mkdir(parents=True)
    with Image.open(BUNDLED / "files" / "park.png") as park:
        park.convert("RGB").save(desktop / "anmi.png")
        park.convert("RGB").filter(ImageFilter.SHARPEN).save(desktop / "anmi_sharper.png")
    outcome = DesktopOutcome(home=tmp_path / "home", elements=[], windows=[], messages=[])
    page(desktop, "<style>body { background-image: url('anmi.png'); }</style>")
    assert task.evaluate(outcome).reward == 0.0  # sharpened, but the page still shows the original
    page(desktop, "<style>body { background-image: url('anmi_sharper.png'); }</style>")
    assert task.evaluate(outcome).success
    (desktop / "index.html").unlink()
    assert task.evaluate(outcome).reward == 0.0


@pytest.mark.parametrize("rules", [{}, {"value": ""}, {"value": 3}, ["anmi_sharper.png"]])
def test_a_rule_without_the_pictures_name_is_refused_at_load(tmp_path: Path, rules: Any) -> None:
    with pytest.raises(OSWorldTaskError, match=r'check_html_background_image takes \{"value": PICTURE\}'):
        load_task(task_file(tmp_path, rules))
