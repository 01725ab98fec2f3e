"""Runs a scorer script in a side venv (OSWorld's, WebArena's) and reads its verdicts, for the
differential tests that score the same cases with our code and with the benchmark's own.

A scorer reads a JSON list of cases on stdin and prints a JSON list of verdicts, one per case:
``{"score": float}`` or ``{"error": "ExceptionType: message"}`` (the benchmark's code raised). Its
own module so that each differential helper (``tests/tasks/osworld_against.py``,
``webarena_against.py``, ``tests/sites/program_html_against.py``) calls one copy.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any


def run_scorer(
    python: Path, script: Path, payload: Sequence[Any], env: Mapping[str, str] | None = None
) -> list[float | str]:
    """Each case's score, or the name of the exception the benchmark's code raised for it.

    ``python`` is the side venv's interpreter (missing: ``scripts/setup`` was not run, said so);
    ``env`` adds variables to this process's environment for the scorer (a grader's address, the
    sites' URLs)."""
    assert python.exists(), f"{python} is missing: run scripts/setup (it makes that venv)"
    # In a folder of its own: benchmarks' metrics write scratch files where they run (OSWorld's
    # PDF compare leaves `temp.pdf`), which must not land in the checkout.
    with tempfile.TemporaryDirectory(prefix="side-scorer-") as scratch:
        done = subprocess.run(
            [str(Path(python).absolute()), str(Path(script).resolve())],
            input=json.dumps(list(payload)),
            capture_output=True,
            text=True,
            check=False,
            cwd=scratch,
            env={**os.environ, **(env or {})},
        )
    assert done.returncode == 0, done.stderr
    verdicts = json.loads(done.stdout)
    assert len(verdicts) == len(payload), (len(verdicts), len(payload), done.stderr[-2000:])
    return [float(v["score"]) if "score" in v else str(v["error"]).split(":")[0] for v in verdicts]


def disagreements(
    names: Iterable[str],
    ours: Mapping[str, Any],
    theirs: Mapping[str, Any],
    listed: Mapping[str, tuple[Any, Any]],
    benchmark: str,
) -> list[str]:
    """What a differential test reports: each case whose verdicts differ and is not listed as a
    deliberate difference, and each listed one whose verdicts are no longer the listed pair
    (``listed``: case -> (ours, the benchmark's)). Empty when the two codes agree as expected."""
    report = []
    for name in names:
        if name in listed:
            if (ours[name], theirs[name]) != listed[name]:
                was = f"listed as ours {listed[name][0]!r} / {benchmark} {listed[name][1]!r}"
                report.append(f"{name}: {was}, now {ours[name]!r} / {theirs[name]!r}")
        elif ours[name] != theirs[name]:
            report.append(f"{name}: ours {ours[name]!r}, {benchmark} {theirs[name]!r}")
    return report
