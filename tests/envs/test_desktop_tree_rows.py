"""Where a click on an element id aims (`DesktopTree.point_of`): the middle of its box, except for a
row whose box spans the rows nested in it (Gecko's expanded folder rows in Thunderbird), whose own
row is the strip above them. Pure data: the boxes are Thunderbird's folder pane's."""

from __future__ import annotations

from typing import Any

from palaestra.envs.desktop.tree import DesktopTree


def element(eid: str, role: str, box: tuple[int, int, int, int], parent: str = "") -> dict[str, Any]:
    return {"id": eid, "role": role, "name": eid, "bbox": box, "visible": True, "parent": parent}


def test_an_expanded_row_is_clicked_on_its_own_row() -> None:
    elements = [
        element("tree", "tree", (45, 114, 240, 147)),
        element("local", "tree item", (45, 118, 240, 140), "tree"),
        element("label", "section", (94, 124, 180, 17), "local"),
        element("inbox", "tree item", (45, 146, 240, 28), "local"),
        element("trash", "tree item", (45, 174, 240, 28), "local"),
        element("outbox", "tree item", (45, 202, 240, 28), "local"),
        element("receipts", "tree item", (45, 230, 240, 28), "local"),
    ]
    tree = DesktopTree(text="", elements=elements, focused="")
    assert tree.point_of("local") == (165, 132)  # between its top (118) and the Inbox row's (146)
    assert tree.point_of("trash") == (165, 188)  # a row with nothing nested: its middle
    assert tree.point_of("tree") == (165, 187.5)  # the tree itself: its middle, rows of another role


def test_a_box_whose_middle_no_nested_row_covers_keeps_its_middle() -> None:
    elements = [
        element("group", "tree item", (0, 0, 200, 100)),
        element("child", "tree item", (0, 80, 200, 20), "group"),
    ]
    assert DesktopTree(text="", elements=elements, focused="").point_of("group") == (100, 50)
