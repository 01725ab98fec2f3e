"""OSWorld's presentation metrics that check one thing, written afresh with the same names and
arguments: portrait slides, a slide's transition, struck-through paragraphs, the slides'
background colour, two settings
LibreOffice keeps in its profile's ``registrymodifications.xcu`` (the presenter console, the
autosave interval), and the slide pane shown. A missing or unreadable file scores 0.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from palaestra.tasks.desktop.osworld.slides_metrics import background, presentation, strike

PRESENTATION_NS = "http://schemas.openxmlformats.org/presentationml/2006/main"
#: PowerPoint 2010's transitions (vortex, ripple...), which LibreOffice writes in their own namespace.
PRESENTATION_2010_NS = "http://schemas.microsoft.com/office/powerpoint/2010/main"
REGISTRY_NS = "http://openoffice.org/2001/registry"


def check_slide_orientation_Portrait(pptx_file: Any) -> float:  # OSWorld's name, capital P
    deck = presentation(pptx_file)
    return float(deck is not None and deck.slide_width < deck.slide_height)


def check_transition(pptx_file: Any, rules: dict[str, Any]) -> float:
    """Slide ``slide_idx`` (from 0) has a transition of kind ``transition_type`` (its element's
    name in the saved file: ``dissolve``, ``fade``, ``push``...)."""
    deck = presentation(pptx_file)
    index = rules["slide_idx"]
    if deck is None or not isinstance(index, int) or not 0 <= index < len(deck.slides):
        return 0.0
    kinds = {f"{{{ns}}}{rules['transition_type']}" for ns in (PRESENTATION_NS, PRESENTATION_2010_NS)}
    for transition in deck.slides[index].element.iter(f"{{{PRESENTATION_NS}}}transition"):
        if any(child.tag in kinds for child in transition):
            return 1.0
    return 0.0


def _settings(path: Any) -> Iterator[tuple[str, str, str | None]]:
    """The (path, name, value) of every setting in a registrymodifications.xcu."""
    if not path or not Path(str(path)).is_file():
        return
    try:
        root = ET.parse(str(path)).getroot()
    except ET.ParseError:
        return
    for item in root.iter("item"):
        for prop in item.iter("prop"):
            value = prop.find("value")
            text = None if value is None else (value.text or "")
            yield item.get(f"{{{REGISTRY_NS}}}path", ""), prop.get(f"{{{REGISTRY_NS}}}name", ""), text


def _setting(path: Any, where: str, name: str) -> str | None:
    found = [v for p, n, v in _settings(path) if (p, n) == (where, name)]
    return found[-1] if found else None  # a later line overrides an earlier one


def check_presenter_console_disable(config_file: Any) -> float:
    """Impress's presenter console is turned off (Tools > Options > Impress > Presenter Console)."""
    value = _setting(config_file, "/org.openoffice.Office.Impress/Misc/Start", "EnablePresenterScreen")
    return float(value is not None and value.strip().lower() == "false")


#: Where the autosave interval is kept: OSWorld reads the first; LibreOffice 7.4's Options dialog
#: writes the second (the profile keeps only settings that were changed).
AUTOSAVE_INTERVAL = (
    ("/org.openoffice.Office.Common/Save/Document", "AutoSaveTimeIntervall"),
    ("/org.openoffice.Office.Recovery/AutoSave", "TimeIntervall"),
)


def check_auto_saving_time(config_file: Any, rules: dict[str, Any]) -> float:
    """The autosave interval is ``rules["minutes"]`` minutes."""
    for where, name in AUTOSAVE_INTERVAL:
        value = _setting(config_file, where, name)
        if value is not None and value.strip().isdigit() and int(value) == int(rules["minutes"]):
            return 1.0
    return 0.0


def check_strikethrough(pptx_file: Any, rules: dict[str, Any]) -> float:
    """Every paragraph ``paragraph_index_s`` of every shape ``shape_index_s`` of every slide
    ``slide_index_s`` (indices from 0) starts with struck-through text."""
    deck = presentation(pptx_file)
    if deck is None:
        return 0.0
    try:
        for slide in rules["slide_index_s"]:
            shapes = deck.slides[slide].shapes
            for shape in rules["shape_index_s"]:
                paragraphs = shapes[shape].text_frame.paragraphs
                for index in rules["paragraph_index_s"]:
                    runs = paragraphs[index].runs
                    if not runs or not strike(runs[0].font):
                        return 0.0
    except (IndexError, TypeError, AttributeError):  # no such slide, shape or paragraph; no text
        return 0.0
    return 1.0


def evaluate_presentation_fill_to_rgb_distance(pptx_file: Any, rules: dict[str, Any]) -> float:
    """How close the slides' backgrounds are to ``rules["rgb"]``: 1 minus the mean of each slide's
    colour distance to it (0 to 1; a slide without a solid colour, or still in
    ``rules["original_rgb"]``, is as far as can be)."""
    deck = presentation(pptx_file)
    if deck is None or not len(deck.slides):
        return 0.0
    wanted, original = tuple(rules["rgb"]), rules.get("original_rgb")
    far = (3 * 255**2) ** 0.5
    distances = []
    for slide in deck.slides:
        color = background(slide)
        if color is None or (original is not None and tuple(color) == tuple(original)):
            distances.append(1.0)
        else:
            distances.append(sum((a - b) ** 2 for a, b in zip(color, wanted, strict=True)) ** 0.5 / far)
    return 1.0 - sum(distances) / len(distances)


#: What Impress's slide pane (its left panel) is in the accessibility tree, while it is open.
SLIDE_PANE = ("document frame", "Slides View")


def check_left_panel(accessibility_tree: Any) -> float:
    """Impress shows its slide pane: the screen's tree (the ``accessibility_tree`` getter's) holds
    the pane's frame, showing. OSWorld looks for any visible split pane at the window's corner in
    its own tree's XML; LibreOffice's GTK front end names the pane itself, which is what is read
    here (closing the pane removes it from the tree)."""
    from palaestra.tasks.desktop.osworld.accessibility import AccessibilityTree

    if not isinstance(accessibility_tree, AccessibilityTree):
        return 0.0
    return float(
        any(
            (node.get("role"), node.get("name")) == SLIDE_PANE and "showing" in (node.get("states") or [])
            for node in accessibility_tree.nodes
        )
    )
