"""An on-disk cache of chat completions, for reproducible and free reruns.

The key is the SHA-256 of the full canonical request (model, messages, tools, sampling settings),
so any change to what would be sent misses the cache. The base URL and API key are not part of
the key: the same request to another deployment of the same model is the same question. Stored in
SQLite (stdlib), which tolerates several processes of one evaluation sharing the folder.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

KEY_VERSION = 1  # bump when the stored format or the key's recipe changes


def canonical_json(value: Any) -> str:
    """One spelling per value: sorted keys, no spaces, NaN refused (it is not JSON)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def request_key(params: Mapping[str, Any]) -> str:
    """The SHA-256 (hex) of the canonical request."""
    payload = canonical_json({"v": KEY_VERSION, "request": dict(params)})
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class ResponseCache:
    """Raw chat-completion JSON by request key, in ``<directory>/llm-cache.sqlite3``."""

    FILENAME = "llm-cache.sqlite3"

    def __init__(self, directory: str | Path) -> None:
        self.path = Path(directory) / self.FILENAME
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, timeout=30.0, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS responses ("
            "key TEXT PRIMARY KEY, request TEXT NOT NULL, response TEXT NOT NULL, created REAL NOT NULL)"
        )

    def get(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute("SELECT response FROM responses WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        value = json.loads(row[0])
        return value if isinstance(value, dict) else None

    def put(self, key: str, request: Mapping[str, Any], response: Mapping[str, Any]) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO responses (key, request, response, created) VALUES (?, ?, ?, ?)",
                (key, canonical_json(dict(request)), canonical_json(dict(response)), time.time()),
            )

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM responses").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()
