"""`disagreements`, which every differential test's verdict comes from: a silent helper would let
our code drift from the benchmark's unseen."""

from __future__ import annotations

from palaestra.testing.side_scorer import disagreements


def test_agreeing_and_listed_cases_report_nothing() -> None:
    ours = {"same": 1.0, "deliberate": 0.0}
    theirs = {"same": 1.0, "deliberate": "TypeError"}
    assert disagreements(ours, ours, theirs, {"deliberate": (0.0, "TypeError")}, "OSWorld") == []


def test_a_new_difference_and_a_listed_one_that_changed_are_both_reported() -> None:
    ours = {"drifted": 0.0, "deliberate": 1.0, "same": 1.0}
    theirs = {"drifted": 1.0, "deliberate": "TypeError", "same": 1.0}
    report = disagreements(ours, ours, theirs, {"deliberate": (0.0, "TypeError")}, "WebArena")
    assert report == [
        "drifted: ours 0.0, WebArena 1.0",
        "deliberate: listed as ours 0.0 / WebArena 'TypeError', now 1.0 / 'TypeError'",
    ]
