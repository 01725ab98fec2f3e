"""OSWorld's LibreOffice Impress metrics on real files written by python-pptx (and the office
profile's settings file as LibreOffice writes it): compare_pptx_files and each of its options (a
deck differing in what an option examines scores 0, and 1 with that option off), the checks of
one thing, and the typed load-time errors for metrics and options that are not judged here."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Inches, Pt

from palaestra.tasks.desktop.base import DesktopOutcome
from palaestra.tasks.desktop.osworld import OSWorldTaskError, UnsupportedEvaluatorError, load_task
from palaestra.tasks.desktop.osworld.slides_checks import (
    check_auto_saving_time,
    check_presenter_console_disable,
    check_slide_orientation_Portrait,
    check_strikethrough,
    check_transition,
    evaluate_presentation_fill_to_rgb_distance,
)
from palaestra.tasks.desktop.osworld.slides_metrics import EXAMINE, compare_pptx_files

Change = Callable[[Any], None]


def deck(path: Path, change: Change | None = None) -> Path:
    """Two slides (a title slide, a title and bullets), every run in black; ``change`` edits the
    presentation before it is saved."""
    presentation = Presentation()
    first = presentation.slides.add_slide(presentation.slide_layouts[0])
    first.shapes.title.text = "Garden Club"
    first.placeholders[1].text = "Spring meeting"
    second = presentation.slides.add_slide(presentation.slide_layouts[1])
    second.shapes.title.text = "Quarterly Plan"
    second.placeholders[1].text = "Plant tomatoes\nBuild a shed"
    for slide in presentation.slides:
        for shape in slide.shapes:
            for paragraph in shape.text_frame.paragraphs:
                for run in paragraph.runs:
                    run.font.color.rgb = RGBColor(0, 0, 0)
    if change is not None:
        change(presentation)
    presentation.save(str(path))
    return path


def title_run(presentation: Any) -> Any:
    return presentation.slides[1].shapes.title.text_frame.paragraphs[0].runs[0]


def bullet(presentation: Any) -> Any:
    return presentation.slides[1].placeholders[1].text_frame.paragraphs[1]


def background(presentation: Any) -> None:
    for slide in presentation.slides:
        slide.background.fill.solid()
        slide.background.fill.fore_color.rgb = RGBColor(0xFF, 0, 0)


def set_attr(element: Any, name: str, value: Any) -> None:
    setattr(element, name, value)


#: What each option examines, as an edit that makes a deck differ in it (and only in it).
CHANGES: dict[str, Change] = {
    "examine_number_of_slides": lambda p: p.slides.add_slide(p.slide_layouts[6]),
    "examine_shape": lambda p: set_attr(p.slides[1].shapes.title, "left", Inches(2)),
    "examine_text": lambda p: set_attr(title_run(p), "text", "Yearly Plan"),
    "examine_indent": lambda p: set_attr(bullet(p), "level", 1),
    "examine_font_name": lambda p: set_attr(title_run(p).font, "name", "DejaVu Serif"),
    "examine_font_size": lambda p: set_attr(title_run(p).font, "size", Pt(30)),
    "examine_font_bold": lambda p: set_attr(title_run(p).font, "bold", True),
    "examine_font_italic": lambda p: set_attr(title_run(p).font, "italic", True),
    "examine_color_rgb": lambda p: set_attr(title_run(p).font.color, "rgb", RGBColor(0xFF, 0, 0)),
    "examine_font_underline": lambda p: set_attr(title_run(p).font, "underline", True),
    "examine_strike_through": lambda p: title_run(p)._r.get_or_add_rPr().set("strike", "sngStrike"),
    "examine_alignment": lambda p: set_attr(bullet(p), "alignment", PP_ALIGN.CENTER),
    "examine_bullets": lambda p: etree.SubElement(bullet(p)._p.get_or_add_pPr(), qn("a:buChar"), char="-"),
    "examine_background_color": background,
    "examine_note": lambda p: set_attr(p.slides[0].notes_slide.notes_text_frame, "text", "Thank the hosts"),
}


def test_the_changes_cover_every_option() -> None:
    assert sorted(CHANGES) == sorted(EXAMINE)


def test_equal_decks_compare_equal(tmp_path: Path) -> None:
    assert compare_pptx_files(deck(tmp_path / "a.pptx"), deck(tmp_path / "b.pptx")) == 1.0


@pytest.mark.parametrize("option", sorted(CHANGES))
def test_each_option_fails_a_deck_that_differs_in_what_it_examines(tmp_path: Path, option: str) -> None:
    """On by default (as OSWorld's): the difference scores 0; turned off, it is not looked at. A
    paragraph's text and level are also part of its bulleted line (as in OSWorld's examine_bullets),
    so those differences pass only with examine_bullets off too."""
    expected = deck(tmp_path / "want.pptx")
    changed = deck(tmp_path / "got.pptx", CHANGES[option])
    assert compare_pptx_files(changed, expected) == 0.0
    assert compare_pptx_files(expected, changed) == 0.0
    if option in ("examine_text", "examine_indent"):
        assert compare_pptx_files(changed, expected, **{option: False}) == 0.0
        assert compare_pptx_files(changed, expected, **{option: False, "examine_bullets": False}) == 1.0
    else:
        assert compare_pptx_files(changed, expected, **{option: False}) == 1.0


def nudge_title(p: Any) -> None:
    """Moves the second slide's title 10 EMU right: its place, from its layout, made its own."""
    title = p.slides[1].shapes.title
    title.left, title.top, title.width, title.height = (
        title.left + 10,
        title.top,
        title.width,
        title.height,
    )


def test_unset_and_off_fonts_are_the_same_and_positions_have_a_tolerance(tmp_path: Path) -> None:
    expected = deck(tmp_path / "want.pptx")

    def off(p: Any) -> None:
        title_run(p).font.bold = False
        title_run(p).font.italic = False
        title_run(p).font.underline = False

    assert compare_pptx_files(deck(tmp_path / "off.pptx", off), expected) == 1.0

    nudged = deck(tmp_path / "nudged.pptx", nudge_title)
    assert compare_pptx_files(nudged, expected) == 1.0  # 10 EMU of 457,200: within 0.5%
    assert compare_pptx_files(nudged, expected, approximately_tolerance=0) == 0.0


def test_shape_counts_and_unreadable_decks_score_0(tmp_path: Path) -> None:
    expected = deck(tmp_path / "want.pptx")

    def add_box(p: Any) -> None:
        p.slides[0].shapes.add_textbox(Inches(1), Inches(1), Inches(2), Inches(1))

    assert compare_pptx_files(deck(tmp_path / "box.pptx", add_box), expected, examine_shape=False) == 0.0
    (tmp_path / "text.pptx").write_text("not a deck")
    assert compare_pptx_files(tmp_path / "text.pptx", expected) == 0.0
    assert compare_pptx_files(tmp_path / "missing.pptx", expected) == 0.0
    assert compare_pptx_files(None, expected) == 0.0


def transition(kind: str) -> Change:
    def add(p: Any) -> None:
        element = etree.SubElement(p.slides[1].element, qn("p:transition"))
        etree.SubElement(element, qn(f"p:{kind}"))

    return add


def test_orientation_transition_strike_through_and_background(tmp_path: Path) -> None:
    landscape = deck(tmp_path / "wide.pptx")
    portrait = deck(tmp_path / "tall.pptx", lambda p: set_attr(p, "slide_width", Inches(5.625)))
    assert (check_slide_orientation_Portrait(portrait), check_slide_orientation_Portrait(landscape)) == (1, 0)
    assert check_slide_orientation_Portrait(tmp_path / "missing.pptx") == 0.0

    dissolving = deck(tmp_path / "dissolve.pptx", transition("dissolve"))
    assert check_transition(dissolving, {"slide_idx": 1, "transition_type": "dissolve"}) == 1.0
    assert check_transition(dissolving, {"slide_idx": 1, "transition_type": "fade"}) == 0.0
    assert check_transition(dissolving, {"slide_idx": 0, "transition_type": "dissolve"}) == 0.0
    assert check_transition(dissolving, {"slide_idx": 5, "transition_type": "dissolve"}) == 0.0
    assert check_transition(landscape, {"slide_idx": 1, "transition_type": "dissolve"}) == 0.0

    struck = deck(tmp_path / "struck.pptx", CHANGES["examine_strike_through"])
    rules = {"slide_index_s": [1], "shape_index_s": [0], "paragraph_index_s": [0]}
    assert (check_strikethrough(struck, rules), check_strikethrough(landscape, rules)) == (1.0, 0.0)
    assert check_strikethrough(struck, {**rules, "shape_index_s": [7]}) == 0.0

    red = deck(tmp_path / "red.pptx", background)
    assert evaluate_presentation_fill_to_rgb_distance(red, {"rgb": [255, 0, 0]}) == 1.0
    assert 0.0 < evaluate_presentation_fill_to_rgb_distance(red, {"rgb": [200, 0, 0]}) < 1.0
    assert (
        evaluate_presentation_fill_to_rgb_distance(red, {"rgb": [200, 0, 0], "original_rgb": [255, 0, 0]})
        == 0.0
    )
    assert evaluate_presentation_fill_to_rgb_distance(landscape, {"rgb": [255, 255, 255]}) == 0.0


def settings(path: Path, *items: tuple[str, str, str]) -> Path:
    """A registrymodifications.xcu as LibreOffice writes it: one item line per changed setting."""
    lines = [
        f'<item oor:path="{where}"><prop oor:name="{name}" oor:op="fuse"><value>{value}</value></prop></item>'
        for where, name, value in items
    ]
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<oor:items xmlns:oor="http://openoffice.org/2001/registry" '
        'xmlns:xs="http://www.w3.org/2001/XMLSchema">\n' + "\n".join(lines) + "\n</oor:items>\n"
    )
    return path


PRESENTER = ("/org.openoffice.Office.Impress/Misc/Start", "EnablePresenterScreen")
TIP = ("/org.openoffice.Office.Common/Misc", "ShowTipOfTheDay", "false")


def test_profile_settings_presenter_console_and_autosave(tmp_path: Path) -> None:
    off = settings(tmp_path / "off.xcu", TIP, (*PRESENTER, "false"))
    on = settings(tmp_path / "on.xcu", TIP, (*PRESENTER, "true"))
    unset = settings(tmp_path / "unset.xcu", TIP)
    assert [check_presenter_console_disable(p) for p in (off, on, unset)] == [1.0, 0.0, 0.0]
    assert check_presenter_console_disable(tmp_path / "missing.xcu") == 0.0
    (tmp_path / "broken.xcu").write_text("<oor:items")
    assert check_presenter_console_disable(tmp_path / "broken.xcu") == 0.0

    common = settings(
        tmp_path / "common.xcu", ("/org.openoffice.Office.Common/Save/Document", "AutoSaveTimeIntervall", "3")
    )
    recovery = settings(
        tmp_path / "recovery.xcu", ("/org.openoffice.Office.Recovery/AutoSave", "TimeIntervall", "3")
    )
    for path in (common, recovery):
        assert (
            check_auto_saving_time(path, {"minutes": 3}),
            check_auto_saving_time(path, {"minutes": 5}),
        ) == (1, 0)
    assert check_auto_saving_time(unset, {"minutes": 10}) == 0.0


def task_file(folder: Path, evaluator: dict[str, Any]) -> Path:
    data = {
        "id": "deck",
        "snapshot": "libreoffice_impress",
        "instruction": "Do it.",
        "config": [{"type": "open", "parameters": {"path": "/home/user/a.pptx"}}],
        "related_apps": ["libreoffice_impress"],
        "evaluator": evaluator,
    }
    (folder / "files").mkdir(exist_ok=True)
    deck(folder / "files" / "want.pptx")
    (folder / "task.json").write_text(json.dumps(data))
    return folder / "task.json"


def compare(**options: Any) -> dict[str, Any]:
    return {
        "func": "compare_pptx_files",
        "result": {"type": "vm_file", "path": "/home/user/a.pptx"},
        "expected": {"type": "cloud_file", "path": "files/want.pptx"},
        "options": options,
    }


def test_a_task_opens_its_deck_in_impress_and_judges_the_saved_one(tmp_path: Path) -> None:
    task = load_task(task_file(tmp_path, compare(examine_note=False, examine_title_bottom_position=False)))
    assert task.setup(__import__("random").Random(0)).apps == (("soffice", "--impress", "~/a.pptx"),)
    outcome = DesktopOutcome(home=tmp_path, elements=[], windows=[], messages=[])
    assert not task.evaluate(outcome).success  # no deck yet
    deck(tmp_path / "a.pptx", CHANGES["examine_text"])
    assert not task.evaluate(outcome).success
    deck(tmp_path / "a.pptx")
    assert task.evaluate(outcome).success


EVAL = UnsupportedEvaluatorError
TRANSITION = {"func": "check_transition", "result": {"type": "vm_file", "path": "/home/user/a.pptx"}}
REFUSED = [
    (compare(examine_txt=False), EVAL, "`examine_txt`.*Did you mean: `examine_text`"),
    (
        {**compare(), "func": "check_slide_orientation_portrait"},
        EVAL,
        r"metric `check_slide_orientation_portrait`.*Did you mean: `check_slide_orientation_Portrait`"
        r".*Supported metrics: ",
    ),
    ({**compare(), "func": "compare_pptx_file"}, EVAL, "Did you mean: `compare_pptx_files`"),
    (
        {**TRANSITION, "expected": {"type": "rule", "rules": {"slide_idx": 0}}},
        OSWorldTaskError,
        r"needs rules with \['transition_type'\]",
    ),
    (TRANSITION, OSWorldTaskError, "`check_transition` needs an expected value"),
]


@pytest.mark.parametrize(("evaluator", "error", "message"), REFUSED)
def test_metrics_and_options_not_judged_here_are_refused_at_load(
    tmp_path: Path, evaluator: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        load_task(task_file(tmp_path, evaluator))
