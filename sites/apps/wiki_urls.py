"""django-wiki's URLs at the root, plus the health check and per-episode media."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.urls import include, path

from palaestra.sites.apps.urls_common import common_patterns

urlpatterns: list[Any] = [
    *common_patterns(),
    path("admin/", admin.site.urls),
    path("notifications/", include("django_nyt.urls")),
    path("", include("wiki.urls")),
]
