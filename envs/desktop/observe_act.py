"""The session's observe and act requests: what is on screen and in the accessibility tree, and the
input ops of an action replayed through XTEST.

A mixin of `Session` (in `session.py`), kept apart from the processes and episodes it runs beside:
these requests read and drive the display, and start nothing themselves (Ctrl+Alt+T's terminal is
started by `Session.after_input`, between two ops). Imported beside
`session` in the session process (not through Palaestra), as its siblings are.
"""

from __future__ import annotations

import time
from typing import Any

import atspi
import browser_app
import office
import stacking
import xinput


class ObserveAct:
    """The observe and act requests, over the session's X connection `x` and AT-SPI reader `tree`."""

    x: Any
    tree: Any
    #: The episode's HOME (None before the first episode) and the path a task says for it.
    home: Any
    home_alias: str
    #: The spreadsheet cell objects already made, kept across steps (`sheet_cells.CellPaths`).
    cell_paths: Any

    def observe(self, request: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
        reply: dict[str, Any] = {"windows": self.x.windows(), "pointer": list(self.x.pointer())}
        if request.get("popups"):  # set-of-marks: what covers what beyond the client windows
            reply["popups"] = stacking.popups(self.x, [w["id"] for w in reply["windows"]])
        if request.get("tree", True):
            home = str(self.home or "")
            nodes = office.adjust(self.tree, self._snapshot(), home, self.home_alias, self.cell_paths)
            nodes = browser_app.adjust(nodes)
            if reply.get("popups"):
                stacking.place(nodes, reply["popups"], self.tree)
            reply["nodes"] = [n.as_dict() for n in nodes]
        shot = self.x.screenshot() if request.get("screenshot", True) else b""
        return reply, shot

    def _snapshot(self) -> list[Any]:
        """The accessibility tree, read a second time when an app left calls unanswered: a page that
        a loaded machine is still loading stalls its renderer past one read's bound (VS Code's
        workbench reloading on a folder, at load 4 on 2 cores); an app silent for both reads is
        not responding (`atspi.TreeError`, which ends the episode as ``app_not_responding``)."""
        try:
            return list(self.tree.snapshot())
        except atspi.TreeError:
            return list(self.tree.snapshot())

    def act(self, request: dict[str, Any]) -> dict[str, Any]:
        error = ""
        for i, op in enumerate(request.get("ops", [])):
            if i:  # PyAutoGUI pauses after every call (pyautogui.PAUSE); apps such as galculator need it
                time.sleep(float(request.get("pause", 0.1)))
            try:
                self._input(op)
            except xinput.InputError as exc:
                error = str(exc)
                break
            self.after_input()
        waited = self.x.settle(request.get("quiet", 0.08), request.get("limit", 2.0))
        return {"error": error, "settled": waited}

    def after_input(self) -> None:
        """What the session does once an input op was sent, before the next: `Session` opens a
        terminal there on Ctrl+Alt+T, so that the script's next ops type into it."""

    def _input(self, op: dict[str, Any]) -> None:
        kind, x = op["k"], self.x
        if "dx" in op:  # relative to where the pointer is (moveRel, dragRel)
            at = x.pointer()
            op = dict(op, x=at[0] + float(op["dx"]), y=at[1] + float(op["dy"]))
        if op.get("x") is not None and kind != "drag":
            x.move(op["x"], op["y"])
        if kind == "click":
            x.click(op.get("button", "left"), int(op.get("clicks", 1)))
        elif kind in ("mousedown", "mouseup"):
            x.button(op.get("button", "left"), kind == "mousedown")
        elif kind == "drag":
            x.drag(op["x"], op["y"], op.get("button", "left"), float(op.get("duration", 0.2)))
        elif kind == "scroll":
            x.scroll(int(op["clicks"]), bool(op.get("horizontal")))
        elif kind == "write":
            x.write(op["text"])
        elif kind == "press":
            for key in op["keys"]:
                x.press(key, int(op.get("presses", 1)))
        elif kind == "hotkey":
            x.hotkey(op["keys"])
        elif kind == "keydown":
            x.key_down(op["key"])
        elif kind == "keyup":
            x.key_up(op["key"])
        elif kind == "wait":
            time.sleep(min(float(op["seconds"]), 30.0))
        elif kind != "move":
            raise xinput.InputError(f"unknown input {kind!r}")
