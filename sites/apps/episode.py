"""Which episode a request belongs to, and what that means for the database, search and files.

Every browser context of an episode sends the header ``X-Palaestra-Episode: <id>``. The site
process keeps one directory per episode under ``PALAESTRA_SITES_EPISODES`` (made by the worker
that owns the episode, see ``palaestra.sites.episodes``): ``<dataset>.sqlite3`` is that episode's
copy of the seeded database. ``EpisodeMiddleware`` puts the directory into a context variable for
the request; the database backend (``palaestra.sites.apps.db``) opens that file, the search
backend reads and writes that episode's index, and uploaded files land there. A request without
the header belongs to the process's default episode (a person browsing ``palaestra sites serve``).

Django's caches are database caches (tables in the same file), so they are per episode too. The
one in-process cache that matters, the ``Site`` cache, is cleared when the episode changes.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from contextvars import ContextVar
from pathlib import Path

from django.http import HttpRequest, HttpResponse

HEADER = "X-Palaestra-Episode"
#: Episode ids are made by the worker (hex); anything else is refused, so no path can escape.
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_current: ContextVar[Path | None] = ContextVar("palaestra_episode", default=None)


def dataset() -> str:
    return os.environ.get("PALAESTRA_SITES_DATASET", "")


def episodes_root() -> Path | None:
    root = os.environ.get("PALAESTRA_SITES_EPISODES")
    return Path(root) if root else None


def current_dir() -> Path | None:
    """The directory of the episode of the request being served (None outside requests)."""
    return _current.get()


def current_database() -> Path | None:
    here = _current.get()
    return None if here is None else here / f"{dataset()}.sqlite3"


class EpisodeMiddleware:
    """Route the request to its episode's state; refuse ids that name no live episode."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.default = os.environ.get("PALAESTRA_SITES_DEFAULT_EPISODE", "")
        self._last: Path | None = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        root = episodes_root()
        if root is None:  # the build step and management commands: the settings' database
            return self.get_response(request)
        episode = request.headers.get(HEADER) or self.default
        if not _ID.match(episode):
            return HttpResponse(f"Bad {HEADER} header.", status=400, content_type="text/plain")
        here = root / episode
        if not (here / f"{dataset()}.sqlite3").is_file():
            return HttpResponse(
                f"Episode {episode} has ended or never started.", status=410, content_type="text/plain"
            )
        if here != self._last:
            _clear_process_caches()
            self._last = here
        token = _current.set(here)
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)


def _clear_process_caches() -> None:
    """Caches Django keeps in the process, which would carry one episode's rows into another."""
    from django.apps import apps

    if apps.is_installed("django.contrib.sites"):
        from django.contrib.sites.models import SITE_CACHE

        SITE_CACHE.clear()
