"""The map (WebArena's "map", openstreetmap.org): search, place pages, a drawn map and directions.

No third-party app: our own views (``map_views``) over the seed's tables (``palaestra.sites.data.map``),
with Django's accounts and sessions only so the runtime's log-in cookies work as on the other sites.
"""

from __future__ import annotations

from palaestra.sites.apps.common import *  # noqa: F403
from palaestra.sites.apps.common import EPISODE_MIDDLEWARE

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    EPISODE_MIDDLEWARE,
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]

TEMPLATES: list[dict[str, object]] = []
ROOT_URLCONF = "palaestra.sites.apps.map_urls"
