"""The cells a spreadsheet shows on screen, read for the tree: LibreOffice Calc's sheet is a table
that manages descendants (2^31 cells; asking for its children builds them all and freezes the
office), so its cells are reached one by one through the Table interface, and only the visible
ones: an agent then reads the data it works on, and an element id clicks a cell.

The visible range runs from the cell at the sheet's top-left corner to the one at its bottom-right
corner (Component's GetAccessibleAtPoint, then the Table's row and column of each): a few calls,
whatever the zoom, column widths or scroll. Of that range at most `MAX_CELLS` are read, rows cut
first. Each cell's text tells whether it is empty; only the others are described (state, box, and
the formula LibreOffice keeps among the cell's attributes) and listed, so an empty sheet adds
nothing but the range said on the sheet's own node.

LibreOffice makes a new cell object at each GetAccessibleAt and never frees it (measured: 3 MB
more for each read of a 448-cell view, so 330 MB over a 100-step episode). The path of each cell's
object is therefore remembered per sheet (`cell_memory.CellPaths`, re-exported here) and asked
again: such an object follows the cell's edits, and its box and ``showing`` state follow scrolls.
A path that stops answering is asked for anew. gnumeric is not served: its grid is one panel, no
children, no Table or Text.

Imported beside `session` in the session process (not through Palaestra), as its siblings are.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import atspi
from cell_memory import Cell, CellPaths, Path
from jeepney import DBusAddress, new_method_call
from jeepney.low_level import Message

#: The most cells of the visible range read per sheet. LibreOffice at 100% zoom on the 1280x800
#: screen shows 28 rows of 16 columns (448 cells); 1,000 covers that down to about 70% zoom or a
#: wider screen, and keeps the cost bounded (each cell read is one call, ~0.2 ms) when zoomed far
#: out (20% shows some 11,000). OSWorld's own tree stops its scan of a sheet at 500 rows or columns.
MAX_CELLS = 1000


@dataclass
class VisibleCells:
    """The listed cells of one sheet and the range they were read from, said on the sheet's node."""

    cells: list[atspi.Node]
    summary: str
    #: The key of the remembered object of the skipped (active) cell: the active cell's node takes
    #: it, so a cell keeps its element id when the cursor comes or goes (LibreOffice gives the active
    #: cell an object of its own). None when the active cell is not in the listed range.
    skipped_key: str | None = None


def column_name(column: int) -> str:
    """``0`` -> ``A``, ``27`` -> ``AB``: a column as the Name Box says it."""
    name = ""
    column += 1
    while column:
        column, letter = divmod(column - 1, 26)
        name = chr(ord("A") + letter) + name
    return name


def address(cell: Cell) -> str:
    return f"{column_name(cell[1])}{cell[0] + 1}"


def cell_at(reader: atspi.AtspiReader, table: atspi.Node, row: int, column: int) -> atspi.Node | None:
    """The cell of ``table`` at (row, column), described, as a child of the table (Table's
    GetAccessibleAt: the way to one cell of a table whose cells are too many to walk). LibreOffice
    gives its active cell one object, which this returns each time; others are new at every call."""
    bus, path = table.key.split(" ", 1)
    call = new_method_call(DBusAddress(path, bus, atspi.TABLE), "GetAccessibleAt", "ii", (row, column))
    [reply] = reader._batch([call])
    if not reply or reply[0][1] == atspi.NULL_PATH:
        return None
    cell_bus, cell_path = str(reply[0][0]), str(reply[0][1])
    [state] = reader._batch([_accessible(cell_bus, cell_path, "GetState")])
    if state is None:
        return None
    states = atspi.states_of(list(state[0]))
    cell = atspi.Node(
        key=f"{cell_bus} {cell_path}", depth=table.depth + 1, parent=table.key, states=states, app=bus
    )
    reader._describe([cell], time.monotonic() + reader.timeout)
    return cell


def read(
    reader: atspi.AtspiReader,
    paths: CellPaths,
    sheet: atspi.Node,
    offset: tuple[int, int],
    skip: str = "",
) -> VisibleCells | None:
    """The non-empty cells ``sheet`` shows, as children of it, boxes moved by ``offset`` as the
    sheet's own was (``sheet.box`` is the moved one); the cell whose address is ``skip`` (the active
    cell, already listed) left out. None when the sheet's corners name no cells."""
    if sheet.box is None:
        return None
    x, y, w, h = sheet.box[0] - offset[0], sheet.box[1] - offset[1], sheet.box[2], sheet.box[3]
    points = [(x + 1, y + 1), (x + w - 2, y + h - 2)]
    known = paths.of(sheet.key)
    corners = _same_corners(reader, paths, known, sheet.key, points) or _cells_at(
        reader, known, sheet, points
    )
    if corners is None:
        return None
    paths.corners[sheet.key] = corners
    (top, left), (bottom, right) = corners
    if bottom < top or right < left:
        return None
    columns = min(right - left + 1, MAX_CELLS)
    rows = min(bottom - top + 1, MAX_CELLS // columns)
    shown = f"{address((top, left))}:{address((bottom, right))}"
    listed = f"{address((top, left))}:{address((top + rows - 1, left + columns - 1))}"
    wanted = [(r, c) for r in range(top, top + rows) for c in range(left, left + columns)]
    texts = _texts(reader, paths, known, sheet, wanted)
    skipped = next((c for c in texts if address(c) == skip), None)
    if skipped is not None:
        del texts[skipped]
    cells = _describe(reader, paths, known, sheet, offset, texts)
    summary = f"cells {listed}" + (f" of {shown} in view" if listed != shown else "")
    key = " ".join(known[skipped]) if skipped is not None else None
    return VisibleCells(cells, f"{summary}; empty cells not listed", key)


def _same_corners(
    reader: atspi.AtspiReader,
    memory: CellPaths,
    paths: dict[Cell, Path],
    sheet_key: str,
    points: list[tuple[int, int]],
) -> list[Cell] | None:
    """The sheet's corner cells of its last read, if each still holds its corner point."""
    corners = memory.corners.get(sheet_key)
    if corners is None or any(c not in paths for c in corners):
        return None
    boxes = reader._batch([memory.call(paths[c], "box") for c in corners])
    for box, (px, py) in zip(boxes, points, strict=True):
        if not box:
            return None
        x, y, w, h = box[0]
        if not (x <= px < x + w and y <= py < y + h):
            return None
    return corners


def _cells_at(
    reader: atspi.AtspiReader, paths: dict[Cell, Path], sheet: atspi.Node, points: list[tuple[int, int]]
) -> list[Cell] | None:
    """The (row, column) of the cell at each screen point (LibreOffice's own coordinates); the
    objects this makes are remembered, as `_remember`'s are."""
    bus, path = sheet.key.split(" ", 1)
    component, table = DBusAddress(path, bus, atspi.COMPONENT), DBusAddress(path, bus, atspi.TABLE)
    found = reader._batch(
        [new_method_call(component, "GetAccessibleAtPoint", "iiu", (px, py, 0)) for px, py in points]
    )
    if any(not f or f[0][1] == atspi.NULL_PATH for f in found):
        return None
    indices = reader._batch([_accessible(f[0][0], f[0][1], "GetIndexInParent") for f in found])
    if any(not i or i[0] < 0 for i in indices):
        return None
    calls = [
        new_method_call(table, method, "i", (i[0],))
        for i in indices
        for method in ("GetRowAtIndex", "GetColumnAtIndex")
    ]
    places = reader._batch(calls)
    if any(not p or p[0] < 0 for p in places):
        return None
    cells = [(int(places[2 * k][0]), int(places[2 * k + 1][0])) for k in range(len(points))]
    for cell, reply in zip(cells, found, strict=True):
        paths.setdefault(cell, (str(reply[0][0]), str(reply[0][1])))
    return cells


def _texts(
    reader: atspi.AtspiReader,
    memory: CellPaths,
    paths: dict[Cell, Path],
    sheet: atspi.Node,
    wanted: list[Cell],
) -> dict[Cell, str]:
    """The text of each wanted cell (its value as shown), through remembered objects where there
    are some; a remembered one that does not answer is asked for anew, once."""
    texts: dict[Cell, str] = {}
    missing = [c for c in wanted if c not in paths]
    for attempt in range(2):
        _remember(reader, paths, sheet, missing)
        asked = [c for c in wanted if c in paths and c not in texts]
        replies = reader._batch([memory.call(paths[c], "text") for c in asked])
        missing = []
        for cell, reply in zip(asked, replies, strict=True):
            if reply is not None:
                texts[cell] = str(reply[0])
            elif attempt == 0:
                del paths[cell]
                missing.append(cell)
        if not missing:
            break
    return texts


def _remember(
    reader: atspi.AtspiReader, paths: dict[Cell, Path], sheet: atspi.Node, cells: list[Cell]
) -> None:
    """Ask the sheet for the objects of ``cells`` (each call makes one in LibreOffice) and keep them."""
    bus, path = sheet.key.split(" ", 1)
    table = DBusAddress(path, bus, atspi.TABLE)
    replies = reader._batch([new_method_call(table, "GetAccessibleAt", "ii", cell) for cell in cells])
    for cell, reply in zip(cells, replies, strict=True):
        if reply and reply[0][1] != atspi.NULL_PATH:
            paths[cell] = (str(reply[0][0]), str(reply[0][1]))


def _describe(
    reader: atspi.AtspiReader,
    memory: CellPaths,
    paths: dict[Cell, Path],
    sheet: atspi.Node,
    offset: tuple[int, int],
    texts: dict[Cell, str],
) -> list[atspi.Node]:
    """Nodes of the cells with text: state, box and formula asked for in one batch; a cell not
    showing (a hidden row or column within the range) left out."""
    full = [(cell, text) for cell, text in texts.items() if text.strip()]
    calls: list[atspi.Call] = [
        memory.call(paths[cell], method) for cell, _ in full for method in ("state", "box", "attributes")
    ]
    replies = reader._batch(calls)
    nodes = []
    for k, (cell, text) in enumerate(full):
        state, box, attributes = replies[3 * k : 3 * k + 3]
        states = atspi.states_of(list(state[0])) if state else []
        if "showing" not in states or not box or box[0][2] <= 0 or box[0][3] <= 0:
            continue
        formula = dict(attributes[0]).get("Formula", "") if attributes else ""
        bus, path = paths[cell]
        x, y, w, h = (int(v) for v in box[0])
        nodes.append(
            atspi.Node(
                key=f"{bus} {path}",
                depth=sheet.depth + 1,
                parent=sheet.key,
                states=states,
                role="table cell",
                # LibreOffice keeps the formula without its "=", as the active cell's node says it
                name=f"{address(cell)} ={formula}" if formula else address(cell),
                box=(x + offset[0], y + offset[1], w, h),
                text=text[: atspi.MAX_TEXT],
                app=sheet.app,
            )
        )
    return nodes


def _accessible(bus: str, path: str, method: str) -> Message:
    return new_method_call(DBusAddress(path, bus, atspi.ACCESSIBLE), method)
