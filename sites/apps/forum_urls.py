"""Spirit's URLs, plus the health check and per-episode media."""

from __future__ import annotations

from typing import Any

from django.urls import include, path

import spirit.urls
from palaestra.sites.apps.urls_common import common_patterns

urlpatterns: list[Any] = [*common_patterns(), path("", include(spirit.urls))]
