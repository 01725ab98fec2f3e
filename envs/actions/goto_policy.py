"""Which addresses an agent's ``goto`` may open: the web, and the task's own kind of page.

A model's ``goto('file:///etc/passwd')`` (or ``view-source:file:///...``) would show the machine's
files in the next observation: the files of whoever runs the environment, or the environment
server, reached by any client of it. Chromium refuses such a link on a web page, but Playwright's
``page.goto`` is the browser's own navigation and opens it. So ``goto`` opens ``http:`` and
``https:`` addresses and ``about:blank``, and otherwise only pages of the kind the episode started
on: a task served from files (MiniWoB++, a ``PageTask`` over a local page) may go to other files of
its start page's folder, a ``data:`` page to other ``data:`` pages. Everything else (other files,
``chrome:``, ``view-source:``, ``javascript:``, ``blob:``, ...) is an `ActionError` the agent reads as
``last_action_error``. A task's ``allowed_urls`` narrows this further (``page_supply.url_guard``).
"""

from __future__ import annotations

import posixpath
from urllib.parse import unquote, urlsplit

from palaestra.errors import ActionError

#: Schemes ``goto`` opens on any task.
WEB_SCHEMES = frozenset({"http", "https"})
BLANK = "about:blank"


def check_goto(url: str, start_url: str | None) -> None:
    """Refuse ``url`` unless it is on the web, blank, or beside the page the episode started on."""
    scheme = _scheme(url)
    if scheme in WEB_SCHEMES or url.strip() == BLANK:
        return
    start = _scheme(start_url or "")
    if scheme == "data" and start == "data":
        return
    if scheme == "file" and start == "file" and start_url is not None and _inside_folder(url, start_url):
        return
    shown = url if len(url) <= 80 else url[:77] + "..."
    raise ActionError(
        f"goto({shown!r}): this task's pages are web pages; goto opens http:// and https:// addresses "
        "(or about:blank), not the machine's files or the browser's own pages. Go to an address of "
        "the task's site."
    )


def _scheme(url: str) -> str:
    try:
        return urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return ""


def _inside_folder(url: str, start_url: str) -> bool:
    """Whether file URL ``url`` names a file in the folder (or a sub-folder) of ``start_url``."""
    try:
        target, start = urlsplit(url.strip()), urlsplit(start_url)
    except ValueError:
        return False
    if target.netloc not in ("", "localhost") or start.netloc not in ("", "localhost"):
        return False
    folder = posixpath.dirname(unquote(start.path))
    path = posixpath.normpath(unquote(target.path))
    return folder != "/" and (path == folder or path.startswith(folder.rstrip("/") + "/"))
