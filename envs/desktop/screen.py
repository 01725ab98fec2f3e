"""The sizes of screen a desktop session offers, and the check of a `DesktopEnv`'s ``screen_size``.

Apart from the environment so that the limits (what Xvfb takes, what apps need) are stated once,
with the error that names them.
"""

from __future__ import annotations

from typing import Any

#: Smallest and largest screens a session offers (Xvfb takes up to 8192 x 8192; apps need room).
MIN_SCREEN, MAX_SCREEN = (640, 480), (7680, 4320)


def check_screen_size(size: Any) -> tuple[int, int]:
    """``size`` as (width, height), or a `ValueError` that says which sizes a session offers."""
    ok = (
        isinstance(size, tuple | list)
        and len(size) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in size)
        and MIN_SCREEN[0] <= size[0] <= MAX_SCREEN[0]
        and MIN_SCREEN[1] <= size[1] <= MAX_SCREEN[1]
    )
    if not ok:
        raise ValueError(
            f"screen_size must be (width, height) in whole pixels, from {MIN_SCREEN} to {MAX_SCREEN}, "
            f"got {size!r}; OSWorld's screen is (1920, 1080)."
        )
    return int(size[0]), int(size[1])
