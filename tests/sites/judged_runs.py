"""The site runs the judging tests play: `play` writes a run as `palaestra eval` does, and `TASKS`
are the three shop tasks whose oracle run `test_judge` and `test_judge_served` both judge (one run,
the session fixture ``shop_run`` of this folder's conftest, copied by a test that changes it)."""

from __future__ import annotations

from pathlib import Path

from palaestra.runs.episode import EpisodeWorker
from palaestra.runs.spec import AgentEntry, EpisodeSpec, RunSettings
from palaestra.runs.store import RunStore

#: One shop task per kind of evidence: an answer (string_match), the final URL (url_match), the
#: database and a page fetched logged in (db_state and program_html).
TASKS = ("shop.change-last-name-0", "shop.nav-search-0", "shop.product-price-0")


def play(
    run: Path, tasks: tuple[str, ...], agent: str = "oracle", *, server: str = "", steps: int = 40
) -> Path:
    """A run of `agent` (the oracle, or an agent of `webarena_agents` for a test that puts this
    folder on `sys.path`) over `tasks` (seed 0), written as `palaestra eval` writes it; with
    ``server``, every episode played in the server there (``--env-server``), and a step limit of
    ``steps``. Adds to the run when `run` holds one already."""
    worker = EpisodeWorker(RunSettings(max_steps=steps, screenshots=False, env_server=server), str(run))
    try:
        with RunStore(run) as store:
            for task in tasks:
                store.record(worker.run(EpisodeSpec(AgentEntry(agent), task, 0)))
    finally:
        worker.close()
    return run
