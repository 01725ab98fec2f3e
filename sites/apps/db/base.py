"""Django's SQLite backend, opening the current episode's copy of the database.

Connections are not kept between requests (``CONN_MAX_AGE = 0``), so each request opens the file
of its own episode; one connection never serves two episodes. Outside a request (the build step)
the settings' ``NAME`` is used.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.sqlite3 import base

from palaestra.sites.apps.episode import current_database


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self) -> dict[str, Any]:
        params: dict[str, Any] = super().get_connection_params()
        episode_db = current_database()
        if episode_db is not None:
            params["database"] = str(episode_db)
        self.episode_database = params["database"]
        return params

    def ensure_connection(self) -> None:
        # A connection left open by a request of another episode is closed before use.
        episode_db = current_database()
        if (
            self.connection is not None
            and episode_db is not None
            and getattr(self, "episode_database", None) != str(episode_db)
        ):
            self.close()
        super().ensure_connection()
