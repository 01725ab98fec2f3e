"""The plugin that keeps the tests sharing a module's or a folder's fixture on one xdist worker."""

from __future__ import annotations

import re

import pytest

pytest_plugins = ["pytester"]

#: Each test says which worker ran it; the module's fixture says how often it was built, and where.
SHARED_MODULE = """
import os
import pytest

@pytest.fixture(scope="module")
def costly():
    print("BUILT", os.environ["PYTEST_XDIST_WORKER"])
    return 1

@pytest.mark.parametrize("n", range({count}))
def test_shared(costly, n):
    print("RAN", os.environ["PYTEST_XDIST_WORKER"])
"""

ALONE = """
import os
import pytest

@pytest.mark.parametrize("n", range(12))
def test_alone(n):
    print("RAN", os.environ["PYTEST_XDIST_WORKER"])
"""


def workers(output: str, word: str, test: str) -> list[str]:
    """The workers that printed ``word`` in ``test``'s captured output (``-rA`` shows it)."""
    return re.findall(rf"_+ {test}\[\d+\] _+\n(?:.*\n)*?{word} (gw\d)", output)


def run(pytester: pytest.Pytester, dist: str) -> str:
    # Collected first, so xdist's load sends its first tests to both workers.
    pytester.makepyfile(test_a_shared=SHARED_MODULE.format(count=12), test_b_alone=ALONE)
    result = pytester.runpytest_subprocess(
        "-p", "palaestra.testing.worker_groups", "-p", "no:cacheprovider", "-n", "2", "--dist", dist, "-rA"
    )  # fmt: skip
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    return result.stdout.str()


def test_a_modules_tests_run_on_one_worker_which_builds_its_fixture_once(pytester: pytest.Pytester) -> None:
    output = run(pytester, "loadgroup")
    ran = workers(output, "RAN", "test_shared")
    assert len(ran) == 12 and len(set(ran)) == 1, ran
    assert output.count("BUILT gw") == 1
    assert len(workers(output, "RAN", "test_alone")) == 12


def test_without_loadgroup_the_plugin_leaves_the_scheduling_alone(pytester: pytest.Pytester) -> None:
    output = run(pytester, "load")
    assert len(set(workers(output, "RAN", "test_shared"))) == 2  # xdist's load deals them out
    assert output.count("BUILT gw") == 2
