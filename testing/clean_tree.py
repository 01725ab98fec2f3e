"""A pytest plugin that fails the run when tests leave files in the checkout.

A test that writes into the working directory (a benchmark's own code saving ``temp.pdf`` where it
runs, a report written beside the sources) dirties every developer's tree and, once committed by
accident, ships in the package. The plugin lists what ``git status`` shows at the start and at the
end of the run and fails the run on anything new, naming the files. Outside a git checkout (an
installed package's tests) it has nothing to compare and stays quiet.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

_STATUS_AT_START = pytest.StashKey[frozenset[str]]()


def tree_status(root: Path) -> frozenset[str] | None:
    """``git status --porcelain`` lines for untracked and changed files under ``root``, or None
    when ``root`` is not in a git checkout (or git is missing)."""
    try:
        done = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=all", "--", "."],
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    return frozenset(line for line in done.stdout.splitlines() if line.strip())


def _is_controller(config: pytest.Config) -> bool:
    """True in the process that reports (not in an xdist worker)."""
    return not hasattr(config, "workerinput")


def pytest_sessionstart(session: pytest.Session) -> None:
    if _is_controller(session.config):
        status = tree_status(Path(session.config.rootpath))
        if status is not None:
            session.config.stash[_STATUS_AT_START] = status


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    if not _is_controller(config) or _STATUS_AT_START not in config.stash:
        return
    now = tree_status(Path(config.rootpath))
    if now is None:
        return
    at_start: frozenset[str] = config.stash[_STATUS_AT_START]
    new = sorted(now - at_start)
    if new:
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        message = (
            "tests left files in the checkout (write them under tmp_path, or run the code that "
            "writes them with cwd set to a temporary folder):\n  " + "\n  ".join(new)
        )
        if reporter is not None:
            reporter.write_line(message, red=True, bold=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
