"""A user-hosted WebArena GitLab at the wire level: a project's members page, as its helper reads it.

WebArena's GitLab image cannot run here. ``gitlab_get_project_memeber_role`` (WebArena's and ours)
opens ``/<owner>/<project>/-/project_members`` and reads the account cells
(``td[data-label='Account'] span.gl-avatar-labeled-sublabel``) and the role cells
(``td.col-max-role span``); this handler serves that table from ``rows`` (account, the role cell's
HTML), which each test sets. Shared by the helpers' replay (`tests/tasks/test_webarena_helpers.py`)
and the differential test against WebArena's own (`test_gitlab_role_against_webarena.py`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from palaestra.testing.loopback import QuietHandler


def members_page(rows: Sequence[tuple[str, str]]) -> str:
    """The members table: one row an account, its role cell's HTML as given."""
    cells = "".join(
        f'<tr><td data-label="Account"><div class="gl-avatar-labeled"><span class="gl-avatar-labeled-label">'
        f'{handle.title()}</span><span class="gl-avatar-labeled-sublabel">@{handle}</span></div></td>'
        f'<td data-label="Source">Direct member</td>'
        f'<td data-label="Max role" class="col-max-role">{role}</td></tr>'
        for handle, role in rows
    )
    return f'<h1>Project members</h1><table class="table b-table gl-table"><tbody>{cells}</tbody></table>'


class GitLabMembers(QuietHandler):
    """Every project's members page over ``rows``; a home page at ``/``; 404 elsewhere."""

    rows: ClassVar[Sequence[tuple[str, str]]] = ()

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        if path.endswith("/-/project_members"):
            self.reply(200, members_page(self.rows), "text/html")
        elif path == "/":
            self.reply(200, "<h1>GitLab</h1>", "text/html")
        else:
            self.reply(404, "<h1>404: Page not found</h1>", "text/html")

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.reply(404, {"message": "404 Not Found"})  # e.g. Magento's admin log-in, asked of GitLab


def gitlab(rows: Sequence[tuple[str, str]]) -> type[GitLabMembers]:
    """The handler of a GitLab whose members are ``rows`` (the sequence itself: later changes are served)."""
    return type("GitLab", (GitLabMembers,), {"rows": rows})
