"""BrowserGymObservation on real Chromium, read by BrowserGym's own utilities (browsergym-core
0.14.3, in the venv ``scripts/setup`` makes for it): they accept our objects, print our ids, and
an action built from what they print solves the task step."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

from palaestra.envs import BrowserEnv
from palaestra.envs.browsergym_compat import BrowserGymObservation
from palaestra.errors import ConfigError
from palaestra.tasks.page import PageTask
from tests.envs.browsergym_reading import ids_by_dom_id, read_with_browsergym

WIDGETS = (Path(__file__).parent / "pages" / "widgets.html").as_uri()
BRACKETED_BID = re.compile(r"\[(\w+)\]")


def test_browsergym_reads_our_observation_and_its_bids_solve_the_task() -> None:
    env = BrowserGymObservation(gym.make("palaestra/miniwob.enter-text"))
    try:
        obs, _ = env.reset(seed=3)
        read = read_with_browsergym(obs, env.browser_env.task.viewport)
        ours = ids_by_dom_id(env)
        assert env.palaestra_obs is not None
        all_ours = {e["id"] for e in env.palaestra_obs["elements"]}
        printed = set(BRACKETED_BID.findall(read["axtree_txt"]))
        assert printed and printed <= all_ours
        assert set(re.findall(r'bid="(\w+)"', read["dom_txt"])) <= all_ours
        textbox = re.search(r"\[(\w+)\] textbox", read["axtree_txt"])
        submit = re.search(r'<button bid="(\w+)"[^>]*>\s*Submit', read["dom_txt"])
        assert textbox and submit, read["axtree_txt"]
        assert (textbox[1], submit[1]) == (ours["tt"], ours["subbtn"])
        assert f'bid="{submit[1]}"' in read["pruned_html"] and "<script" not in read["pruned_html"]
        assert f"[{submit[1]}] button 'Submit', clickable, visible" in read["axtree_txt"]
        assert "InlineTextBox" not in read["axtree_txt"]
        assert read["som_pixels"] > 0  # BrowserGym's overlay found boxes to draw
        word = re.search(r'Enter "(.+)" into', obs["goal"])
        assert word
        obs, reward, terminated, _, _ = env.step(f"fill('{textbox[1]}', '{word[1]}')\nclick('{submit[1]}')")
        assert obs["last_action_error"] == "" and terminated and reward == 1.0
    finally:
        env.close()


def test_frames_are_merged_as_browsergym_merges_them() -> None:
    task = PageTask(
        WIDGETS, "Use the widgets.", success_js="document.getElementById('out').textContent === 'inner hi'"
    )
    env = BrowserGymObservation(BrowserEnv(task))
    try:
        obs, _ = env.reset()
        read = read_with_browsergym(obs, task.viewport)
        ours = ids_by_dom_id(env)
        inner, text = ours["inner"], ours["inner-text"]
        assert inner.startswith("a")
        assert f"[{inner}] button 'Inner button'" in read["axtree_txt"]
        assert f'bid="{text}"' in read["dom_txt"]  # the frame's document, under its <iframe>
        assert re.search(
            rf'<input bid="{ours["agree"]}"(?![^>]*checked)[^>]*type="checkbox"', read["dom_txt"]
        )
        obs, *_ = env.step(f"check('{ours['agree']}')\nfill('{text}', 'hi')")
        read = read_with_browsergym(obs, task.viewport)  # the state of fields shows, as in BrowserGym
        assert re.search(rf'<input bid="{ours["agree"]}" checked=""', read["dom_txt"])
        assert re.search(rf'<input bid="{text}"[^>]* value="hi"', read["dom_txt"])
        obs, reward, terminated, _, _ = env.step(f"click('{inner}')")
        assert obs["last_action_error"] == "" and terminated and reward == 1.0
    finally:
        env.close()


def test_each_key_has_browsergyms_type_and_shape() -> None:
    env = BrowserGymObservation(BrowserEnv("miniwob.enter-text"))
    try:
        obs, _ = env.reset(seed=5)
        assert env.observation_space.contains(obs)
        assert "object at 0x" not in repr(env.observation_space)  # a space printed says what it holds
        assert "'dom_object': PageObject(dict)" in repr(env.observation_space)
        assert list(obs) == [
            "chat_messages", "goal", "goal_object", "open_pages_urls", "open_pages_titles",
            "active_page_index", "url", "screenshot", "dom_object", "axtree_object",
            "extra_element_properties", "focused_element_bid", "last_action", "last_action_error",
            "elapsed_time",
        ]  # fmt: skip
        ours = ids_by_dom_id(env)
        assert env.palaestra_obs is not None
        all_ours = {e["id"] for e in env.palaestra_obs["elements"]}
        width, height = env.browser_env.task.viewport
        assert obs["chat_messages"] == (
            {"role": "user", "timestamp": obs["chat_messages"][0]["timestamp"], "message": obs["goal"]},
        )
        assert obs["goal_object"] == ({"type": "text", "text": obs["goal"]},)
        assert obs["open_pages_urls"] == (obs["url"],) and obs["url"].endswith("enter-text.html")
        assert obs["open_pages_titles"] == ("Enter Text Task",)
        assert obs["active_page_index"].tolist() == [0]
        assert obs["screenshot"].shape == (height, width, 3) and obs["screenshot"].dtype == np.uint8
        assert obs["elapsed_time"].shape == (1,) and obs["elapsed_time"].dtype == np.float64

        # dom_object: DOMSnapshot.captureSnapshot's answer, our ids in the attribute `bid`
        dom = obs["dom_object"]
        strings, document = dom["strings"], dom["documents"][0]
        assert all(isinstance(s, str) for s in strings) and "data-pal-id" not in [
            strings[a[k]] for a in document["nodes"]["attributes"] for k in range(0, len(a), 2)
        ]
        for field in ("parentIndex", "nodeType", "nodeName", "nodeValue", "backendNodeId", "attributes"):
            assert len(document["nodes"][field]) == len(document["nodes"]["parentIndex"])
        assert {"nodeIndex", "bounds", "clientRects"} <= set(document["layout"])  # DOM rects included
        bid = strings.index("bid")
        dom_bids = {
            strings[a[k + 1]]
            for a in document["nodes"]["attributes"]
            for k in range(0, len(a), 2)
            if a[k] == bid
        }
        assert dom_bids == all_ours

        # axtree_object: Accessibility.getFullAXTree's nodes, each element's id as browsergym_id
        nodes = obs["axtree_object"]["nodes"]
        assert nodes[0]["role"]["value"] == "RootWebArea"
        assert all(isinstance(n["nodeId"], str) and isinstance(n["childIds"], list) for n in nodes)
        assert not any(n["role"]["value"] == "InlineTextBox" for n in nodes)
        known = {n["nodeId"] for n in nodes}
        assert all(c in known for n in nodes for c in n["childIds"])
        by_bid = {n["browsergym_id"]: n for n in nodes if "browsergym_id" in n}
        assert by_bid[ours["subbtn"]]["role"]["value"] == "button"
        assert set(by_bid) <= all_ours

        # extra_element_properties: per id, visibility, bbox, clickable, set_of_marks
        extra = obs["extra_element_properties"]
        assert set(extra) == all_ours
        for props in extra.values():
            assert set(props) == {"visibility", "bbox", "clickable", "set_of_marks"}
            assert 0.0 <= props["visibility"] <= 1.0 and isinstance(props["clickable"], bool)
            assert props["bbox"] is None or (
                len(props["bbox"]) == 4 and all(isinstance(v, float) for v in props["bbox"])
            )
        submit = extra[ours["subbtn"]]
        assert submit["visibility"] == 1.0 and submit["clickable"] and submit["set_of_marks"]
        x, y, w, h = submit["bbox"]
        assert 0 <= x < x + w <= width and 0 <= y < y + h <= height
        title = next(e["id"] for e in env.palaestra_obs["elements"] if e["tag"] == "title")
        assert extra[title] == {"visibility": 0.0, "bbox": None, "clickable": False, "set_of_marks": False}

        action = f"click('{ours['tt']}')\nsend_msg_to_user('typing now')"
        later, *_ = env.step(action)
        assert later["focused_element_bid"] == ours["tt"]
        assert later["last_action"] == action and later["last_action_error"] == ""
        assert later["elapsed_time"][0] > obs["elapsed_time"][0]
        chat = later["chat_messages"]
        assert [(m["role"], m["message"]) for m in chat] == [
            ("user", obs["goal"]),
            ("assistant", "typing now"),
        ]
        assert chat[1]["timestamp"] >= chat[0]["timestamp"]
        assert env.observation_space.contains(later)
    finally:
        env.close()


def test_async_faces_return_the_same_dict() -> None:
    async def episode() -> tuple[float, str]:
        env = BrowserGymObservation(BrowserEnv("miniwob.click-test"))
        try:
            obs, _ = await env.areset(seed=1)
            button = next(
                n["browsergym_id"]
                for n in obs["axtree_object"]["nodes"]
                if n["role"]["value"] == "button" and "browsergym_id" in n
            )
            later, reward, *_ = await env.astep(f"click('{button}')")
            return reward, later["last_action"]
        finally:
            await env.browser_env.aclose()
            await env.browser_env.host.close()

    reward, last_action = asyncio.run(episode())
    assert reward == 1.0 and last_action.startswith("click(")


def test_an_unwrapped_environment_computes_nothing_more() -> None:
    env = BrowserEnv("miniwob.click-test")
    try:
        obs, _ = env.reset(seed=1)
        assert env.browsergym_page is None and "dom_object" not in obs and not env.obs_config.browsergym
    finally:
        env.close()


def test_only_browser_environments_can_be_wrapped() -> None:
    with pytest.raises(ConfigError, match=r"from a browser environment \(BrowserEnv\)"):
        BrowserGymObservation(gym.make("CartPole-v1"))
