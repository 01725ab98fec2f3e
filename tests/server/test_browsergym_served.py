"""BrowserGym-shaped observations from the environment server: the dict `BrowserGymClient` gives
back equals the one a local `BrowserGymObservation` makes of the same episode (timing aside)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import httpx
import numpy as np
import pytest

from palaestra.envs import BrowserEnv
from palaestra.envs.browsergym_compat import BrowserGymObservation
from palaestra.server.browsergym_remote import (
    BrowserGymClient,
    BrowserGymClientError,
    browsergym_from_json,
    browsergym_json,
)
from palaestra.server.run import ServerThread
from palaestra.server.wire import dumps
from tests.server.browsergym_support import assert_identical, same_page_in_two_browsers
from tests.server.conftest import ENV_OPTIONS


def test_a_served_episode_observes_as_a_local_one(server: ServerThread) -> None:
    """Each answer decodes to exactly the dict the server made (the local wrapper's converter),
    and that dict is what a local `BrowserGymObservation` makes of the same page."""
    local = BrowserGymObservation(BrowserEnv("miniwob.enter-text", **ENV_OPTIONS))
    try:
        with BrowserGymClient("miniwob.enter-text", server=server.url) as served_env:

            def made_by_server() -> dict[str, Any]:
                assert served_env.session_id is not None
                made = server.context.sessions.sessions[served_env.session_id].last
                assert made is not None and "browsergym" in made.views
                return made.views["browsergym"]

            served, _ = served_env.reset(seed=3)
            here, _ = local.reset(seed=3)
            assert_identical(served, made_by_server())
            width, height = local.browser_env.task.viewport
            assert served["screenshot"].shape == (height, width, 3) and served["screenshot"].any()
            assert local.observation_space.contains(served)
            same_page_in_two_browsers(served, here)

            textbox = next(
                n["browsergym_id"]
                for n in served["axtree_object"]["nodes"]
                if n["role"]["value"] == "textbox" and "browsergym_id" in n
            )
            word = re.search(r'Enter "(.+)" into', served["goal"])
            assert word
            action = f"fill('{textbox}', '{word[1]}')\nsend_msg_to_user('filled')"
            served, served_reward, *_ = served_env.step(action)
            here, local_reward, *_ = local.step(action)
            assert_identical(served, made_by_server())
            assert served["focused_element_bid"] == textbox and served["last_action"] == action
            assert [m["role"] for m in served["chat_messages"]] == ["user", "assistant"]
            assert served["elapsed_time"][0] > 0
            same_page_in_two_browsers(served, here)
            assert served_reward == local_reward == 0.0

            served, *_ = served_env.step("click('nope')")
            here, *_ = local.step("click('nope')")
            assert served["last_action_error"] and served["last_action_error"] == here["last_action_error"]
    finally:
        local.close()


def test_the_wire_keeps_browsergyms_types() -> None:
    obs = {
        "chat_messages": ({"role": "user", "timestamp": 1.5, "message": "hi"},),
        "goal_object": ({"type": "text", "text": "hi"},),
        "open_pages_urls": ("about:blank",),
        "open_pages_titles": ("",),
        "active_page_index": np.asarray([0]),
        "screenshot": np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3),
        "elapsed_time": np.asarray([0.25]),
        "dom_object": {"documents": [], "strings": []},
    }
    back = browsergym_from_json(json.loads(dumps(browsergym_json(obs))))  # as the server sends it
    assert back.keys() == obs.keys()
    assert back["active_page_index"].dtype == np.int64 and back["elapsed_time"].tolist() == [0.25]
    assert np.array_equal(back["screenshot"], obs["screenshot"]) and back["screenshot"].dtype == np.uint8
    assert back["chat_messages"] == obs["chat_messages"] and back["open_pages_urls"] == ("about:blank",)
    empty = browsergym_from_json(browsergym_json({"screenshot": np.zeros((0, 0, 3), dtype=np.uint8)}))
    assert empty["screenshot"].shape == (0, 0, 3)


def test_the_older_browsergym_flag_is_the_browsergym_view_under_its_old_name_too(
    client: httpx.Client,
) -> None:
    """``"browsergym": true`` (before views) still answers ``browsergym_observation``, which is
    ``views.browsergym``; a session opened without it makes no such view and says how to ask."""
    made = client.post("/sessions", json={"task": "miniwob.click-test", "browsergym": True, "seed": 1})
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["browsergym"] is True and body["view_names"] == ["browsergym"]
    assert body["browsergym_observation"] == body["views"]["browsergym"]
    assert body["browsergym_observation"]["goal"] == body["observation"]["goal"]
    assert client.get(f"/sessions/{body['id']}").json()["browsergym"] is True
    step = client.post(f"/sessions/{body['id']}/step", json={"action": "noop()"}).json()
    assert step["browsergym_observation"]["last_action"] == "noop()"
    assert step["browsergym_observation"] == step["views"]["browsergym"]
    latest = client.get(f"/sessions/{body['id']}/observation", params={"browsergym": "true"}).json()
    assert latest["browsergym_observation"] == step["browsergym_observation"]
    plain = client.post("/sessions", json={"task": "miniwob.click-test", "seed": 1}).json()
    assert plain["browsergym"] is False and plain["view_names"] == []
    assert "browsergym_observation" not in plain and "views" not in plain
    step = client.post(f"/sessions/{plain['id']}/step", json={"action": "noop()"}).json()
    assert "browsergym_observation" not in step and "views" not in step
    refused = client.get(f"/sessions/{plain['id']}/observation", params={"browsergym": "true"})
    assert refused.status_code == 422 and '"views": ["browsergym"]' in refused.json()["error"]["message"]


def test_a_desktop_task_is_refused_with_why(start_server: Callable[..., ServerThread]) -> None:
    server = start_server()  # `pages_ahead` goes only to environments that take it: not a desktop
    refused = pytest.raises(BrowserGymClientError, match=r"not DesktopEnv. Fix: ask for it on a web task")
    with refused as caught, BrowserGymClient("desktop.calc-add", server=server.url) as env:
        env.reset(seed=1)
    assert (caught.value.code, caught.value.status) == ("VIEW_UNAVAILABLE", 422)
    assert server.context.sessions.sessions == {}


def test_an_unreachable_server_is_said_so() -> None:
    unreachable = BrowserGymClient("miniwob.click-test", server="http://127.0.0.1:9")
    with unreachable as env, pytest.raises(BrowserGymClientError, match="cannot reach") as caught:
        env.reset()
    assert caught.value.code == "UNREACHABLE" and caught.value.status == 0
