"""``palaestra sites serve``, run as a person runs it: what it prints, and that SIGTERM stops it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from palaestra.sites.runtime import SiteRuntime


def test_serve_names_an_account_only_for_sites_with_a_log_in_page(runtime: SiteRuntime) -> None:
    """The map keeps an account for the runtime's log-in contract but has no log-in page (as
    WebArena's map needs none): naming one would send a person looking for it."""
    runtime.build_of("map"), runtime.build_of("wiki")  # built once, in the shared cache
    served = subprocess.Popen(
        [sys.executable, "-m", "palaestra.cli", "sites", "serve", "map", "wiki"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert served.stdout is not None
    lines = []
    try:
        for line in served.stdout:
            lines.append(line.rstrip("\n"))
            if line.startswith("Fresh seeded state"):
                break
    finally:
        served.send_signal(signal.SIGTERM)
        _, errors = served.communicate(timeout=120)
    by_site = {line.split()[0]: line for line in lines if line.startswith(("map ", "wiki "))}
    assert set(by_site) == {"map", "wiki"}, (lines, errors)
    assert by_site["map"].endswith("(no log-in needed)") and "map_user" not in by_site["map"]
    assert "(log in as " in by_site["wiki"] and "password in DATA.md" in by_site["wiki"]
    assert served.returncode == 0, errors
