"""Closed shadow roots and ``<object>``/``<embed>`` documents on real Chromium over loopback HTTP.

The form of `pages/shadow_form.html` is built of web components whose shadow roots are closed (no
page script outside a component reaches in; neither do our marking script or Playwright's
selectors), nested closed in closed, open in closed and closed in open, with a frame in a closed
root. The agent reads ids off the accessibility tree and fills and submits the form; the page's own
state says it worked. The same page with open roots must give the same observation. Every other
element action, and `hover` and `scroll` in a frame inside a closed root, is tried on
`pages/shadow_actions.html`, each read back from what the page saw. Documents
shown by ``<object>`` and ``<embed>`` are frames in Chromium, observed and used as iframes are."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from palaestra.envs import BrowserEnv, ObsConfig
from palaestra.tasks.page import PageTask
from palaestra.testing.loopback import files_in, serve
from tests.envs.page_ids import html_ids

PAGES = Path(__file__).parent / "pages"
MakeEnv = Callable[..., BrowserEnv]
SUBMITTED = (
    "window.submitted && JSON.stringify(window.submitted) === JSON.stringify("
    "{plan: 'Team', name: 'Ada', city: 'Paris', street: 'Rue Lepic', country: 'France', note: 'late'})"
    " && window.events.includes('enter city') && window.events.includes('hovered') && window.listScroll > 0"
)


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    with serve(files_in(PAGES)) as served:
        yield served.url


def ax_id(obs: dict[str, Any], role: str, name: str) -> str:
    """The id the accessibility tree gives the node with this role and name."""
    found = re.search(rf"\[(\w+)\] {role} '{name}'", obs["axtree"])
    assert found, f"no {role} '{name}' with an id in:\n{obs['axtree']}"
    return found.group(1)


def form_env(make_env: MakeEnv, base: str, mode: str, **kwargs: Any) -> BrowserEnv:
    task = PageTask(f"{base}/shadow_form.html?mode={mode}", "Sign up.", success_js=SUBMITTED)
    return make_env(task, pages_ahead=0, **kwargs)


def test_closed_shadow_form_is_filled_and_submitted_by_ax_ids(make_env: MakeEnv, base: str) -> None:
    env = form_env(make_env, base, "closed")
    obs, _ = env.reset()
    name = ax_id(obs, "textbox", "Full name")
    by_id = {e["id"]: e for e in obs["elements"]}
    host = next(e for e in obs["elements"] if e["attributes"].get("id") == "name-field")
    assert by_id[name]["tag"] == "input" and by_id[name]["visible"] and by_id[name]["editable"]
    box, host_box = by_id[name]["bbox"], host["bbox"]  # in page coordinates, inside the host
    assert host_box[0] <= box[0] and box[0] + box[2] <= host_box[0] + host_box[2] + 1
    assert f'bid="{name}" type="text" name="name"' in obs["dom"]
    scroller = next(e["id"] for e in obs["elements"] if e["attributes"].get("id") == "scroller")
    obs, reward, terminated, _, _ = env.step(
        f"fill('{name}', 'Ada')\n"
        f"select_option('{ax_id(obs, 'combobox', 'Plan')}', 'Team')\n"
        f"fill('{ax_id(obs, 'textbox', 'City')}', 'Paris')\n"  # closed in closed, slotted
        f"fill('{ax_id(obs, 'textbox', 'Street')}', 'Rue Lepic')\n"  # closed in closed
        f"fill('{ax_id(obs, 'textbox', 'Country')}', 'France')\n"  # closed in open
        f"press('{ax_id(obs, 'textbox', 'City')}', 'Enter')\n"
        f"hover('{ax_id(obs, 'button', 'Hover me')}')\n"  # open in closed
        f"scroll(0, 40, '{scroller}')\n"
        f"click('{ax_id(obs, 'button', 'Add a note')}')\n"
        f"click('{ax_id(obs, 'button', 'Inner button')}')"  # in a frame in a closed root
    )
    assert obs["last_action_error"] == "" and not terminated
    assert ax_id(obs, "textbox", "Full name") == name  # ids stay across steps
    assert {e["id"]: e["tag"] for e in obs["elements"]}.items() >= {
        k: v["tag"] for k, v in by_id.items()
    }.items()
    assert "StaticText 'hovered'" in obs["axtree"]
    assert re.search(r"\[[a-z]+\d+\] button 'Pressed'", obs["axtree"])
    note = ax_id(obs, "textbox", "Note")  # grown into a closed root after the first observation
    assert note not in by_id
    obs, reward, terminated, _, _ = env.step(
        f"fill('{note}', 'late')\nclick('{ax_id(obs, 'button', 'Create account')}')"
    )
    assert obs["last_action_error"] == ""
    assert terminated and reward == 1.0
    assert "StaticText 'Sent for Ada'" in obs["axtree"]


def _structure(obs: dict[str, Any]) -> tuple[str, str, list[tuple[Any, ...]]]:
    """The observation with its ids left out (they are numbered in another order when closed)."""
    axtree = re.sub(r"\[\w+\] ", "[] ", obs["axtree"])
    dom = re.sub(r'bid="\w+"', "bid", obs["dom"])
    elements = sorted(
        (e["tag"], e["role"], e["name"], e["bbox"], e["visible"], e["clickable"], e["editable"])
        for e in obs["elements"]
    )
    return axtree, dom, elements


def test_open_roots_give_the_same_observation_as_closed(make_env: MakeEnv, base: str) -> None:
    config = ObsConfig(som=True)
    closed, _ = form_env(make_env, base, "closed", obs_config=config).reset()
    opened, _ = form_env(make_env, base, "open", obs_config=config).reset()
    assert _structure(closed) == _structure(opened)
    marks = re.sub(r"\[\w+\]", "[]", closed["som_marks"]).splitlines()
    assert "[] textbox 'Street'" in marks  # closed in closed: marked, so click('id') reaches it
    assert marks == re.sub(r"\[\w+\]", "[]", opened["som_marks"]).splitlines()
    assert len(closed["elements"]) == len(opened["elements"]) > 40


def test_object_and_embed_documents_are_frames(make_env: MakeEnv, base: str) -> None:
    task = PageTask(f"{base}/object_top.html", "Press.", success_js="out.textContent === 'object hi'")
    env = make_env(task, pages_ahead=0)
    obs, _ = env.reset()
    buttons = [e for e in obs["elements"] if e["attributes"].get("id") == "child-btn"]
    owners = {e["attributes"]["id"]: e for e in obs["elements"] if e["tag"] in ("object", "embed")}
    assert len(buttons) == 2 and all(b["id"].rstrip("0123456789") for b in buttons)  # prefixed
    assert obs["axtree"].count("button 'Press'") == 2

    def inside(owner: str) -> dict[str, Any]:  # boxes are in page coordinates, inside their owner
        x, y, w, h = owners[owner]["bbox"]
        return next(b for b in buttons if x <= b["bbox"][0] < x + w and y <= b["bbox"][1] < y + h)

    in_object, embedded = inside("obj"), inside("emb")
    assert in_object["id"] != embedded["id"]
    prefix = in_object["id"].rstrip("0123456789")
    text = next(
        e["id"]
        for e in obs["elements"]
        if e["attributes"].get("id") == "child-text" and e["id"].startswith(prefix)
    )
    obs, _, terminated, _, _ = env.step(f"click('{embedded['id']}')")
    assert obs["last_action_error"] == "" and "StaticText 'embed'\n" in obs["axtree"]
    obs, reward, terminated, _, _ = env.step(f"fill('{text}', 'hi')\nclick('{in_object['id']}')")
    assert obs["last_action_error"] == ""
    assert terminated and reward == 1.0


def _page_state(obs: dict[str, Any]) -> dict[str, Any]:
    """What the page's controls saw, as the page writes it into ``#state``."""
    text = next(e["text"] for e in obs["elements"] if e["attributes"].get("id") == "state")
    return dict(json.loads(text))


def test_every_element_action_lands_in_closed_roots(make_env: MakeEnv, base: str, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("notes\n")
    task = PageTask(f"{base}/shadow_actions.html", "Use the controls.")
    config = ObsConfig(som=True, max_text_chars=1000)
    env = make_env(task, pages_ahead=0, upload_dir=tmp_path, obs_config=config)
    obs, _ = env.reset()
    got = html_ids(obs)
    frame_prefix = got["hover-target"].rstrip("0123456789")
    assert frame_prefix and got["list"].startswith(frame_prefix)  # the frame's own ids
    marks = obs["som_marks"]
    for dom_id in ("twice", "old", "agree", "spam", "focus-me", "file", "hover-target"):
        assert f"[{got[dom_id]}] " in marks, dom_id
    steps = [  # each action, and what the page says it saw
        (f"dblclick('{got['twice']}')", "dblclick", True),
        (f"clear('{got['old']}')", "old", ""),
        (f"check('{got['agree']}')", "agree", True),
        (f"uncheck('{got['spam']}')", "spam", False),
        (f"focus('{got['focus-me']}')", "focus", True),
        (f"upload_file('{got['file']}', 'notes.txt')", "file", ["notes.txt"]),
        (f"drag_and_drop('{got['item']}', '{got['drop']}')", "drop", "item"),  # closed to light
        (f"drag_and_drop('{got['light-item']}', '{got['zone']}')", "zone", "light"),  # light to closed
        (f"drag_and_drop('{got['item']}', '{got['zone']}')", "zone", "item"),  # closed to closed
        (f"hover('{got['hover-target']}')", "frame_hover", True),  # in a frame in a closed root
    ]
    for action, key, value in steps:
        obs, *_ = env.step(action)
        assert obs["last_action_error"] == "", action
        assert _page_state(obs).get(key) == value, (action, _page_state(obs))
    obs, *_ = env.step(f"scroll(0, 40, '{got['list']}')")
    assert obs["last_action_error"] == ""
    obs, *_ = env.step("noop(50)")  # the frame's scroll event reaches the page a frame later
    assert _page_state(obs).get("frame_scroll", 0) > 0, _page_state(obs)
