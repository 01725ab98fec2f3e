"""BrowserEnv on real Chromium: Gymnasium conformance, ids, frames, bad actions, crashes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from palaestra.envs import BrowserEnv, loop
from palaestra.tasks.base import EpisodeState, Evaluation
from palaestra.tasks.page import PageTask

PAGES = Path(__file__).parent / "pages"
WIDGETS = (PAGES / "widgets.html").as_uri()
MakeEnv = Callable[..., BrowserEnv]


def element(obs: dict[str, Any], dom_id: str) -> dict[str, Any]:
    return next(e for e in obs["elements"] if e["attributes"].get("id") == dom_id)


def widgets_task(**kwargs: Any) -> PageTask:
    return PageTask(WIDGETS, "Use the widgets.", **kwargs)


def test_gymnasium_env_checker_passes(make_env: MakeEnv) -> None:
    env = make_env("miniwob.click-test")
    check_env(env, skip_render_check=True)


def test_gymnasium_env_checker_passes_through_gym_make() -> None:
    """Made by its id, the environment has a spec: the checker then also holds ``reset(seed=s)`` to
    repeat the observation exactly, and renders through each declared render mode."""
    env = gym.make("palaestra/miniwob.click-test", render_mode="rgb_array")
    try:
        check_env(env.unwrapped)
        env.reset(seed=0)
        frame = env.render()
        assert isinstance(frame, np.ndarray) and frame.shape == (320, 500, 3) and frame.dtype == np.uint8
    finally:
        env.close()


def test_gym_make_by_registered_id() -> None:
    env = gym.make("palaestra/miniwob.click-button")
    try:
        obs, _ = env.reset(seed=3)
        assert obs["goal"].startswith("Click on the")
        assert env.observation_space.contains(obs)
    finally:
        env.close()


def test_seed_reproduces_the_episode(make_env: MakeEnv) -> None:
    env = make_env("miniwob.click-button")
    first, _ = env.reset(seed=7)
    env.reset(seed=8)
    again, _ = env.reset(seed=7)
    assert first["goal"] == again["goal"]
    assert first["axtree"] == again["axtree"]
    assert np.array_equal(first["screenshot"], again["screenshot"])


def test_observation_parts(make_env: MakeEnv) -> None:
    env = make_env(widgets_task())
    obs, _ = env.reset(seed=0)
    assert obs["url"] == WIDGETS
    assert obs["open_pages"] == [{"title": "Widgets", "url": WIDGETS, "active": True}]
    go = element(obs, "go")
    assert f"[{go['id']}] button 'Go'" in obs["axtree"]
    assert f'<button bid="{go["id"]}" id="go">Go</button>' in obs["dom"]
    assert go["visible"] and go["clickable"] and go["role"] == "button"
    assert element(obs, "name")["editable"]
    assert element(obs, "agree")["checked"] is False
    assert element(obs, "gone")["visible"] is False
    assert element(obs, "ghost")["visible"] is False
    assert "InlineTextBox" not in obs["axtree"]
    assert "<script" not in obs["dom"] and "<style" not in obs["dom"]
    assert obs["screenshot"].shape == (600, 800, 3) and obs["screenshot"].dtype == np.uint8


def test_observation_parts_are_configurable(make_env: MakeEnv) -> None:
    from palaestra.envs import ObsConfig

    env = make_env(widgets_task(), obs_config=ObsConfig(screenshot=False, dom=False))
    obs, _ = env.reset()
    assert "screenshot" not in obs and "dom" not in obs and obs["axtree"]
    assert env.observation_space.contains(obs)


def test_fill_click_and_focus(make_env: MakeEnv) -> None:
    env = make_env(widgets_task(success_js="document.getElementById('out').textContent === 'clicked Ada'"))
    obs, _ = env.reset()
    name, go = element(obs, "name")["id"], element(obs, "go")["id"]
    obs, reward, terminated, _, info = env.step(f"fill('{name}', 'Ada')")
    assert obs["last_action_error"] == "" and obs["focused_element"] == name
    assert element(obs, "name")["value"] == "Ada"
    obs, reward, terminated, _, info = env.step(f"click('{go}')")
    assert (reward, terminated, info["success"]) == (1.0, True, True)


def test_ids_are_stable_across_steps(make_env: MakeEnv) -> None:
    env = make_env(widgets_task())
    obs, _ = env.reset()
    before = {e["attributes"].get("id"): e["id"] for e in obs["elements"] if e["attributes"].get("id")}
    add = before["add"]
    obs, *_ = env.step(f"click('{add}')\nclick('{add}')")
    after = {e["attributes"].get("id"): e["id"] for e in obs["elements"] if e["attributes"].get("id")}
    assert after == before
    new_ids = [e["id"] for e in obs["elements"] if "new" in e["attributes"].get("class", "")]
    assert len(new_ids) == 2 and not set(new_ids) & set(before.values())
    obs, *_ = env.step(f"click('{add}')")
    assert [e["id"] for e in obs["elements"] if "new" in e["attributes"].get("class", "")][:2] == new_ids


def test_iframe_elements_have_prefixed_ids_and_work(make_env: MakeEnv) -> None:
    env = make_env(widgets_task(success_js="document.getElementById('out').textContent === 'inner hi'"))
    obs, _ = env.reset()
    inner = element(obs, "inner")
    assert inner["id"].startswith("a") and inner["visible"]
    frame_box, box = element(obs, "frame")["bbox"], inner["bbox"]
    assert frame_box[0] <= box[0] and frame_box[1] <= box[1]  # in page coordinates, inside its iframe
    assert f"[{inner['id']}] button 'Inner button'" in obs["axtree"]
    text_id = element(obs, "inner-text")["id"]
    obs, reward, terminated, _, _ = env.step(f"fill('{text_id}', 'hi')\nclick('{inner['id']}')")
    assert obs["last_action_error"] == ""
    assert element(obs, "inner-text")["value"] == "hi"
    assert terminated and reward == 1.0


def test_shadow_root_elements_have_ids_and_work(make_env: MakeEnv) -> None:
    env = make_env(widgets_task(success_js="document.getElementById('out').textContent === 'shadow clicked'"))
    obs, _ = env.reset()
    shadow = element(obs, "shadow-btn")
    assert f"[{shadow['id']}] button 'Shadow'" in obs["axtree"]
    _, reward, terminated, _, _ = env.step(f"click('{shadow['id']}')")
    assert terminated and reward == 1.0


def test_select_and_check(make_env: MakeEnv) -> None:
    env = make_env(widgets_task())
    obs, _ = env.reset()
    color, agree = element(obs, "color")["id"], element(obs, "agree")["id"]
    obs, *_ = env.step(f"select_option('{color}', 'Blue')\ncheck('{agree}')")
    assert obs["last_action_error"] == ""
    assert element(obs, "agree")["checked"] is True
    assert element(obs, "color")["value"] == "Blue"  # what the agent sees: the chosen option's label
    obs, *_ = env.step(f"uncheck('{agree}')")
    assert element(obs, "agree")["checked"] is False


BAD_ACTIONS = [
    ("jump('3')", "Unknown action `jump`"),
    ("click()", "missing `id`"),
    ("fill('{name}')", "missing `text`"),
    ("click('{name}', 'sideways')", "Mouse button must be"),
    ("click('9999')", "No element with id '9999'"),
    ("click('{gone}')", "is not visible"),
    ("click('{ghost}')", "is not visible"),
    ("click('{off}')", "is disabled"),
    ("fill('{go}', 'x')", "is not editable"),
    ("select_option('{go}', 'x')", "is not a <select>"),
    ("select_option('{color}', 'Purple')", "has no option 'Purple'"),
    ("click('zz1')", "No element with id 'zz1'"),
    ("tab_focus(5)", "there are 1 tabs"),
    ("tab_close()", "last tab"),
    ("noop(-5)", "between 0 and 10000"),
    ("os.system('true')", "is not an action name"),
]


@pytest.mark.parametrize(("template", "message"), BAD_ACTIONS)
def test_bad_actions_become_last_action_error(make_env: MakeEnv, template: str, message: str) -> None:
    env = make_env(widgets_task())
    obs, _ = env.reset()
    ids = {k: element(obs, k)["id"] for k in ("name", "go", "gone", "ghost", "off", "color")}
    action = template.format(**ids)
    obs, reward, terminated, truncated, info = env.step(action)
    assert message in obs["last_action_error"], obs["last_action_error"]
    assert obs["last_action"] == action
    assert (reward, terminated, truncated, info["error"]) == (0.0, False, False, {})
    # The episode goes on: a good action still works.
    obs, *_ = env.step(f"fill('{ids['name']}', 'ok')")
    assert obs["last_action_error"] == ""


def test_detached_frame_is_reported(make_env: MakeEnv) -> None:
    env = make_env(widgets_task())
    obs, _ = env.reset()
    inner = element(obs, "inner")["id"]
    remove = element(obs, "add")["id"]
    # Remove the iframe through the page itself: a person's action that detaches the frame.
    env.unwrapped._episode.state.page.evaluate  # noqa: B018  (the page exists)
    obs, *_ = env.step(f"click('{remove}')")  # an unrelated action first: ids are current
    asyncio.run_coroutine_threadsafe(
        env._episode.state.page.evaluate("document.getElementById('frame').remove()"),  # type: ignore[union-attr]
        env._loop,  # type: ignore[arg-type]
    ).result()
    obs, *_ = env.step(f"click('{inner}')")
    assert (
        "detached" in obs["last_action_error"] or f"No element with id '{inner}'" in obs["last_action_error"]
    )


def test_navigation_allow_list_blocks_and_reports(make_env: MakeEnv) -> None:
    env = make_env(widgets_task(allowed_urls=("file://*",)))
    env.reset()
    obs, *_ = env.step("goto('http://10.0.0.9:9/elsewhere')")
    assert "http://10.0.0.9:9/elsewhere" in obs["last_action_error"]
    assert "Blocked" in obs["last_action_error"] or "ERR_BLOCKED_BY_CLIENT" in obs["last_action_error"]


def test_tabs(make_env: MakeEnv) -> None:
    env = make_env(widgets_task())
    env.reset()
    obs, *_ = env.step("new_tab()")
    assert [p["active"] for p in obs["open_pages"]] == [False, True]
    obs, *_ = env.step(f"goto('{WIDGETS}')")
    assert obs["url"] == WIDGETS and obs["last_action_error"] == ""
    obs, *_ = env.step("tab_close()")
    assert len(obs["open_pages"]) == 1 and obs["open_pages"][0]["active"]


def test_killed_browser_is_replaced_at_next_reset(make_env: MakeEnv) -> None:
    env = make_env(widgets_task())
    env.reset()
    before, *_, normal_info = env.step("noop(0)")
    host = env.host
    launches = host.launches
    assert host.browser_process() is not None
    host.kill_browser_process()
    obs, _, terminated, truncated, info = env.step(f"click('{element(before, 'go')['id']}')")
    assert truncated and not terminated
    assert info["error"]["kind"] == "browser_crashed"
    assert obs["last_action_error"].startswith("The browser stopped")
    # Gymnasium's contract: the same info keys as any step, and new data, not the last step's.
    assert info.keys() == normal_info.keys()
    assert not np.shares_memory(before["screenshot"], obs["screenshot"])
    assert obs["elements"] == before["elements"] and obs["elements"] is not before["elements"]
    assert env.observation_space.contains(obs)
    obs, _ = env.reset()
    assert host.launches == launches + 1
    assert element(obs, "go")["visible"]


def test_hung_browser_is_replaced_at_next_reset(make_env: MakeEnv) -> None:
    env = make_env(widgets_task(), reset_timeout=3.0, step_timeout=2.0)
    env.reset()
    host = env.host
    launches = host.launches
    browser = host.browser_process()
    assert browser is not None
    browser.suspend()  # the browser process stops answering, as a hung browser does
    try:
        obs, _, _, truncated, info = env.step("noop(0)")
        assert truncated and info["error"]["kind"] == "step_timeout"
        obs, _ = env.reset()
    finally:
        if browser.is_running():
            browser.resume()
    assert host.launches == launches + 1
    assert element(obs, "go")["visible"]


def test_hung_page_ends_the_step_at_its_timeout(make_env: MakeEnv) -> None:
    env = make_env(PageTask((PAGES / "hang.html").as_uri(), "Hang."), step_timeout=2.0)
    obs, _ = env.reset()
    hang = next(e["id"] for e in obs["elements"] if e["tag"] == "button")
    obs, _, _, truncated, info = env.step(f"click('{hang}')")
    assert truncated and info["error"]["kind"] == "step_timeout"
    # The next episode gets a working page.
    env.task = widgets_task()
    obs, _ = env.reset()
    assert element(obs, "go")["visible"]


class JudgedAtTheLimit(PageTask):
    """Done only when judged at the step limit, as a WebArena task whose agent never answered."""

    judge_at_step_limit = True

    async def evaluate(self, page: Any, state: EpisodeState) -> Evaluation:
        return Evaluation(done=state.early_stop is not None)


def test_a_step_after_the_end_is_still_terminated(make_env: MakeEnv) -> None:
    """Once ended, an episode stays ended, whatever the task's verdict says on a later look."""
    env = make_env(JudgedAtTheLimit(WIDGETS, "Never answer."))
    env.reset()
    judged = loop.run_sync(env.aearly_stop("Reach max steps 1"))
    assert judged is not None and judged[2]
    obs, reward, terminated, truncated, _ = env.step("noop(0)")
    assert terminated and not truncated and reward == 0.0
    assert obs["last_action_error"].startswith("The episode is over")


def test_step_before_reset_is_a_typed_error(make_env: MakeEnv) -> None:
    from palaestra.errors import EnvStateError

    env = make_env(widgets_task())
    with pytest.raises(EnvStateError, match="before reset"):
        env.step("noop()")


def test_async_core_runs_on_the_callers_loop() -> None:
    async def episode() -> tuple[str, float]:
        env = BrowserEnv("miniwob.click-test")
        try:
            obs, _ = await env.areset(seed=1)
            button = next(e["id"] for e in obs["elements"] if e["tag"] == "button")
            _, reward, *_ = await env.astep(f"click('{button}')")
            assert env._loop is asyncio.get_running_loop()
            return obs["goal"], reward
        finally:
            await env.aclose()
            await env.host.close()

    goal, reward = asyncio.run(episode())
    assert goal == "Click the button." and reward == 1.0
