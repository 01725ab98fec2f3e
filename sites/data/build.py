"""The build step's own process: ``python -m palaestra.sites.data.build --dataset shop --out DIR``.

Run by ``palaestra.sites.build`` with the dataset's settings. It writes into ``DIR`` (a fresh
folder the caller renames into place when this succeeds): the seeded ``db.sqlite3``, the search
``index/``, ``media/``, ``static/`` and ``manifest.json`` (counts, accounts and their sessions).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any
from unittest import mock


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dataset", required=True, choices=("shop", "forum", "wiki", "map"))
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args(argv)
    started = time.perf_counter()

    import django
    from django.core.management import call_command
    from django.db import connection

    from palaestra.sites.data.common import SEED_NOW

    django.setup()
    args.out.mkdir(parents=True, exist_ok=True)
    # Everything Django stamps with "now" while seeding is the seeded world's today.
    with mock.patch("django.utils.timezone.now", return_value=SEED_NOW):
        call_command("migrate", verbosity=0, interactive=False)
        call_command("createcachetable", verbosity=0)
        manifest: dict[str, Any] = _populate(args.dataset, args.out)
    call_command("collectstatic", verbosity=0, interactive=False)
    from django.conf import settings

    if "haystack" in settings.INSTALLED_APPS:
        call_command("rebuild_index", verbosity=0, interactive=False)
        from haystack import connections

        # One segment instead of one per indexing batch: every search opens fewer files.
        connections["default"].get_backend().optimize()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM site_cache")
    connection.close()
    import sqlite3

    with sqlite3.connect(args.out / "db.sqlite3") as db:
        db.execute("VACUUM")
    manifest["build_seconds"] = round(time.perf_counter() - started, 1)
    (args.out / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True))
    return 0


def _populate(dataset: str, out: Path) -> dict[str, Any]:
    import importlib

    from django.db import transaction

    with transaction.atomic():  # palaestra.sites.data.<dataset>.build(out)
        builder = importlib.import_module(f"palaestra.sites.data.{dataset}")
        return dict(builder.build(out))


if __name__ == "__main__":
    sys.exit(main())
