"""The spreadsheet cell objects already made, remembered from step to step (`sheet_cells` reads
through them): LibreOffice makes a new object at each GetAccessibleAt and never frees it, so each
cell's object path is kept per sheet and asked again, and the calls made to those objects at every
read are kept serialised (`atspi.serialised`).

Imported beside `session` in the session process (not through Palaestra), as its siblings are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import atspi
from jeepney import DBusAddress, new_method_call
from jeepney.low_level import Message

#: Remembered cell paths per sheet: past this, the sheet's are forgotten (its objects stay alive in
#: LibreOffice; a sheet scrolled that far needs them asked for again, at the same leak as before).
MAX_REMEMBERED = 20_000
Cell = tuple[int, int]  # (row, column), from 0
Path = tuple[str, str]  # (bus name, object path)
#: The calls made to a cell object at every read, by name: (bus, path) -> the message.
CALLS: dict[str, Callable[[str, str], Message]] = {
    "text": lambda bus, path: new_method_call(DBusAddress(path, bus, atspi.TEXT), "GetText", "ii", (0, -1)),
    "state": lambda bus, path: new_method_call(DBusAddress(path, bus, atspi.ACCESSIBLE), "GetState"),
    "box": lambda bus, path: new_method_call(
        DBusAddress(path, bus, atspi.COMPONENT), "GetExtents", "u", (atspi.COORD_SCREEN,)
    ),
    "attributes": lambda bus, path: new_method_call(
        DBusAddress(path, bus, atspi.ACCESSIBLE), "GetAttributes"
    ),
}


@dataclass
class CellPaths:
    """Each sheet's cell objects already made, by sheet key and (row, column), kept across steps;
    and the calls made to them, serialised once (`atspi.serialised`)."""

    sheets: dict[str, dict[Cell, Path]] = field(default_factory=dict)
    calls: dict[tuple[Path, str], bytes] = field(default_factory=dict)
    #: Each sheet's corner cells at its last read: while their boxes still hold the sheet's corners
    #: the view has not moved (GetAccessibleAtPoint, which makes two more objects, is not needed).
    corners: dict[str, list[Cell]] = field(default_factory=dict)

    def keep_only(self, sheet_keys: set[str]) -> None:
        """Forget the sheets no longer in the tree (a closed document, another sheet shown)."""
        for key in [k for k in self.sheets if k not in sheet_keys]:
            del self.sheets[key]
            self.corners.pop(key, None)
            self.calls.clear()

    def of(self, sheet_key: str) -> dict[Cell, Path]:
        paths = self.sheets.setdefault(sheet_key, {})
        if len(paths) > MAX_REMEMBERED:
            paths.clear()
            self.calls.clear()
        return paths

    def call(self, path: Path, method: str) -> bytes:
        """The call of ``method`` (one of `CALLS`) on the cell object at ``path``."""
        key = (path, method)
        if key not in self.calls:
            self.calls[key] = atspi.serialised(CALLS[method](*path))
        return self.calls[key]
