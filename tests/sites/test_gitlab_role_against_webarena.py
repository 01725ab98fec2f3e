"""WebArena's ``gitlab_get_project_memeber_role`` in our paper column against WebArena's own, on a
user-hosted "GitLab" members page.

Palaestra's code host (Fossil) has no GitLab members table, so there the helper reads "" on both sides
(the other differential test). WebArena's GitLab image cannot run here; as ``test_official`` does for
GitLab's sign-in, the user's instance is a small loopback server (``gitlab_members``, shared with the
helpers' replay) serving ``/<owner>/<project>/-/project_members`` with the cells the helper reads (the
account's ``td[data-label='Account'] span.gl-avatar-labeled-sublabel``, the role's ``td.col-max-role
span``). Tasks 481 (dotfiles, ``abisubramanya27`` as Guest) and 576 (a11y-webring.club, two Developers)
run on both sides over real HTTP and real Chromium, one server per page state.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from playwright.async_api import Browser

from palaestra.tasks.webarena.official import benchmark_configs
from palaestra.testing.loopback import serve

from .gitlab_members import gitlab
from .program_html_against import Case, Visit, assert_same_scores

#: Each state of the members tables: account -> the role cell's spans.
STATES: dict[str, dict[str, list[str]]] = {
    "roles as asked": {"byteblaze": ["Owner"], "abisubramanya27": ["Guest"], "lahwaacz": ["Developer"]},
    "two developers": {"byteblaze": ["Owner"], "abisubramanya27": ["Developer"], "lahwaacz": ["Developer"]},
    "other roles": {"byteblaze": ["Owner"], "abisubramanya27": ["Reporter"], "lahwaacz": ["Maintainer"]},
    # A role cell with a second span (a badge): WebArena pairs the n-th account with the n-th span
    # of all role cells, so every later account reads its neighbour's role.
    "a badge in the first role cell": {"byteblaze": ["Owner", "You"], "abisubramanya27": ["Guest"],
                                       "lahwaacz": ["Developer"]},
    "no such members": {"byteblaze": ["Owner"]},
}  # fmt: skip


def role_cell(spans: list[str]) -> str:
    """A role cell of plain spans (the members page takes each cell's HTML)."""
    return "".join(f"<span>{span}</span>" for span in spans)


@pytest.fixture(scope="module")
def gitlabs() -> Iterator[dict[str, str]]:
    """One loopback GitLab per state: state -> its base URL."""
    with ExitStack() as servers:
        yield {
            name: servers.enter_context(serve(gitlab([(a, role_cell(s)) for a, s in members.items()]))).url
            for name, members in STATES.items()
        }


def official(task_id: int, state: str) -> Case:
    config = benchmark_configs("webarena")[str(task_id)]
    return Case(config.eval.program_html, "__GITLAB__/", state, ("gitlab",), hosted=("gitlab",))


def test_member_role_helper_scores_as_webarenas_on_a_user_hosted_gitlab(
    loop: asyncio.AbstractEventLoop, browser: Browser, gitlabs: dict[str, str]
) -> None:
    cases = {f"{task} {state}": official(task, state) for state in STATES for task in (481, 576)}
    visits = {state: Visit({"gitlab": url}) for state, url in gitlabs.items()}
    theirs, corrected = assert_same_scores(loop, browser, cases, visits, {}, coverage=False)
    assert theirs == {
        "481 roles as asked": 1.0, "576 roles as asked": 0.0,  # 576 asks both to be Developers
        "481 two developers": 0.0, "576 two developers": 1.0,
        "481 other roles": 0.0, "576 other roles": 0.0,
        "481 a badge in the first role cell": 0.0, "576 a badge in the first role cell": 0.0,
        "481 no such members": 0.0, "576 no such members": 0.0,
    }  # fmt: skip
    # The corrected column reads the role cell of the account's own row: the badge misleads it not.
    assert {name: score for name, score in corrected.items() if score != theirs[name]} == {
        "481 a badge in the first role cell": 1.0
    }
