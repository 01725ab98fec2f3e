"""Scores the same cases with our OSWorld metrics and with OSWorld's own (desktop-env 1.0.2, run by
``testing/osworld_scorer.py`` in the venv ``scripts/setup`` makes for it), for the differential
tests ``test_osworld_against_osworld_*.py``.

A case is a metric of our registry with the getters' values and the options an OSWorld task would
give it. Ours is computed in-process by the registry's function, the one our judge calls; OSWorld's
in one subprocess per test file. Where we differ on purpose, the test lists the case with both
scores and the reason (`Difference`), so that a change on either side fails the test.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from palaestra.tasks.desktop.osworld.getters import FilePath
from palaestra.tasks.desktop.osworld.metrics import METRICS
from palaestra.testing.side_scorer import disagreements, run_scorer

OSWORLD_PYTHON = Path(sys.prefix) / "share" / "palaestra" / "venv-osworld" / "bin" / "python"
SCORER = Path(__file__).resolve().parents[2] / "testing" / "osworld_scorer.py"


@dataclass(frozen=True)
class Case:
    """``metric(*args, **options)``; ``module`` is OSWorld's file that defines it (``general``...).
    ``osworld_args``, when given, are what OSWorld's metric gets instead, where its getter hands over
    another form of the same value (the path of a file whose text our getter reads)."""

    module: str
    metric: str
    args: tuple[Any, ...]
    options: dict[str, Any] = field(default_factory=dict)
    osworld_args: tuple[Any, ...] | None = None
    #: Both scores compared rounded to this many decimal places: for a figure OSWorld computes in
    #: float32 (compare_audios), whose last digits hang on the CPU's vector instructions.
    places: int | None = None


@dataclass(frozen=True)
class Difference:
    """A case where our score differs from OSWorld's on purpose: both verdicts and why."""

    ours: float
    osworld: float | str  # a score, or the exception OSWorld's metric raises ("TypeError")
    reason: str


def folder(parent: Path, name: str) -> Path:
    """A fresh folder for one builder's files, so that two builders never write the same name."""
    (parent / name).mkdir()
    return parent / name


def path(value: Path) -> FilePath:
    """A file as the ``vm_file`` getter gives it to our metrics (OSWorld's get a plain string)."""
    return FilePath(str(value))


def osworld_verdicts(cases: dict[str, Case]) -> dict[str, float | str]:
    """OSWorld's score of each case, or the name of the exception its metric raised."""
    payload = [
        {
            "module": c.module,
            "metric": c.metric,
            "args": list(c.args if c.osworld_args is None else c.osworld_args),
            "options": c.options,
        }
        for c in cases.values()
    ]
    return dict(zip(cases, run_scorer(OSWORLD_PYTHON, SCORER, payload), strict=True))


def our_score(case: Case) -> float:
    return float(METRICS[case.metric].fn(*case.args, **case.options))


def assert_same_scores(cases: dict[str, Case], differences: dict[str, Difference]) -> None:
    """Every case scores the same here and in OSWorld, but those in ``differences``, which score
    exactly as listed; and each metric (each rule kind of compare_table) has a case OSWorld scores 1
    and one it scores less, so that a case
    table that could not tell a right file from a wrong one is caught too."""
    assert set(differences) <= set(cases), set(differences) - set(cases)
    theirs = {name: rounded(v, cases[name].places) for name, v in osworld_verdicts(cases).items()}
    ours = {name: rounded(our_score(case), case.places) for name, case in cases.items()}
    listed = {name: (d.ours, d.osworld) for name, d in differences.items()}
    report = disagreements(cases, ours, theirs, listed, "OSWorld")
    assert not report, "\n".join(report)
    for kind in {kind_of(c) for c in cases.values()}:
        seen = {theirs[n] for n, c in cases.items() if kind_of(c) == kind}
        failing = [s for s in seen if isinstance(s, float) and s < 1.0]
        assert 1.0 in seen and failing, f"{kind} lacks a passing or a failing case: OSWorld gave {seen}"


def rounded(score: float | str, places: int | None) -> float | str:
    return round(score, places) if places is not None and isinstance(score, float) else score


def kind_of(case: Case) -> str:
    """The metric, and for compare_table the kind of its first rule (each kind needs both variants)."""
    rules = case.options.get("rules")
    return f"{case.metric} {rules[0]['type']}" if rules else case.metric
