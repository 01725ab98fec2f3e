"""OpenEnv's protocol, driven by OpenEnv's own `GenericEnvClient` (the real `openenv-core` package)."""

from __future__ import annotations

import asyncio
import base64
import io
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from PIL import Image

from palaestra.server.run import ServerThread
from palaestra.server.view_wire import view_from_json
from palaestra.server.wire import EPISODE_FIELDS
from tests.server.browsergym_support import assert_identical


def openenv_client(base_url: str) -> Any:
    """OpenEnv's own client, imported here rather than at collection: OpenEnv brings Gradio (about
    3 s), which only the worker running these tests should pay."""
    from openenv.core.generic_client import GenericEnvClient

    return GenericEnvClient(base_url=base_url)


def test_generic_env_client_solves_a_task_over_the_websocket(server: ServerThread) -> None:
    async def play() -> None:
        async with openenv_client(server.url) as env:
            first = await env.reset(task="miniwob.enter-text", seed=4)
            obs = first.observation
            assert first.done is False and obs["terminated"] is False and obs["error_kind"] == ""
            word = obs["goal"].split('"')[1]
            textbox = next(e["id"] for e in obs["elements"] if e["tag"] == "input")
            button = next(e["id"] for e in obs["elements"] if e["tag"] == "button")
            result = await env.step({"action": f"fill('{textbox}', '{word}')\nclick('{button}')"})
            assert (result.reward, result.done) == (1.0, True)
            fields = {k: result.observation[k] for k in EPISODE_FIELDS}
            assert fields == {"terminated": True, "truncated": False, "success": True,
                              "error_kind": "", "error_message": ""}  # fmt: skip
            state = await env.state()
            assert state["step_count"] == 1 and state["task"] == "miniwob.enter-text" and state["seed"] == 4
            again = await env.reset(seed=5)  # same task, a new episode in the same session
            assert again.observation["goal"] != obs["goal"]
            assert (await env.state())["session_id"] == state["session_id"]

    asyncio.run(play())
    assert server.context.sessions.sessions == {}  # closing the connection closed the session


def test_the_sync_client_and_openenvs_error_messages(server: ServerThread) -> None:
    with openenv_client(server.url).sync() as env:
        with pytest.raises(RuntimeError, match=r"data.task.*\(code: VALIDATION_ERROR\)"):
            env.reset(seed=1)  # this server has no default task
        with pytest.raises(RuntimeError, match="reset first"):
            env.step({"action": "click('1')"})
        result = env.reset(
            task="miniwob.click-test", seed=1, screenshots=True, parts=["axtree", "screenshot"]
        )
        assert set(result.observation) >= {"axtree", "screenshot", "goal", "success"}
        assert "elements" not in result.observation
        shot = Image.open(io.BytesIO(base64.b64decode(result.observation["screenshot"])))
        assert shot.size == (500, 320)
        with pytest.raises(RuntimeError, match=r"data.action: Field required.*data.code"):
            env.step({"code": "print(1)"})
        bad = env.step({"action": "click('12345')"})
        assert "No element with id" in bad.observation["last_action_error"] and not bad.done


def test_default_task_and_the_stateless_http_routes(start_server: Callable[..., ServerThread]) -> None:
    server = start_server(default_task="miniwob.click-test")

    async def ws() -> None:
        async with openenv_client(server.url) as env:
            assert "Click" in (await env.reset(seed=2)).observation["goal"]

    asyncio.run(ws())
    with httpx.Client(base_url=server.url, timeout=60) as http:
        reset = http.post("/reset", json={"seed": 3}).json()
        sid = reset["observation"]["session_id"]
        assert reset["done"] is False and reset["reward"] == 0.0
        step = http.post("/step", json={"action": {"action": "click('15')"}, "session_id": sid}).json()
        assert step["done"] is True and step["observation"]["success"] is True
        assert http.get("/state", params={"session_id": sid}).json()["step_count"] == 1
        missing = http.post("/step", json={"action": {"action": "click('15')"}})
        assert missing.status_code == 422 and missing.json()["error"]["fields"][0]["field"] == "session_id"
        # OpenEnv's own HTTP routes take no session: the answer says where the id comes from
        assert (
            "POST /reset opens a session and answers its id as observation.session_id"
            in (missing.json()["error"]["message"])
        )
        stateless = http.get("/state").json()["error"]
        assert stateless["message"] == missing.json()["error"]["message"]
        schema = http.get("/schema").json()
        assert schema["action"]["required"] == ["action"]
        assert schema["observation"]["properties"]["screenshot"]["contentMediaType"] == "image/png"
        assert set(EPISODE_FIELDS) <= set(schema["observation"]["properties"])
        assert http.get("/metadata").json()["name"] == "palaestra"
        assert http.get("/health").json()["status"] == "healthy"


def test_a_token_reaches_the_websocket_as_url_credentials(start_server: Callable[..., ServerThread]) -> None:
    server = start_server(tokens=("s3cret",))
    host = server.url.removeprefix("http://")

    async def play(url: str) -> float | None:
        async with openenv_client(url) as env:
            return (await env.reset(task="miniwob.click-test", seed=0)).reward

    with pytest.raises(ConnectionError):
        asyncio.run(play(server.url))
    assert asyncio.run(play(f"http://agent:s3cret@{host}")) == 0.0


def test_a_session_opened_through_openenv_asks_for_views_and_gets_them_in_the_observation(
    server: ServerThread,
) -> None:
    """OpenEnv's wire drops ``metadata``: the views come in the observation, as ``views``."""

    async def ws() -> None:
        async with openenv_client(server.url) as env:
            first = await env.reset(task="miniwob.click-test", seed=1, views=["browsergym"])
            view = first.observation["views"]["browsergym"]
            assert view["goal"] == first.observation["goal"] and view["last_action"] == ""
            sid = (await env.state())["session_id"]
            made = server.context.sessions.sessions[sid].last
            assert made is not None
            assert_identical(view_from_json("browsergym", view), made.views["browsergym"])
            stepped = await env.step({"action": "noop()"})
            assert stepped.observation["views"]["browsergym"]["last_action"] == "noop()"
            again = await env.reset(seed=2)  # the same session keeps its views
            assert "browsergym" in again.observation["views"]
            assert (await env.state())["session_id"] == sid
            plain = await env.reset(seed=2, views=[])  # other views: another session
            assert "views" not in plain.observation and (await env.state())["session_id"] != sid

    asyncio.run(ws())
    with httpx.Client(base_url=server.url, timeout=60) as http:
        reset = http.post("/reset", json={"task": "miniwob.click-test", "seed": 3, "views": ["browsergym"]})
        observation = reset.json()["observation"]
        assert observation["views"]["browsergym"]["goal"] == observation["goal"]
        sid = observation["session_id"]
        step = http.post("/step", json={"action": {"action": "noop()"}, "session_id": sid}).json()
        assert step["observation"]["views"]["browsergym"]["last_action"] == "noop()"
        changed = http.post("/reset", json={"session_id": sid, "views": ["osworld"]})
        assert changed.status_code == 422 and "reset without session_id" in changed.json()["error"]["message"]
        refused = http.post("/reset", json={"task": "miniwob.click-test", "views": ["osworld"]})
        assert refused.status_code == 422 and refused.json()["error"]["code"] == "VIEW_UNAVAILABLE"
        assert "views" in http.get("/schema").json()["observation"]["properties"]
    server.call(server.context.sessions.close_all())


def test_a_connection_whose_session_timed_out_is_told_so_and_a_reset_reopens_its_task(
    server: ServerThread,
) -> None:
    """A training loop that paused past ``--idle-timeout`` got "No session" and then, resetting with
    a seed only, "this server has no default task": the connection had forgotten its task."""
    with openenv_client(server.url).sync() as env:
        first = env.reset(task="miniwob.click-test", seed=1, parts=["axtree"])
        assert "elements" not in first.observation
        (session,) = server.context.sessions.sessions.values()
        session.last_used -= server.context.config.idle_timeout + 1  # left idle, as by a long pause
        assert server.call(server.context.sessions.reap()) == [session.id]
        with pytest.raises(RuntimeError, match=r"closed by the server.*idle timeout.*Send a reset"):
            env.step({"action": "click('15')"})
        again = env.reset(seed=2)  # the task and parts of the session that was closed
        assert again.observation["goal"] == "Click the button." and "elements" not in again.observation
        assert env.state()["task"] == "miniwob.click-test"
        assert env.step({"action": "click('15')"}).observation["success"] is True
