"""Fixtures of the site tests: one runtime per test process (its site processes are shared by every
test of the process), built seeds from the shared cache (built on first use)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from palaestra.sites.runtime import SiteRuntime, get_runtime

from .judged_runs import TASKS, play


@pytest.fixture(scope="session")
def runtime() -> Iterator[SiteRuntime]:
    """The process's runtime: the one ``SiteTask`` uses, stopped when the session ends."""
    rt = get_runtime()
    yield rt
    rt.stop()


@pytest.fixture(scope="session")
def shop_run(tmp_path_factory: pytest.TempPathFactory, runtime: SiteRuntime) -> Path:
    """The oracle's run of the three shop tasks of `judged_runs.TASKS`, played once for both
    judging modules (`test_judge`, `test_judge_served`). Read only: a test that changes or adds
    to it works on a copy."""
    return play(tmp_path_factory.mktemp("judge") / "run", TASKS)
