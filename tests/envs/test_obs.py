"""The observation is declared once: its space, its blank form and real observations agree."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from palaestra.envs import BrowserEnv, ObsConfig
from palaestra.envs.obs import Key, Observation, ObservationLayout, keys_of
from palaestra.envs.spaces import Records, Unicode
from palaestra.errors import ConfigError

CONFIGS = [
    ObsConfig(),
    ObsConfig(screenshot=False),
    ObsConfig(axtree=False, dom=False, elements=False),
    ObsConfig(axtree=True, dom=False, elements=False, screenshot=False),
]


def test_every_declared_key_has_one_key_annotation() -> None:
    keys = keys_of()
    assert list(keys) == list(Observation.__annotations__)
    assert keys["goal"] == Key("text") and keys["screenshot"] == Key("image", "screenshot")
    assert keys["elements"] == Key("records", "elements") and keys["tool_results"].part == "tools"


def test_layout_derives_space_and_blank_from_the_parts() -> None:
    layout = ObservationLayout.of(["web", "focus", "axtree"], (40, 30))
    assert set(layout.keys) == {
        "goal", "last_action", "last_action_error", "url", "open_pages", "focused_element", "axtree",
    }  # fmt: skip
    space = layout.space()
    blank = layout.blank(goal="Click OK")
    assert space.contains(blank) and blank["goal"] == "Click OK" and blank["axtree"] == ""
    assert isinstance(space["axtree"], Unicode) and isinstance(space["open_pages"], Records)
    with_pixels = ObservationLayout.of(["screenshot"], (40, 30))
    assert with_pixels.blank()["screenshot"].shape == (30, 40, 3)


def test_build_refuses_keys_that_are_not_declared_or_missing() -> None:
    layout = ObservationLayout.of([], (10, 10))
    with pytest.raises(KeyError, match=r"not declared: \['axtree'\]"):
        layout.build({**layout.blank(), "axtree": ""})
    values = dict(layout.blank())
    del values["goal"]
    with pytest.raises(KeyError, match=r"missing: \['goal'\]"):
        layout.build(values)


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: "+".join(c.parts()) or "none")
def test_space_blank_and_real_observations_agree(
    make_env: Callable[..., BrowserEnv], config: ObsConfig
) -> None:
    env = make_env("miniwob.click-test", obs_config=config, pages_ahead=0)
    obs, _ = env.reset(seed=0)
    blank = env._blank_obs()
    assert set(obs) == set(blank) == set(env.observation_space.spaces) == set(env.layout.keys)
    assert env.observation_space.contains(obs) and env.observation_space.contains(blank)
    obs, *_ = env.step("click('999')")  # a failing action: the observation still has every key
    assert env.observation_space.contains(obs) and obs["last_action_error"]
    if "screenshot" in obs:
        assert isinstance(obs["screenshot"], np.ndarray)


def test_a_task_with_tools_adds_the_tools_part(make_env: Callable[..., BrowserEnv]) -> None:
    env = make_env("tools.calculate", pages_ahead=0, obs_config=ObsConfig(screenshot=False))
    obs, _ = env.reset(seed=0)
    assert {"tools", "tool_results"} <= set(obs) == set(env.observation_space.spaces)
    assert env.observation_space.contains(obs)


def test_including_switches_parts_on_and_refuses_unknown_ones() -> None:
    base = ObsConfig(screenshot=False)
    assert base.including({"som", "axtree"}).parts() == ["axtree", "dom", "elements", "som"]
    assert base.including([]) == base and ObsConfig().including(["screenshot"]) == ObsConfig()
    with pytest.raises(ConfigError, match="Did you mean: `som`"):
        base.including(["soms"])


def test_including_a_view_switches_on_what_it_is_made_from() -> None:
    bare = ObsConfig(axtree=False, dom=False, elements=False, screenshot=False)
    osworld = bare.including({"osworld"})
    assert osworld.parts() == ["axtree", "screenshot"] and not osworld.browsergym
    browsergym = bare.including({"browsergym"})
    assert browsergym.browsergym and browsergym.parts() == [] and browsergym.switches() == ["browsergym"]
    with pytest.raises(ConfigError, match="Did you mean: `osworld`"):
        bare.including(["oswrld"])
