"""What an out-of-process frame's capture is, apart from how it is captured (`oopif`, which needs
Playwright): the snapshot reads these parts, and importing it must not load the browser driver."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: Backend node ids of part ``k`` are moved up by ``k * PART_SPAN`` (Chromium's stay far below).
PART_SPAN = 1 << 40


@dataclass
class FramePart:
    """One out-of-process frame's capture: its snapshot, AXTree nodes (ids moved into the part's
    range) and the element id of the ``<iframe>`` that shows it."""

    owner_id: str
    snapshot: dict[str, Any]
    ax_nodes: list[dict[str, Any]]
    part: int
