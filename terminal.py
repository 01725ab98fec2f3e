"""Text from runs, made safe to print in a terminal.

A run's records hold what models and web pages wrote (answers, page text, error messages that
quote an action, task and agent names of a run someone shared). Printed as they are, control
characters in them drive the reader's terminal: ``ESC ] 0 ;`` retitles the window, ``ESC [ 2 K``
and ``\\r`` erase lines (a failing run shown as passing), ``ESC ] 52`` writes the clipboard in
some terminals, and bidirectional overrides show text in another order than it reads. `printable`
shows each such character as its escape (``\\x1b``) instead; newlines and tabs stay.
"""

from __future__ import annotations

from palaestra.redaction import redact_text

#: Bidirectional embeddings, overrides and isolates: they reorder what a terminal shows.
_BIDI = [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]
_ESCAPES = {
    **{c: f"\\x{c:02x}" for c in [*range(0x00, 0x20), *range(0x7F, 0xA0)] if chr(c) not in "\n\t"},
    **{c: f"\\u{c:04x}" for c in _BIDI},
}


def printable(text: str) -> str:
    """``text`` with every control character but newline and tab shown as its escape."""
    return text.translate(_ESCAPES)


def shown(text: str) -> str:
    """Text from a run as the command line prints it: secrets redacted, control characters escaped."""
    return printable(redact_text(text))
