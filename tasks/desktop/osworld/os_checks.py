"""OSWorld's checks of the desktop's state (its ``os`` domain), written afresh with the same names,
arguments and semantics: the screen's text made larger than normal, and a folder holding exactly the
expected pictures. A missing result (the command failed, the folder is not there) scores 0.
"""

from __future__ import annotations

from typing import Any

from palaestra.tasks.desktop.osworld.errors import OSWorldTaskError


def check_text_enlarged(scaling_factor: Any) -> float:
    """The text scaling factor (as ``gsettings get org.gnome.desktop.interface text-scaling-factor``
    prints it) is above 1: the text is larger than normal."""
    if scaling_factor is None:
        return 0.0
    try:
        return float(float(str(scaling_factor).strip()) > 1.0)
    except ValueError:
        return 0.0


def check_moved_jpgs(directory: Any, rules: dict[str, Any]) -> float:
    """The folder (a ``list_directory`` tree) holds exactly the files named in ``rules["expected"]``
    directly, no more and none twice."""
    if not isinstance(directory, dict):
        return 0.0
    names = [str(child.get("name")) for child in directory.get("children") or []]
    wanted = [str(name) for name in rules["expected"]]
    return float(len(names) == len(wanted) and set(names) == set(wanted))


def check_moved_rules(rules: Any, source: str, where: str) -> None:
    """``check_moved_jpgs`` needs ``{"expected": [file names]}``."""
    expected = rules.get("expected") if isinstance(rules, dict) else None
    if not isinstance(expected, list) or not all(isinstance(n, str) and n for n in expected):
        raise OSWorldTaskError(
            source, where, f'`check_moved_jpgs` needs rules {{"expected": [file names]}}, got {rules!r}'
        )
