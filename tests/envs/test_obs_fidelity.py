"""What each element shows an agent, in the accessibility tree and the pruned DOM, after it acted.

A researcher judging an agent reads what it was shown: a form whose state the observation gets
wrong (a box the agent unticked still ``checked``, the option it chose beside the default one as
``selected``, a textarea's default text after it typed another) sends the agent round in circles.
The page is served over real HTTP and observed in real Chromium.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from palaestra.envs import BrowserEnv
from palaestra.envs.obs import ObsConfig
from palaestra.tasks.page import PageTask
from palaestra.testing.loopback import files_in, serve
from tests.envs.page_ids import html_ids

PAGES = Path(__file__).parent / "pages"
MakeEnv = Callable[..., BrowserEnv]


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    with serve(files_in(PAGES)) as served:
        yield served.url


def _observe(make_env: MakeEnv, site: str) -> tuple[BrowserEnv, dict[str, Any], dict[str, str]]:
    task = PageTask(f"{site}/fidelity.html", "Fill the form.")
    env = make_env(task, obs_config=ObsConfig(screenshot=False))
    obs, _ = env.reset(seed=0)
    return env, dict(obs), html_ids(obs)


def _line(text: str, element_id: str) -> str:
    """The line of ``text`` (an AXTree or pruned DOM) of element ``element_id``."""
    found = re.search(rf"^\s*(?:\[{element_id}\] |<\w+ bid=\"{element_id}\").*$", text, re.M)
    assert found, text
    return found.group(0).strip()


def test_the_pruned_dom_shows_the_current_form_state_not_the_initial_one(
    make_env: MakeEnv, site: str
) -> None:
    env, obs, ids = _observe(make_env, site)
    small = next(e["id"] for e in obs["elements"] if e["tag"] == "option" and e["text"] == "Small")
    medium = next(e["id"] for e in obs["elements"] if e["tag"] == "option" and e["text"] == "Medium")
    obs, *_ = env.step(
        f"uncheck('{ids['news']}')\nselect_option('{ids['size']}', 'Small')\n"
        f"fill('{ids['notes']}', 'First line\\nsecond line')"
    )
    assert not obs["last_action_error"]
    dom = obs["dom"]
    assert "checked" not in _line(dom, ids["news"]).split(), dom
    assert "selected" in _line(dom, small) and "selected" not in _line(dom, medium), dom
    notes = _line(dom, ids["notes"])
    assert notes.endswith('value="First line\\nsecond line"></textarea>') and "Default" not in dom, notes
    record = next(e for e in obs["elements"] if e["id"] == ids["notes"])
    assert record["value"] == "First line\nsecond line" and record["text"] == ""


def test_a_password_is_masked_in_every_view(make_env: MakeEnv, site: str) -> None:
    env, _, ids = _observe(make_env, site)
    obs, *_ = env.step(f"fill('{ids['pw']}', 'hunter2')")
    assert not obs["last_action_error"]
    assert "hunter2" not in obs["dom"] and "hunter2" not in obs["axtree"]
    assert next(e for e in obs["elements"] if e["id"] == ids["pw"])["value"] == "\u2022" * 7
    assert 'value="\u2022\u2022\u2022\u2022\u2022\u2022\u2022"' in _line(obs["dom"], ids["pw"])


def test_the_accessibility_tree_says_levels_states_and_placeholders(make_env: MakeEnv, site: str) -> None:
    _, obs, ids = _observe(make_env, site)
    tree = obs["axtree"]
    assert re.search(r"heading 'Account' level=1$", tree, re.M)
    assert re.search(r"heading 'Contact' level=3$", tree, re.M)
    assert _line(tree, ids["email"]).endswith("textbox 'Email' required placeholder='name@example.com'")
    assert _line(tree, ids["code"]).endswith("textbox 'Code' value='12' invalid")
    assert _line(tree, ids["menu"]).endswith("button 'Menu' expanded=false")
    # A list item's level (its nesting depth) would be a word more on every line: not shown.
    assert re.search(r"listitem$", tree, re.M) and "listitem level" not in tree, tree
    # A field's value is said once, not again by the text node under it.
    assert "StaticText '12'" not in tree, tree


def test_the_pruned_dom_keeps_the_attributes_that_constrain_a_control(make_env: MakeEnv, site: str) -> None:
    _, obs, ids = _observe(make_env, site)
    assert " required" in _line(obs["dom"], ids["email"]) and " multiple" in _line(obs["dom"], ids["tags"])


def test_a_link_says_where_it_leads_unless_it_stays_on_the_page(make_env: MakeEnv, site: str) -> None:
    """As BrowserGym's and WebArena's trees show it; a ``#`` link's URL would be the page's own."""
    _, obs, ids = _observe(make_env, site)
    assert re.search(rf"\[\w+\] link 'Help' url='{re.escape(site)}/help\?topic=email'$", obs["axtree"], re.M)
    assert _line(obs["axtree"], ids["top"]).endswith("link 'Back to top'")
