"""Our Impress metrics score as OSWorld's own do (desktop-env 1.0.2's slides.py): compare_pptx_files
with each of its options on and off, and the checks of one thing, on decks written by python-pptx
(the builders of ``test_osworld_impress_metrics``) and settings files as LibreOffice writes them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pptx.util import Inches

from palaestra.envs.desktop.osworld_xml import tree_xml_text
from palaestra.tasks.desktop.osworld.accessibility import AccessibilityTree

from .osworld_against import Case, Difference, assert_same_scores, folder, path
from .test_osworld_impress_metrics import (
    CHANGES,
    PRESENTER,
    TIP,
    background,
    deck,
    nudge_title,
    set_attr,
    settings,
    transition,
)
from .test_osworld_impress_pictures import picture_deck

S = "slides"


def option_cases(d: Path) -> dict[str, Case]:
    """Each option: a deck differing in what it examines fails, and passes with the option off."""
    want = path(deck(d / "want.pptx"))
    cases = {"pptx equal": Case(S, "compare_pptx_files", (path(deck(d / "same.pptx")), want))}
    for option, change in sorted(CHANGES.items()):
        changed = path(deck(d / f"{option}.pptx", change))
        cases[f"pptx {option} on"] = Case(S, "compare_pptx_files", (changed, want))
        cases[f"pptx {option} off"] = Case(S, "compare_pptx_files", (changed, want), {option: False})

    nudged = path(deck(d / "nudged.pptx", nudge_title))
    cases["pptx nudged within tolerance"] = Case(S, "compare_pptx_files", (nudged, want))
    cases["pptx nudged no tolerance"] = Case(
        S, "compare_pptx_files", (nudged, want), {"approximately_tolerance": 0}
    )
    return cases


def check_cases(d: Path) -> dict[str, Case]:
    wide = path(deck(d / "wide.pptx"))
    tall = path(deck(d / "tall.pptx", lambda p: set_attr(p, "slide_width", Inches(5.625))))
    dissolving = path(deck(d / "dissolve.pptx", transition("dissolve")))
    struck = path(deck(d / "struck.pptx", CHANGES["examine_strike_through"]))
    red = path(deck(d / "red.pptx", background))
    strike_rules = {"slide_index_s": [1], "shape_index_s": [0], "paragraph_index_s": [0]}
    off = path(settings(d / "off.xcu", TIP, (*PRESENTER, "false")))
    on = path(settings(d / "on.xcu", TIP, (*PRESENTER, "true")))
    common = path(
        settings(
            d / "common.xcu", ("/org.openoffice.Office.Common/Save/Document", "AutoSaveTimeIntervall", "3")
        )
    )
    recovery = path(
        settings(d / "recovery.xcu", ("/org.openoffice.Office.Recovery/AutoSave", "TimeIntervall", "3"))
    )
    return {
        "portrait pass": Case(S, "check_slide_orientation_Portrait", (tall,)),
        "portrait fail": Case(S, "check_slide_orientation_Portrait", (wide,)),
        "transition pass": Case(
            S, "check_transition", (dissolving, {"slide_idx": 1, "transition_type": "dissolve"})
        ),
        "transition other kind": Case(
            S, "check_transition", (dissolving, {"slide_idx": 1, "transition_type": "fade"})
        ),
        "transition other slide": Case(
            S, "check_transition", (dissolving, {"slide_idx": 0, "transition_type": "dissolve"})
        ),
        "transition no slide": Case(
            S, "check_transition", (dissolving, {"slide_idx": 5, "transition_type": "dissolve"})
        ),
        "strikethrough pass": Case(S, "check_strikethrough", (struck, strike_rules)),
        "strikethrough fail": Case(S, "check_strikethrough", (wide, strike_rules)),
        "strikethrough no shape": Case(
            S, "check_strikethrough", (struck, {**strike_rules, "shape_index_s": [7]})
        ),
        "fill exact": Case(S, "evaluate_presentation_fill_to_rgb_distance", (red, {"rgb": [255, 0, 0]})),
        "fill near": Case(S, "evaluate_presentation_fill_to_rgb_distance", (red, {"rgb": [200, 0, 0]})),
        "fill unchanged": Case(
            S,
            "evaluate_presentation_fill_to_rgb_distance",
            (red, {"rgb": [200, 0, 0], "original_rgb": [255, 0, 0]}),
        ),
        "fill none": Case(S, "evaluate_presentation_fill_to_rgb_distance", (wide, {"rgb": [255, 255, 255]})),
        "presenter off": Case(S, "check_presenter_console_disable", (off,)),
        "presenter on": Case(S, "check_presenter_console_disable", (on,)),
        "autosave pass": Case(S, "check_auto_saving_time", (common, {"minutes": 3})),
        "autosave fail": Case(S, "check_auto_saving_time", (common, {"minutes": 5})),
        "autosave recovery": Case(S, "check_auto_saving_time", (recovery, {"minutes": 3})),
    }


def screen(pane_states: list[str] | None) -> AccessibilityTree:
    """Impress's window as our snapshot has it (with the slide pane when ``pane_states`` is given),
    and as the XML OSWorld's check_left_panel reads: the same nodes, written by `tree_xml_text`."""
    nodes: list[dict[str, Any]] = [
        {"key": 1, "role": "application", "name": "soffice", "states": [], "children": [2]},
        {
            "key": 2,
            "parent": 1,
            "role": "frame",
            "name": "deck.pptx - LibreOffice Impress",
            "states": ["showing"],
            "children": [3],
        },
    ]
    if pane_states is not None:
        nodes.append(
            {"key": 3, "parent": 2, "role": "document frame", "name": "Slides View", "states": pane_states}
        )
    return AccessibilityTree(tree_xml_text(nodes), nodes)


def picture_cases(d: Path) -> dict[str, Case]:
    """check_image_stretch_and_center, on the decks of our Impress picture tests. (Their slide-number
    decks are python-pptx's: OSWorld's check_slide_numbers_color and check_page_number_colors read
    the XML LibreOffice writes, a slide-number shape holding digits and a master with two solid
    colours, and raise on these, so they are not compared here.)"""
    original = path(picture_deck(d / "original.pptx", "green", (1, 1, 2, 1.5)))
    stretched = path(picture_deck(d / "stretched.pptx", "green", (0, 0, 10, 7.5)))
    small = path(picture_deck(d / "small.pptx", "green", (2.5, 1.875, 5, 3.75)))
    off_centre = path(picture_deck(d / "off_centre.pptx", "green", (2, 0, 10, 7.5)))
    return {
        "stretch pass": Case(S, "check_image_stretch_and_center", (stretched, original)),
        "stretch small": Case(S, "check_image_stretch_and_center", (small, original)),
        "stretch off centre": Case(S, "check_image_stretch_and_center", (off_centre, original)),
    }


def panel_cases() -> dict[str, Case]:
    return {
        "left panel shown": Case(S, "check_left_panel", (screen(["showing", "visible"]),)),
        "left panel closed": Case(S, "check_left_panel", (screen(None),)),
    }


DIFFERENCES = {
    "pptx examine_alignment off": Difference(
        1.0,
        0.0,
        "OSWorld's examine_bullets reads a paragraph without properties as level 'No Level' and one "
        "whose properties (here an alignment) leave the level unset as level 0, so setting the "
        "alignment alone fails it; both are level 0 here",
    ),
    "autosave recovery": Difference(
        1.0,
        0.0,
        "LibreOffice 7.4's Options dialog writes the interval to Office.Recovery/AutoSave/TimeIntervall, "
        "which OSWorld does not read; ours reads it and OSWorld's Common/Save/Document key",
    ),
}


def test_impress_metrics_score_as_osworlds(tmp_path: Path) -> None:
    assert_same_scores(
        option_cases(folder(tmp_path, "options")) | check_cases(folder(tmp_path, "checks")), DIFFERENCES
    )
