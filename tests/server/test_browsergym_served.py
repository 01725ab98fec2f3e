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
from tests.server.conftest import ENV_OPTIONS

#: Chromium's own ids, numbered by each browser in its own order (and a frame's id random): the
#: same page in two browsers differs in them, and nothing BrowserGym's readers print shows them.
CHROMIUM_IDS = ("nodeId", "parentId", "childIds", "backendDOMNodeId", "frameId")


def same_page_in_two_browsers(served: dict[str, Any], local: dict[str, Any]) -> None:
    """``served`` and ``local`` are BrowserGym's dicts of the same page state, observed by two
    browsers: equal but for Chromium's ids and the timing (chat timestamps, elapsed time, and
    MiniWoB++'s countdown, which is page text in the DOM snapshot)."""
    assert list(served) == list(local)
    for name in (
        "goal", "goal_object", "open_pages_urls", "open_pages_titles", "url",
        "extra_element_properties", "focused_element_bid", "last_action", "last_action_error",
    ):  # fmt: skip
        assert served[name] == local[name], name
    for name in ("active_page_index", "screenshot", "elapsed_time"):
        assert (served[name].dtype, served[name].shape) == (local[name].dtype, local[name].shape), name
    assert np.array_equal(served["active_page_index"], local["active_page_index"])
    untimed = [
        [{k: v for k, v in m.items() if k != "timestamp"} for m in obs["chat_messages"]]
        for obs in (served, local)
    ]
    assert untimed[0] == untimed[1] and isinstance(served["chat_messages"], tuple)

    def ax_nodes(obs: dict[str, Any]) -> list[dict[str, Any]]:
        return [{k: v for k, v in n.items() if k not in CHROMIUM_IDS} for n in obs["axtree_object"]["nodes"]]

    assert ax_nodes(served) == ax_nodes(local)
    documents = [obs["dom_object"]["documents"][0]["nodes"] for obs in (served, local)]
    for field in ("parentIndex", "nodeType", "nodeName", "attributes"):
        assert documents[0][field] == documents[1][field], field


def test_a_served_episode_observes_as_a_local_one(server: ServerThread) -> None:
    """Each answer decodes to exactly the dict the server made (the local wrapper's converter),
    and that dict is what a local `BrowserGymObservation` makes of the same page."""
    local = BrowserGymObservation(BrowserEnv("miniwob.enter-text", **ENV_OPTIONS))
    try:
        with BrowserGymClient("miniwob.enter-text", server=server.url) as served_env:

            def made_by_server() -> dict[str, Any]:
                assert served_env.session_id is not None
                made = server.context.sessions.sessions[served_env.session_id].last
                assert made is not None and made.browsergym is not None
                return made.browsergym

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


def assert_identical(got: dict[str, Any], made: dict[str, Any]) -> None:
    """Every key of the same value and type (arrays: dtype, shape and elements)."""
    assert list(got) == list(made)
    for name, value in made.items():
        assert type(got[name]) is type(value), name
        if isinstance(value, np.ndarray):
            assert (got[name].dtype, got[name].shape) == (value.dtype, value.shape), name
            assert np.array_equal(got[name], value), name
        else:
            assert got[name] == value, name


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


def test_sessions_say_whether_they_answer_as_browsergym(client: httpx.Client) -> None:
    made = client.post("/sessions", json={"task": "miniwob.click-test", "browsergym": True, "seed": 1})
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["browsergym"] is True
    assert body["browsergym_observation"]["goal"] == body["observation"]["goal"]
    assert client.get(f"/sessions/{body['id']}").json()["browsergym"] is True
    step = client.post(f"/sessions/{body['id']}/step", json={"action": "noop()"}).json()
    assert step["browsergym_observation"]["last_action"] == "noop()"
    latest = client.get(f"/sessions/{body['id']}/observation", params={"browsergym": "true"}).json()
    assert latest["browsergym_observation"] == step["browsergym_observation"]
    plain = client.post("/sessions", json={"task": "miniwob.click-test", "seed": 1}).json()
    assert plain["browsergym"] is False and "browsergym_observation" not in plain
    step = client.post(f"/sessions/{plain['id']}/step", json={"action": "noop()"}).json()
    assert "browsergym_observation" not in step
    refused = client.get(f"/sessions/{plain['id']}/observation", params={"browsergym": "true"})
    assert refused.status_code == 422 and '"browsergym": true' in refused.json()["error"]["message"]


def test_a_desktop_task_is_refused_with_why(start_server: Callable[..., ServerThread]) -> None:
    server = start_server(env_options={})  # (no browser's options: a desktop takes none of them)
    refused = pytest.raises(BrowserGymClientError, match=r"browser environment \(BrowserEnv\)")
    with refused as caught, BrowserGymClient("desktop.calc-add", server=server.url) as env:
        env.reset(seed=1)
    assert (caught.value.code, caught.value.status) == ("BAD_REQUEST", 400)
    assert server.context.sessions.sessions == {}


def test_an_unreachable_server_is_said_so() -> None:
    unreachable = BrowserGymClient("miniwob.click-test", server="http://127.0.0.1:9")
    with unreachable as env, pytest.raises(BrowserGymClientError, match="cannot reach") as caught:
        env.reset()
    assert caught.value.code == "UNREACHABLE" and caught.value.status == 0
