"""The plugin that fails a run whose tests leave files in the checkout."""

from __future__ import annotations

import subprocess

import pytest

from palaestra.testing.clean_tree import tree_status

pytest_plugins = ["pytester"]

WRITES_INTO_CWD = """
from pathlib import Path

def test_writes() -> None:
    Path("temp.pdf").write_text("scratch")
"""

WRITES_INTO_TMP = """
def test_writes(tmp_path) -> None:
    (tmp_path / "temp.pdf").write_text("scratch")
"""


def checkout(pytester: pytest.Pytester) -> None:
    """Make pytester's folder a git checkout with its test file committed (pytester's own temporary
    folders, which it puts inside, ignored as a real run's are outside the checkout)."""
    (pytester.path / ".gitignore").write_text("runpytest-*/\n")
    for command in (
        ["git", "init", "-q"],
        ["git", "add", "."],
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "tests"],
    ):
        subprocess.run(command, cwd=pytester.path, check=True)


def test_a_file_left_in_the_checkout_fails_the_run_and_is_named(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_stray=WRITES_INTO_CWD)
    checkout(pytester)
    result = pytester.runpytest_subprocess("-p", "palaestra.testing.clean_tree")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*tests left files in the checkout*", "*?? temp.pdf*"])


def test_files_under_tmp_path_pass(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_tidy=WRITES_INTO_TMP)
    checkout(pytester)
    result = pytester.runpytest_subprocess("-p", "palaestra.testing.clean_tree")
    assert result.ret == pytest.ExitCode.OK
    assert "left files" not in result.stdout.str()


def test_outside_a_checkout_there_is_nothing_to_compare(tmp_path) -> None:
    assert tree_status(tmp_path) is None
