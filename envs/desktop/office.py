"""LibreOffice (Calc, Writer, Impress) as an app of the desktop session: how it is launched and its profile.

LibreOffice keeps its settings in a user profile, and a fresh profile greets its first start with a
tip-of-the-day dialog, and one left behind by a killed office offers to recover documents. Every
episode therefore gets its own profile inside its fresh HOME (``-env:UserInstallation``), seeded
with settings that keep those dialogs away, so that the first observation is the document itself.
The profile's path also keys LibreOffice's single-instance pipe: two sessions on one machine (two
workers) never hand their documents to each other's office.

Imported beside `session` in the session process (not through Palaestra), as its siblings are.
"""

from __future__ import annotations

import posixpath
import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import atspi
import sheet_cells

#: The names an app's argv may start with to run LibreOffice.
PROGRAMS = frozenset({"soffice", "libreoffice"})
#: Where the episode's profile lives, under its HOME (LibreOffice's own default place there).
PROFILE = ".config/libreoffice/4"
#: Options for every launch: no splash window, no offer to recover documents of a killed office.
FLAGS = ("--nologo", "--norestore")
#: The seeded settings: no tip-of-the-day dialog, no template dialog when Impress starts without a
#: file (a new presentation shows at once), no autosave timer writing behind the agent's back. The
#: keep-format dialog on saving xlsx/docx/pptx ("Use Excel 2007-365!") stays, as on OSWorld's VM.
SETTINGS = {
    ("/org.openoffice.Office.Common/Misc", "ShowTipOfTheDay"): "false",
    ("/org.openoffice.Office.Impress/Misc/NewDoc", "AutoPilot"): "false",
    ("/org.openoffice.Office.Recovery/AutoSave", "Enabled"): "false",
}
REGISTRY = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
{items}
</oor:items>
"""
ITEM = '<item oor:path="{path}"><prop oor:name="{name}" oor:op="fuse"><value>{value}</value></prop></item>'


#: The title of a LibreOffice window showing a document ("sales.xlsx - LibreOffice Calc") or, when
#: started without one, its Start Center ("LibreOffice"); the window it shows first, before either
#: is loaded, is titled "LibreOffice 7.4".
DOCUMENT_TITLE = re.compile(r".+ - LibreOffice( \w+)?|LibreOffice")


def is_office(argv: list[str]) -> bool:
    return bool(argv) and posixpath.basename(argv[0]) in PROGRAMS


def launch_argv(argv: list[str], home: Path) -> list[str]:
    """``argv`` with the episode's own profile and the quiet-start options put in after the program."""
    profile = "file://" + quote(str(home / PROFILE))
    return [argv[0], f"-env:UserInstallation={profile}", *FLAGS, *argv[1:]]


def document_shown(windows: list[dict[str, Any]]) -> bool:
    """Whether the active window shows a document (or the Start Center, for a bare ``soffice``)."""
    return any(w["active"] and DOCUMENT_TITLE.fullmatch(str(w["title"])) for w in windows)


#: The title of Impress's window, and the slide pane it fills after showing the slide.
IMPRESS_TITLE = " - LibreOffice Impress"
SLIDE_PANE = "Slides View"
#: How long to wait between two looks for the slide pane (each reads the whole tree).
PANE_POLL = 0.2


def ready(windows: list[dict[str, Any]], reader: atspi.AtspiReader) -> bool:
    """Whether the office is ready for the first observation: its document shown and, in Impress,
    the slide pane's slides too (Impress draws the slide first and fills the pane a moment later,
    which would make the first observation of one seed differ from run to run)."""
    if not document_shown(windows):
        return False
    if not any(w["active"] and str(w["title"]).endswith(IMPRESS_TITLE) for w in windows):
        return True
    nodes = reader.snapshot()
    panes = [n for n in nodes if n.role == "document frame" and n.name == SLIDE_PANE]
    if any(pane.children for pane in panes):
        return True
    time.sleep(PANE_POLL)  # a snapshot costs Impress time: ask again a little later, not at once
    return False


def seed_profile(home: Path) -> None:
    """Write the profile's settings into ``home`` (before the office first starts in it)."""
    user = home / PROFILE / "user"
    user.mkdir(parents=True, exist_ok=True)
    items = "\n".join(ITEM.format(path=p, name=n, value=v) for (p, n), v in SETTINGS.items())
    (user / "registrymodifications.xcu").write_text(REGISTRY.format(items=items))


# -- what the accessibility tree says about LibreOffice ----------------------------------------

#: A single cell's address as Calc's Name Box shows it ("B7", "$B$7").
CELL_ADDRESS = re.compile(r"\$?([A-Z]{1,3})\$?([0-9]{1,7})")
Offset = tuple[int, int]
#: The roles whose Value means something; LibreOffice's other objects say 0 (or 1 when pressed).
VALUE_ROLES = frozenset({"scroll bar", "slider", "spin button", "progress bar", "level bar", "dial"})


def adjust(
    reader: atspi.AtspiReader,
    nodes: list[atspi.Node],
    home: str = "",
    alias: str = "",
    cell_paths: sheet_cells.CellPaths | None = None,
) -> list[atspi.Node]:
    """LibreOffice's nodes put right: boxes where they are drawn, its hidden own menu bar left out,
    the active cell of a sheet added under the sheet (its 2^31 cells are never walked), then the
    other cells it shows that hold something (`sheet_cells`, through ``cell_paths``), the
    episode's HOME in document names said as ``alias`` (or ``~``), as the episode's paths are
    (the session's folder changes from run to run), and the meaningless value 0 of its buttons,
    panels and separators left out.

    LibreOffice draws its windows itself (VCL) inside GTK containers, and its own objects report
    their boxes as if its frame began where the GTK window's content does, above the GTK menu bar:
    about 25 px too high. GTK's own widgets (menus, the Name Box, dialogs) say ``toolkit: gtk`` and
    report true boxes. A VCL subtree hosted by a GTK container of the same size is moved to that
    container's place, and every VCL node below it by the same amount.
    """
    office_apps = {n.app for n in nodes if n.depth == 0 and n.name in PROGRAMS}
    if not office_apps:
        return nodes
    mine = [n for n in nodes if n.app in office_apps]
    gtk = {
        n.key
        for n, attributes in zip(mine, reader.attributes(mine), strict=True)
        if attributes.get("toolkit") == "gtk"
    }
    by_key = {n.key: n for n in nodes}
    offsets: dict[str, Offset] = {}
    hidden: set[str] = set()
    for node in mine:  # parents before children
        parent = by_key.get(node.parent)
        if parent is None or node.key in gtk:
            offsets[node.key] = (0, 0)
            continue
        if parent.key in hidden or (node.role == "menu bar" and _empty(node.box)):
            hidden.add(node.key)  # VCL's own menu bar, zero pixels high: the GTK one is shown
            continue
        offset = offsets.get(parent.key, (0, 0))
        if parent.key in gtk and node.box and parent.box and node.box[2:] == parent.box[2:]:
            offset = (parent.box[0] - node.box[0], parent.box[1] - node.box[1])
        offsets[node.key] = offset
        node.box = _moved(node.box, offset)
        if node.role not in VALUE_ROLES:
            node.value = None
        if home:
            node.name = node.name.replace(f"file://{home}/", f"{alias or '~'}/")
    _text_boxes(reader, [n for n in mine if _in_shape(n, by_key)], offsets)
    kept = [n for n in nodes if n.key not in hidden]
    for node in kept:
        node.children = [c for c in node.children if c not in hidden]
    sheets = [n for n in kept if n.app in office_apps and _is_sheet(n)]
    if cell_paths is not None:
        cell_paths.keep_only({s.key for s in sheets})
    for table in sheets:
        offset = offsets.get(table.key, (0, 0))
        cell = _active_cell(reader, table, kept)
        shown = None
        if cell_paths is not None:
            active = cell.name.split(" ")[0] if cell is not None else ""
            shown = sheet_cells.read(reader, cell_paths, table, offset, skip=active)
        if cell is not None:
            cell.box = _moved(cell.box, offset)
            cell.key = shown.skipped_key if shown and shown.skipped_key else cell.key
            table.children.append(cell.key)
            kept.append(cell)
        if shown is not None:
            table.text = shown.summary
            table.children += [c.key for c in shown.cells]
            kept += shown.cells
    return kept


def _in_shape(node: atspi.Node, by_key: dict[str, atspi.Node]) -> bool:
    """A paragraph of a shape on an Impress slide (a text frame is a panel there)."""
    parent = by_key.get(node.parent)
    return node.role == "paragraph" and bool(node.text) and parent is not None and parent.role == "panel"


def _text_boxes(reader: atspi.AtspiReader, paragraphs: list[atspi.Node], offsets: dict[str, Offset]) -> None:
    """Each paragraph's box made its text's: LibreOffice reports a centred or right-aligned
    paragraph of a slide as if it began at its frame's left, so a click on it could miss the text
    (and select the frame instead of editing the text)."""
    for node, box in zip(paragraphs, reader.text_boxes(paragraphs), strict=True):
        if box is not None and not _empty(box):
            node.box = _moved(box, offsets.get(node.key, (0, 0)))


def _is_sheet(node: atspi.Node) -> bool:
    return node.role == "table" and "manages-descendants" in node.states


def _active_cell(reader: atspi.AtspiReader, table: atspi.Node, nodes: list[atspi.Node]) -> atspi.Node | None:
    """The cell the Name Box names (Calc's cursor), named by its address and, when it holds a
    formula, the formula: ``B7 =SUM(B2:B6)``; its text is the value it shows."""
    address = next(
        (
            m
            for n in nodes
            if n.app == table.app and n.role == "text" and (m := CELL_ADDRESS.fullmatch(n.text or ""))
        ),
        None,
    )
    if address is None:
        return None
    column = 0
    for letter in address.group(1):
        column = column * 26 + ord(letter) - ord("A") + 1
    cell = sheet_cells.cell_at(reader, table, int(address.group(2)) - 1, column - 1)
    if cell is None:
        return None
    [attributes] = reader.attributes([cell])
    formula = attributes.get("Formula", "")
    cell.name = f"{cell.name} ={formula}" if formula else cell.name  # LibreOffice leaves out the "="
    return cell


def _empty(box: tuple[int, int, int, int] | None) -> bool:
    return box is None or box[2] <= 0 or box[3] <= 0


def _moved(box: tuple[int, int, int, int] | None, offset: Offset) -> tuple[int, int, int, int] | None:
    return None if box is None else (box[0] + offset[0], box[1] + offset[1], box[2], box[3])
