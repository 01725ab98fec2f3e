"""AT-SPI's state names, and the state set a ``GetState`` call answers read as those names.

Imported beside `atspi` in the desktop session process (not through Palaestra), as its siblings are.
"""

from __future__ import annotations

#: AtspiStateType, in its enum's order (bit n of the state set is the n-th name).
STATE_NAMES = [
    "invalid",
    "active",
    "armed",
    "busy",
    "checked",
    "collapsed",
    "defunct",
    "editable",
    "enabled",
    "expandable",
    "expanded",
    "focusable",
    "focused",
    "has-tooltip",
    "horizontal",
    "iconified",
    "modal",
    "multi-line",
    "multiselectable",
    "opaque",
    "pressed",
    "resizable",
    "selectable",
    "selected",
    "sensitive",
    "showing",
    "single-line",
    "stale",
    "transient",
    "vertical",
    "visible",
    "manages-descendants",
    "indeterminate",
    "required",
    "truncated",
    "animated",
    "invalid-entry",
    "supports-autocompletion",
    "selectable-text",
    "is-default",
    "visited",
    "checkable",
    "has-popup",
    "read-only",
]


def states_of(bits: list[int]) -> list[str]:
    return [
        STATE_NAMES[i + 32 * word]
        for word, value in enumerate(bits)
        for i in range(32)
        if value >> i & 1 and i + 32 * word < len(STATE_NAMES)
    ]
