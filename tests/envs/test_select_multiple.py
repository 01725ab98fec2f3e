"""``<select multiple>`` (and a ``<select size=...>`` list box) as an agent sees and sets it.

A single select's ``value`` in ``elements`` is its chosen option's label; a list box had none (the
accessibility tree gives a list box no value), so an agent read no choice from it. ``select_option``
waited its whole timeout for an option that does not exist or is disabled and said "Timeout 3000ms
exceeded", and given two options for a single select it chose the first in silence. Real Chromium.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from palaestra.envs import BrowserEnv
from palaestra.envs.obs import ObsConfig
from palaestra.tasks.page import PageTask

MakeEnv = Callable[..., BrowserEnv]
SELECTS = (Path(__file__).parent / "pages" / "selects.html").as_uri()
#: The page's own reading of the toppings chosen: what a form would submit.
CHOSEN_JS = "[...document.getElementById('toppings').selectedOptions].map((o) => o.value).join() === 'ol,ha'"


def _start(make_env: MakeEnv) -> tuple[BrowserEnv, dict[str, Any]]:
    env = make_env(PageTask(SELECTS, "Choose toppings.", CHOSEN_JS), obs_config=ObsConfig(screenshot=False))
    obs, _ = env.reset(seed=0)
    return env, obs


def _values(obs: dict[str, Any]) -> dict[str, str]:
    return {e["attributes"]["id"]: e["value"] for e in obs["elements"] if e["tag"] == "select"}


def _ids(obs: dict[str, Any]) -> dict[str, str]:
    return {e["attributes"]["id"]: e["id"] for e in obs["elements"] if e["tag"] == "select"}


def test_a_multiple_select_s_value_is_its_chosen_labels_and_select_option_sets_them(
    make_env: MakeEnv,
) -> None:
    env, obs = _start(make_env)
    assert _values(obs) == {"size": "Medium", "toppings": "Cheese, Ham", "crust": "Thick"}
    toppings = _ids(obs)["toppings"]
    obs, *_ = env.step(f"select_option('{toppings}', [])")  # none chosen
    assert obs["last_action_error"] == "" and _values(obs)["toppings"] == ""
    obs, reward, terminated, _, _ = env.step(f"select_option('{toppings}', ['Olives', 'ha'])")  # label, value
    assert obs["last_action_error"] == ""
    assert _values(obs)["toppings"] == "Olives, Ham"
    assert terminated and reward == 1.0  # the page has them chosen


@pytest.mark.parametrize(
    ("select", "options", "message"),
    [
        ("size", "['Small', 'Medium']", "[{id}] takes one option (it is a <select> without `multiple`)"),
        ("toppings", "'Olive'", "[{id}] has no option 'Olive'. Did you mean: `Olives`? Its options: 'Chee"),
        ("toppings", "['Cheese', 'Salami']", "option 'Salami' of [{id}] is disabled"),
    ],
)
def test_a_select_option_that_cannot_be_chosen_is_named_at_once(
    make_env: MakeEnv, select: str, options: str, message: str
) -> None:
    env, obs = _start(make_env)
    element = _ids(obs)[select]
    obs, *_ = env.step(f"select_option('{element}', {options})")
    assert message.format(id=element) in obs["last_action_error"], obs["last_action_error"]
    assert _values(obs) == {"size": "Medium", "toppings": "Cheese, Ham", "crust": "Thick"}  # nothing chosen
