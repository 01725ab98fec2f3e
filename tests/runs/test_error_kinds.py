"""Every kind of failure an environment can end an episode with is classified for the runner:
retried (the infrastructure's), kept until a resume, or permanent. An unclassified kind was neither
retried nor reported as permanent: a desktop whose display crashed lost the episode for good."""

from __future__ import annotations

import re
from pathlib import Path

import palaestra
from palaestra.runs.records import PERMANENT_ERRORS, RESUMED_ERRORS, RETRYABLE_ERRORS

ROOT = Path(palaestra.__file__).parent
CLASSIFIED = RETRYABLE_ERRORS | RESUMED_ERRORS | PERMANENT_ERRORS
#: Where a kind is written: a desktop session's failures, an env's `info["error"]["kind"]`.
RAISED = re.compile(r'SessionFailure\(\s*"([a-z_]+)"|kind, message = "([a-z_]+)"|"kind": "([a-z_]+)"')


def kinds_written_in(folder: str) -> set[str]:
    found = set()
    for path in (ROOT / folder).rglob("*.py"):
        for match in RAISED.finditer(path.read_text()):
            found.add(next(group for group in match.groups() if group))
    return found


def test_every_kind_an_environment_reports_is_classified() -> None:
    from palaestra.envs.desktop.env import BROKEN_APP_KINDS, FATAL_KINDS

    written = kinds_written_in("envs") | kinds_written_in("server") | FATAL_KINDS
    assert {
        "display_crashed",
        "app_crashed",
        "step_timeout",
        "environment_error",
    } <= written  # the scan works
    unclassified = written - CLASSIFIED - BROKEN_APP_KINDS  # an app that cannot start fails the reset
    assert not unclassified, f"classify these in palaestra.runs.records: {sorted(unclassified)}"


def test_the_classes_do_not_overlap() -> None:
    assert not RETRYABLE_ERRORS & PERMANENT_ERRORS
    assert not RESUMED_ERRORS & (RETRYABLE_ERRORS | PERMANENT_ERRORS)
