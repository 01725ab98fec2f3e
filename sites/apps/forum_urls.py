"""Spirit's URLs, plus the health check and per-episode media."""

from __future__ import annotations

from typing import Any

import spirit.urls
from django.urls import include, path

from palaestra.sites.apps.urls_common import common_patterns

urlpatterns: list[Any] = [*common_patterns(), path("", include(spirit.urls))]
