"""The episode page shows a desktop episode's resource figures (what its own processes used, as the
runner keeps them in ``extra["resources"]``), and an episode without figures (a browser task, or a
run recorded before they existed) shows no such line. The runs are written through the run store as
the runner writes them; the page is real Chromium over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect
from ui_support import ServedUi, person_at

from palaestra.ui import UiRoots

from ..runs.conftest import build_run

#: What the runner keeps of a desktop episode's figures (`runs.resources.take_resources`): a cgroup's
#: count of OOM kills, and an episode measured without a cgroup, whose OOM kills are unknown.
MEASURED = {"resources": {"cpu_s": 1.523, "peak_memory_mb": 143.4, "oom_kills": 0, "source": "cgroup"}}
NO_CGROUP = {"resources": {"cpu_s": 0.4, "peak_memory_mb": 88.0, "oom_kills": None, "source": "processes"}}
AGAIN = {"resources": {"cpu_s": 2.0, "peak_memory_mb": 150.6, "oom_kills": 0, "source": "cgroup"}}
DESKTOP, SHELL, BROWSER = "desktop.gedit-save", "desktop.terminal-echo", "miniwob.click-test"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedUi]:
    root = tmp_path_factory.mktemp("resource-runs")
    results = {DESKTOP: [True], SHELL: [False], BROWSER: [True]}
    build_run(root / "mixed", results, extras={f"agent|{DESKTOP}|0": MEASURED, f"agent|{SHELL}|0": NO_CGROUP})
    # A second desktop run to compare with: its own figures for the desktop task, none for the shell's.
    build_run(root / "again", results, extras={f"agent|{DESKTOP}|0": AGAIN})
    build_run(root / "plain", results)  # recorded before figures existed
    with ServedUi(UiRoots.of([root])) as ui:
        yield ui


def test_the_episode_api_says_the_figures_in_a_line(served: ServedUi) -> None:
    with httpx.Client(base_url=served.url, timeout=60) as client:

        def resources(task: str) -> object:
            reply = client.get("api/episode", params={"run": "mixed", "key": f"agent|{task}|0"})
            assert reply.status_code == 200, reply.text
            return reply.json()["resources"]

        assert resources(DESKTOP) == "1.52 CPU s · peak 143 MiB · 0 OOM kills (cgroup)"
        assert resources(SHELL) == "0.40 CPU s · peak 88 MiB · OOM kills unknown (processes)"
        assert resources(BROWSER) is None


def test_the_episode_page_shows_resources_only_when_measured(
    served: ServedUi, browser: Browser, shots: Path
) -> None:
    with person_at(browser, served.url, shots) as person:
        page = person.open("#/episode?run=mixed&key=" + f"agent%7C{DESKTOP}%7C0")
        line = page.locator("p.resources")
        expect(line).to_have_text("resources: 1.52 CPU s · peak 143 MiB · 0 OOM kills (cgroup)")
        person.shoot("10-episode-desktop-resources")

        page.goto(served.url + "#/episode?run=mixed&key=" + f"agent%7C{BROWSER}%7C0")
        expect(page.locator("h1")).to_contain_text(BROWSER)
        expect(page.locator("p.resources")).to_have_count(0)
        person.check_clean()


def test_the_compare_page_puts_each_runs_figures_beside_the_success_table(
    served: ServedUi, browser: Browser, shots: Path
) -> None:
    with person_at(browser, served.url, shots) as person:
        page = person.open("#/compare?run=mixed&run=again")
        success = page.locator("table").first
        expect(success).to_be_visible()
        headers = success.locator("thead th").all_inner_texts()
        assert headers[-4:] == ["[1] CPU s", "[1] peak MiB", "[2] CPU s", "[2] peak MiB"]
        figures = {
            row.locator("td").nth(1).inner_text(): row.locator("td.resources").all_inner_texts()
            for row in success.locator("tbody tr").all()
        }
        assert figures[DESKTOP] == ["1.52", "143", "2.00", "151"]
        assert figures[SHELL] == ["0.40", "88", "–", "–"]  # measured in the first run only: absent, not 0
        assert figures[BROWSER] == ["–", "–", "–", "–"]
        assert figures["overall (3 tasks)"] == ["–", "–", "–", "–"]
        expect(page.get_by_text("peak MiB: the largest")).to_be_visible()
        person.shoot("11-compare-desktop-resources")

        page.goto(served.url + "#/compare?run=mixed&run=plain")  # one run with figures: no columns
        expect(page.locator("table").first.locator("thead th").last).to_have_text("Δ [2]-[1]")
        expect(page.locator("td.resources")).to_have_count(0)
        person.check_clean()
