"""An app that stalls the accessibility tree while it starts is not ready yet, not a failed reset
(`envs/desktop/app_watch.py`). Under two busy loops on 2 cores Impress left 221 of one read's calls
unanswered while it built its slides, and the reset failed as ``app_not_responding`` at once,
long before the readiness wait's own bound.

The stall is played by a reader that raises the real reader's `TreeError` (an app's D-Bus replies
cannot be held back on demand); the wait, the window check and Impress's slide-pane check are the
session's own."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest

DESKTOP = Path(__file__).parents[2] / "envs" / "desktop"


class StallingTree:
    """An accessibility bus whose first ``stalls`` snapshots go unanswered, as a busy app's do."""

    def __init__(self, atspi: Any, stalls: int) -> None:
        self.atspi, self.stalls, self.reads = atspi, stalls, 0

    def applications(self) -> list[tuple[str, str]]:
        return [(":1.5", "/org/a11y/atspi/accessible/root")]

    def snapshot(self) -> list[Any]:
        self.reads += 1
        if self.reads <= self.stalls:
            raise self.atspi.TreeError("221 accessibility calls unanswered after 5.0 s")
        pane = self.atspi.Node(key="p", depth=1, parent="", states=["showing"], children=["s"])
        pane.role, pane.name = "document frame", "Slides View"
        return [pane]


class Screen:
    def windows(self) -> list[dict[str, Any]]:
        return [{"active": True, "title": "slides.odp - LibreOffice Impress"}]


def test_a_tree_stalled_while_impress_starts_is_waited_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(DESKTOP))  # the session imports its siblings so
    app_watch, atspi = importlib.import_module("app_watch"), importlib.import_module("atspi")
    display = importlib.import_module("display")

    class Watching(app_watch.AppWatch, display.Display):
        def __init__(self) -> None:
            self.x, self.tree, self.apps, self.app_errs = Screen(), StallingTree(atspi, 2), [], []
            self.infra, self.stopped, self.closed_a_window, self.winding_down = {}, set(), False, False

    session = Watching()
    session._wait(lambda: session._app_ready(set(), with_office=True), "soffice", timeout=30)
    assert session.tree.reads == 3  # two stalled reads, then the pane with its slides
