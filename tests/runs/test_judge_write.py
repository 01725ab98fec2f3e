"""`palaestra judge --write` beside other writers of the run (a resumed run recording its episodes,
another `judge --write`): a verdict is replaced in one transaction, only if it is still the one that
was judged, and an official task's re-judged columns replace the record's with the old kept."""

from __future__ import annotations

import json
from pathlib import Path

from palaestra.runs.results import load_rows
from palaestra.runs.store import RunStore

from .conftest import build_run, columns_extra

KEY = "agent|webarena.44|0"


def test_a_verdict_changed_since_it_was_judged_is_left_alone(tmp_path: Path) -> None:
    run = build_run(
        tmp_path / "run", {"webarena.44": "1/1", "webarena.45": ["reset_failed"]},
        extras={KEY: columns_extra(1.0, 0.0, 0.0)},
    )  # fmt: skip
    judged = {"by": "test", "mode": "corrected"}
    with RunStore(run) as store, RunStore(run) as resumed:  # two connections, as two processes hold
        assert store.replace_verdict(KEY, 0.0, False, "failure", judged, (1.0, True), {"corrected": 0.0})
        # The other writer judged the old verdict (1.0): it is no longer there, nothing is written.
        assert not resumed.replace_verdict(
            KEY, 0.5, False, "failure", judged, (1.0, True), {"corrected": 0.5}
        )
    rows = {r["task"]: r for r in load_rows(run)}
    row = rows["webarena.44"]
    extra = json.loads(row["extra"])
    assert (row["reward"], row["success"], len(extra["judged"])) == (0.0, 0, 1)
    assert extra["columns"]["corrected"] == 0.0
    assert extra["judged"][0]["replaced"]["columns"]["paper"] == 1.0
    assert (
        rows["webarena.45"]["status"] == "error"
    )  # an errored episode, which a resume plays again, untouched
