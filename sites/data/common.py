"""Helpers the data builders share (they run inside the build subprocess, with Django set up)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

#: The seeded world's "today": every seeded date lies before it, so answers never depend on the clock.
SEED_NOW = dt.datetime(2025, 6, 30, 12, 0, tzinfo=dt.UTC)
#: Every seeded account's password (as WebArena's accounts share one).
PASSWORD = "Password.123"


def random_date(rng: random.Random, start: dt.datetime, end: dt.datetime = SEED_NOW) -> dt.datetime:
    seconds = int((end - start).total_seconds())
    return (start + dt.timedelta(seconds=rng.randrange(seconds))).replace(microsecond=0)


@contextmanager
def explicit_dates(*models: Any) -> Iterator[None]:
    """Let the builder set ``auto_now``/``auto_now_add`` fields itself (bulk_create would stamp now)."""
    from django.db import models as djm

    changed = []
    for model in models:
        for field in model._meta.concrete_fields:
            if isinstance(field, djm.DateField) and (field.auto_now or field.auto_now_add):
                changed.append((field, field.auto_now, field.auto_now_add))
                field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, now, now_add in changed:
            field.auto_now, field.auto_now_add = now, now_add


def weighted(rng: random.Random, choices: dict[Any, float]) -> Any:
    return rng.choices(list(choices), weights=list(choices.values()))[0]


def sessions_for(users: list[Any]) -> dict[str, str]:
    """A logged-in session per user, stored in the seed, so an episode logs in by cookie alone."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    keys = {}
    backend = settings.AUTHENTICATION_BACKENDS[0]
    for user in users:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = backend
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        keys[user.username] = str(store.session_key)
    return keys
