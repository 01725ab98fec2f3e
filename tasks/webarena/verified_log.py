"""What WebArena-Verified's package logs while it judges an episode, kept with its verdict.

Verified 1.2.3 logs through ``logging`` (its ``WebArena-Verified`` logger and a few module loggers)
and sets no handler unless its own CLI runs, so Python's last-resort handler printed its records on
the user's terminal mid-run: a traceback for every answer its evaluator cannot read, although the
verdict already says so (a failure, or the evaluator's error). While ``captured()`` is open, what
Verified logs in that thread goes into the returned list instead (the verdict's ``log``). Records
it logs anywhere else, and every other logger's, reach the usual handlers as before; an exception
Verified raises is not caught here.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import traceback
from collections.abc import Iterator

#: Verified's main logger; its modules' own loggers are named after them (``webarena_verified.…``).
VERIFIED_LOGGER = "WebArena-Verified"
_capturing = threading.local()


class _IntoVerdict(logging.Filter):
    """Takes a record out of the logging path into the verdict being made in this thread, if any."""

    def filter(self, record: logging.LogRecord) -> bool:
        sink: list[str] | None = getattr(_capturing, "records", None)
        if sink is None:
            return True
        sink.append(as_text(record))
        return False


_FILTER = _IntoVerdict()


def as_text(record: logging.LogRecord) -> str:
    text = f"{record.levelname}: {record.getMessage()}"
    if record.exc_info and record.exc_info[0] is not None:
        text += "\n" + "".join(traceback.format_exception(*record.exc_info)).rstrip()
    return text


def install() -> None:
    """Put the filter on Verified's loggers (its modules are imported by then; once each)."""
    names = [n for n in list(logging.root.manager.loggerDict) if n.startswith("webarena_verified")]
    for name in (VERIFIED_LOGGER, *names):
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


@contextlib.contextmanager
def captured() -> Iterator[list[str]]:
    """The records Verified logs in this thread until the block ends, as text (with tracebacks)."""
    install()
    records: list[str] = []
    _capturing.records = records
    try:
        yield records
    finally:
        _capturing.records = None
