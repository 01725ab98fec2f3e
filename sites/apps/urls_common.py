"""URL patterns every site has: a health check and uploaded files, per episode."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, path, re_path
from django.utils._os import safe_join

from palaestra.sites.apps.episode import current_dir


def health(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


def media(request: HttpRequest, name: str) -> FileResponse:
    """A file uploaded in this episode, else the seeded one."""
    here = current_dir()
    roots = ([here / "media"] if here is not None else []) + [Path(settings.MEDIA_ROOT)]
    for root in roots:
        try:
            candidate = Path(safe_join(str(root), name))
        except Exception as exc:  # SuspiciousFileOperation: a path outside the root
            raise Http404(name) from exc
        if candidate.is_file():
            response = FileResponse(candidate.open("rb"))
            response["Cache-Control"] = "max-age=86400"
            return response
    raise Http404(name)


def common_patterns() -> list[URLPattern]:
    return [
        path("-/health", health),
        re_path(r"^media/(?P<name>.+)$", media),
    ]
