"""The HTML report and `palaestra show` link each episode into the UI, and the links open it there."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect
from ui_support import Person, Runs, ServedUi

from palaestra.cli import main
from palaestra.runs.report import write_report
from palaestra.runs.report_html import episode_page_name
from palaestra.ui.links import episode_link


def test_report_and_show_link_episodes_into_the_ui(
    person: Person,
    ui: ServedUi,
    runs: Runs,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("PALAESTRA_UI_URL", ui.url)
    key = "synapse|miniwob.click-button|1"
    link = episode_link(runs.model_run, key)
    index = write_report(runs.model_run, runs.results.parent / "report" / "index.html")
    assert link.replace("&", "&amp;") in index.read_text()
    episode_page = index.parent / "episodes" / episode_page_name(key)
    assert link.replace("&", "&amp;") in episode_page.read_text()

    assert main(["show", str(runs.model_run)]) == 0
    shown = capsys.readouterr().out
    assert link in shown and "Failed and errored episodes" in shown
    assert "oracle|" not in shown.split("Failed and errored")[1]  # successes only with --episodes
    assert main(["show", str(runs.model_run), "--episodes"]) == 0
    assert episode_link(runs.model_run, "oracle|miniwob.click-button|0") in capsys.readouterr().out

    page = person.page
    page.goto(link)
    expect(page.locator("h1")).to_contain_text("synapse · miniwob.click-button · seed 1")
    expect(page.locator(".timeline .chip.current")).to_have_text("0")
    page.goto(link + "&step=1")
    expect(page.locator(".timeline .chip.current")).to_have_text("1")
    person.check_clean()


def test_show_lists_at_most_twenty_failures_unless_asked_for_every_episode() -> None:
    from palaestra.runs.results import format_episode_links

    rows = [
        {"key": f"a|t|{i}", "agent": "a", "task": "t", "seed": i, "status": "done", "success": 0,
         "outcome": "failure", "error_kind": None}
        for i in range(25)
    ]  # fmt: skip
    short = format_episode_links("results/x", rows)
    assert short.count("#/episode?") == 20 and "… and 5 more: palaestra show results/x --episodes" in short
    assert format_episode_links("results/x", rows, every=True).count("#/episode?") == 25


def test_palaestra_ui_on_all_addresses_prints_an_address_to_open_and_how_links_reach_it(
    tmp_path: Path,
) -> None:
    """It printed http://0.0.0.0:PORT/ui/?token=..., which no browser on another machine opens, and
    `palaestra show`'s links kept pointing at the default address without saying so."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k != "PALAESTRA_UI_URL"} | {"PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "palaestra.cli", "ui", str(tmp_path), "--memories", str(tmp_path / "m"),
               "--host", "0.0.0.0", "--port", str(port), "--token", "banner-token"]  # fmt: skip
    ui = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, text=True)
    try:
        listening(port, ui)  # the banner is printed whole before the server listens
    finally:
        ui.terminate()
        banner = ui.communicate(timeout=60)[0].splitlines()
    here = f"http://{socket.gethostname()}:{port}/ui/"
    assert banner[0] == f"Palaestra UI: {here}?token=banner-token"
    assert f"export PALAESTRA_UI_URL={here} to have them open here" in banner[2]


def listening(port: int, process: subprocess.Popen[str]) -> None:
    """Wait until ``process`` accepts connections on ``port`` (or has exited)."""
    while process.poll() is None:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
