"""Settings every site shares. A site's settings module star-imports this and adds its apps.

The process is told by its environment (set by ``palaestra.sites.runtime`` or the build step):
``PALAESTRA_SITES_BUILD`` the built seed (database, search index, media, static files),
``PALAESTRA_SITE`` which site it serves (cookie names differ per site, since browsers share cookies
between ports of one host), ``PALAESTRA_SITES_EPISODES`` where episodes' state lives.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

BUILD = Path(os.environ.get("PALAESTRA_SITES_BUILD", "/nonexistent"))
SITE = os.environ.get("PALAESTRA_SITE", "site")
#: Set while the build step writes the seed: search is indexed once at the end, not per save.
BUILDING = bool(os.environ.get("PALAESTRA_SITES_BUILDING"))
_COOKIE = SITE.replace("-", "_")

# Local test sites on loopback: a fixed key is fine, and it keeps seeded sessions valid across builds.
SECRET_KEY = "palaestra-local-sites-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

DATABASES = {
    "default": {
        "ENGINE": "palaestra.sites.apps.db",
        "NAME": str(BUILD / "db.sqlite3"),
        "CONN_MAX_AGE": 0,
        "OPTIONS": {"init_command": "PRAGMA synchronous=OFF;", "timeout": 20},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
# Seeded users log in often; Django's default hasher takes ~250 ms a login. These are test sites.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Caches live in the (per-episode) database, never in the process.
CACHES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "site_cache"},
}

SESSION_COOKIE_NAME = f"{_COOKIE}_session"
CSRF_COOKIE_NAME = f"{_COOKIE}_csrftoken"
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = 10 * 365 * 24 * 3600

LANGUAGE_CODE = "en-us"
LANGUAGES = [("en-us", "English")]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = str(BUILD / "static")
MEDIA_URL = "/media/"
MEDIA_ROOT = str(BUILD / "media")

STORAGES = {
    "default": {"BACKEND": "palaestra.sites.apps.storage.EpisodeFileStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

EPISODE_MIDDLEWARE = "palaestra.sites.apps.episode.EpisodeMiddleware"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django": {"handlers": ["console"], "level": "WARNING"}},
}


def search_connection() -> dict[str, dict[str, str]]:
    return {
        "default": {
            "ENGINE": "palaestra.sites.apps.search.EpisodeWhooshEngine",
            "PATH": str(BUILD / "index"),
        }
    }
