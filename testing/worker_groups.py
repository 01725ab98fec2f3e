"""A pytest plugin that keeps tests sharing a costly fixture on one pytest-xdist worker.

A fixture wider than a test (a module's desktop session or memory, a folder's runs or site servers)
is built once per worker that runs a test needing it. xdist's default scheduling (``--dist load``)
deals tests out one by one, so a module's tests often land on both workers and both build it:
the UI's two recorded runs, a memory of 80 oracle episodes, a module's site episodes.

With ``--dist loadgroup`` (set in ``pyproject.toml``) this plugin groups, and each group runs on
one worker: a module's tests that use a module-scoped fixture are a group of their own, and every
test using a session-scoped fixture of a folder's ``conftest.py`` (``tests/sites``' site runtime,
``tests/ui``' runs) is in that folder's group; ``xdist_group`` marks are honoured too. Session
fixtures of the top ``conftest.py`` and of plugins (MiniLM, used all over) group nothing. Tests
outside a group are dealt out one by one, as before; the groups with the most tests start first.

Why not xdist's own loadgroup: it puts the group in the test's id by setting ``item._nodeid``,
which pytest 9 no longer reads (ids come from ``item._id``), so its groups are silently split.
Here the first worker writes the groups it computed to a file named by
``PALAESTRA_XDIST_GROUPS`` (set by the controller before it starts the workers), and the
controller's scheduler reads them. Without xdist, or with another ``--dist``, nothing changes.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

#: Where a fixture defined there is shared by the whole run: plugins ("") and the top conftest.
TOP_LEVEL = frozenset({"", "tests"})
#: The file the first worker writes the groups to, as {test id: group}.
GROUPS_FILE = "PALAESTRA_XDIST_GROUPS"


def _path(item: pytest.Item) -> str:
    return item.nodeid.split("::", 1)[0]


def _shared_scopes(item: pytest.Item) -> Iterable[tuple[str, str]]:
    """(scope, where defined) of each fixture wider than a test that ``item`` uses, directly or
    through another fixture."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return []
    found = []
    for definitions in info.name2fixturedefs.values():
        if definitions:
            used = definitions[-1]  # the closest definition is the one the test gets
            found.append((used.scope, used.baseid))
    return found


def group_of(item: pytest.Item) -> str | None:
    """The test's group: its folder's, when it uses a session fixture of a folder's conftest; its
    module's, when it uses a module-scoped fixture; else none (an ``xdist_group`` mark wins)."""
    mark = item.get_closest_marker("xdist_group")
    if mark is not None:
        return str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
    module_wide = False
    for scope, where in _shared_scopes(item):
        if scope in ("session", "package") and where not in TOP_LEVEL:
            return where
        module_wide = module_wide or scope in ("module", "class")
    return _path(item) if module_wide else None


def groups(items: list[pytest.Item]) -> dict[str, str]:
    """{test id: group} for the tests that have one."""
    return {item.nodeid: group for item in items if (group := group_of(item)) is not None}


def _grouping(config: pytest.Config) -> bool:
    return bool(config.pluginmanager.hasplugin("xdist") and config.getoption("dist", "no") == "loadgroup")


def pytest_configure(config: pytest.Config) -> None:
    """In the controller: name the file the workers (started after this) write the groups to."""
    if _grouping(config) and not hasattr(config, "workerinput"):
        handle, name = tempfile.mkstemp(prefix="palaestra-xdist-groups-", suffix=".json")
        os.close(handle)
        os.environ[GROUPS_FILE] = name
        config.add_cleanup(lambda: Path(name).unlink(missing_ok=True))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In the first worker: write the groups, before it tells the controller what it collected."""
    worker = getattr(config, "workerinput", {}).get("workerid")
    target = os.environ.get(GROUPS_FILE)
    if worker == "gw0" and target:
        partial = Path(f"{target}.{os.getpid()}")
        partial.write_text(json.dumps(groups(items)))
        partial.replace(target)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    if not _grouping(config):
        return None
    from xdist.scheduler import LoadScopeScheduling

    class GroupScheduling(LoadScopeScheduling):
        """xdist's scope scheduling, with the groups the first worker wrote as the scopes."""

        _groups: dict[str, str] | None = None

        def _split_scope(self, nodeid: str) -> str:
            if self._groups is None:
                self._groups = json.loads(Path(os.environ[GROUPS_FILE]).read_text() or "{}")
            return self._groups.get(nodeid, nodeid)

    return GroupScheduling(config, log)
