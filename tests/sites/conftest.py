"""Fixtures of the site tests: one runtime per test process (its site processes are shared by every
test of the process), built seeds from the shared cache (built on first use)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from palaestra.sites.runtime import SiteRuntime, get_runtime


@pytest.fixture(scope="session")
def runtime() -> Iterator[SiteRuntime]:
    """The process's runtime: the one ``SiteTask`` uses, stopped when the session ends."""
    rt = get_runtime()
    yield rt
    rt.stop()
