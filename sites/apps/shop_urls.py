"""Oscar's URLs, plus the health check and per-episode media; the admin site's root is its dashboard."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.urls import include, path
from django.views.generic import RedirectView

from palaestra.sites.apps.urls_common import common_patterns

urlpatterns: list[Any] = [
    *common_patterns(),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include(apps.get_app_config("oscar").urls[0])),
]
if settings.SITE == "shop-admin":
    urlpatterns.insert(0, path("", RedirectView.as_view(url="/dashboard/", permanent=False)))


class _Image:
    def __init__(self, url: str) -> None:
        self.url = url


class OriginalImage:
    """Oscar's thumbnailer hook: product images are generated at display size, so serve them as is."""

    def generate_thumbnail(self, source: Any, **opts: Any) -> _Image:
        url = getattr(source, "url", None)
        return _Image(url if url else settings.MEDIA_URL + str(source))

    def delete_thumbnails(self, source: Any) -> None:
        return None
