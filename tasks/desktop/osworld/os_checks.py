"""OSWorld's checks of the desktop's state (its ``os`` domain), written afresh with the same names,
arguments and semantics: the screen's text made larger than normal, a folder holding exactly the
expected pictures, the dock's favourite apps, the time zone at UTC+0 and the clipboard's text, each
read from what a ``vm_command_line`` printed. A missing result (the command failed, the folder is
not there) scores 0.
"""

from __future__ import annotations

import ast
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


def check_gnome_favorite_apps(apps: Any, rules: dict[str, Any]) -> float:
    """The favourite apps (as ``gsettings get org.gnome.shell favorite-apps`` prints them, a Python
    list literal such as ``['firefox.desktop', 'vim.desktop']``) are exactly ``rules["expected"]``,
    in any order. The text is parsed as a literal only (`ast.literal_eval`), never run."""
    if apps is None:
        return 0.0
    try:
        listed = ast.literal_eval(str(apps).strip())
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return 0.0
    if not isinstance(listed, list | tuple):
        return 0.0
    wanted = list(rules["expected"])
    return float(len(listed) == len(wanted) and set(map(str, listed)) == set(map(str, wanted)))


def is_utc_0(timedatectl: Any) -> float:
    """``timedatectl``'s fourth line (``Time zone: Etc/UTC (UTC, +0000)``) ends in ``+0000)``: the
    time zone is UTC+0, whatever its name. Output with fewer lines scores 0."""
    lines = str(timedatectl or "").split("\n")
    return float(len(lines) > 3 and lines[3].rstrip().endswith("+0000)"))


def is_in_vm_clickboard(first: Any, second: Any) -> float:
    """The clipboard's text (what ``xsel --clipboard --output`` printed) holds ``rules["expected"]``,
    or every one of them when it is a list. OSWorld's function takes the rules first, while its
    tasks give the command's output as the result (first) and the rules as the expected value:
    here the rules are found by their shape, so either order judges what the task means."""
    rules, output = (first, second) if isinstance(first, dict) else (second, first)
    if output is None or not isinstance(rules, dict):
        return 0.0
    expected = rules["expected"]
    wanted = expected if isinstance(expected, list) else [expected]
    return float(all(str(w) in str(output) for w in wanted))


def check_expected_list(rules: Any, source: str, where: str) -> None:
    """``check_gnome_favorite_apps`` needs ``{"expected": [names]}``."""
    expected = rules.get("expected") if isinstance(rules, dict) else None
    if not isinstance(expected, list) or not all(isinstance(n, str) for n in expected):
        raise OSWorldTaskError(source, where, f'needs rules {{"expected": [app names]}}, got {rules!r}')


def check_clipboard_rules(rules: Any, source: str, where: str) -> None:
    """``is_in_vm_clickboard`` needs ``{"expected": text}`` or ``{"expected": [texts]}``."""
    expected = rules.get("expected") if isinstance(rules, dict) else None
    texts = expected if isinstance(expected, list) else [expected]
    if not texts or not all(isinstance(t, str) for t in texts):
        raise OSWorldTaskError(
            source, where, f'`is_in_vm_clickboard` needs rules {{"expected": text or [texts]}}, got {rules!r}'
        )
