"""What a page does outside its DOM, on real Chromium over real HTTP (`envs/page_events.py`):
dialogs are answered as the agent's click meant and said in the observation, a tab the page opens
becomes the active one in the same step, a popup that closes itself hands the focus back to its
opener (the step does not fail as a crashed browser), and a download is said by its file name."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from palaestra.envs import BrowserEnv
from palaestra.tasks.page import PageTask
from palaestra.testing.loopback import files_in, serve

PAGES = Path(__file__).parent / "pages"
MakeEnv = Callable[..., BrowserEnv]


@pytest.fixture
def env(make_env: MakeEnv) -> Iterator[BrowserEnv]:
    with serve(files_in(PAGES)) as site:
        yield make_env(PageTask(f"{site.url}/page_events.html", "Use the page."), pages_ahead=0)


def ids(obs: dict[str, Any]) -> dict[str, str]:
    """DOM id -> element id."""
    return {e["attributes"].get("id", ""): e["id"] for e in obs["elements"]}


def out(obs: dict[str, Any]) -> str:
    return str(next(e["text"] for e in obs["elements"] if e["attributes"].get("id") == "out"))


def active(obs: dict[str, Any]) -> list[tuple[str, bool]]:
    """Each tab's page (file name) and whether it is the active one."""
    return [(p["url"].rsplit("/", 1)[-1], p["active"]) for p in obs["open_pages"]]


def test_dialogs_are_answered_ok_and_told_to_the_agent(env: BrowserEnv) -> None:
    obs, _ = env.reset(seed=0)
    obs, *_ = env.step(f"click('{ids(obs)['alert']}')")
    assert out(obs) == "after alert"
    assert obs["last_action_error"] == "The page showed an alert dialog: 'Saved!'; it was closed with OK."
    obs, *_ = env.step(f"click('{ids(obs)['confirm']}')")
    assert out(obs) == "confirm: true"  # Playwright alone answered Cancel, unsaid
    assert "confirm dialog: 'Delete this item?'; it was answered OK." in obs["last_action_error"]
    obs, *_ = env.step(f"click('{ids(obs)['prompt']}')")
    assert out(obs) == "prompt: Ada"
    assert (
        "prompt dialog: 'Your name?'; it was answered with its default text 'Ada' and OK."
        in obs["last_action_error"]
    )
    obs, *_ = env.step("noop(0)")
    assert obs["last_action_error"] == ""  # said once


@pytest.mark.parametrize("opener", ["blank", "open"])
def test_a_tab_the_page_opens_is_active_in_the_same_step(env: BrowserEnv, opener: str) -> None:
    obs, _ = env.reset(seed=0)
    obs, *_ = env.step(f"click('{ids(obs)[opener]}')")
    assert active(obs) == [("page_events.html", False), ("page_events_other.html", True)]
    assert obs["url"].endswith("/page_events_other.html")
    assert "other" in ids(obs)  # observed, with ids, as any page
    assert "opened a new tab" in obs["last_action_error"]
    obs, *_ = env.step("tab_focus(0)")  # the agent's choice holds
    assert active(obs) == [("page_events.html", True), ("page_events_other.html", False)]
    assert obs["last_action_error"] == ""


def test_a_popup_that_closes_itself_hands_the_focus_back(env: BrowserEnv) -> None:
    obs, _ = env.reset(seed=0)
    obs, *_ = env.step(f"click('{ids(obs)['signin']}')")
    assert active(obs) == [("page_events.html", False), ("page_events_popup.html", True)]
    obs, _, terminated, truncated, info = env.step(f"click('{ids(obs)['authorize']}')")
    assert info["error"] == {} and not truncated and not terminated  # not a "crashed browser"
    assert active(obs) == [("page_events.html", True)]
    assert out(obs) == "signed in"
    assert "page_events_popup.html closed itself" in obs["last_action_error"]
    obs, *_ = env.step(f"click('{ids(obs)['alert']}')")  # and the opener is used as before
    assert out(obs) == "after alert"


def test_a_download_is_told_by_its_file_name(env: BrowserEnv) -> None:
    obs, _ = env.reset(seed=0)
    obs, *_ = env.step(f"click('{ids(obs)['download']}')")
    assert obs["last_action_error"] == "The page downloaded a file: 'page_events_data.csv'."
    assert active(obs) == [("page_events.html", True)]


def test_closing_a_tab_is_the_agents_doing_not_the_pages(env: BrowserEnv) -> None:
    obs, _ = env.reset(seed=0)
    obs, *_ = env.step(f"click('{ids(obs)['blank']}')")
    obs, *_ = env.step("tab_close()")
    assert active(obs) == [("page_events.html", True)]
    assert obs["last_action_error"] == ""


def test_a_tab_the_agent_chooses_in_the_same_step_holds(env: BrowserEnv) -> None:
    obs, _ = env.reset(seed=0)
    obs, *_ = env.step(f"click('{ids(obs)['blank']}')\ntab_focus(0)")
    assert active(obs) == [("page_events.html", True), ("page_events_other.html", False)]
    obs, *_ = env.step(f"click('{ids(obs)['alert']}')")  # and the next step acts there
    assert out(obs) == "after alert"
