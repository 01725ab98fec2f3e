"""A client picks its agent's action set when it opens a session (`palaestra eval --action-set`'s
names), over the session API and OpenEnv's routes; a set the task's environment lacks is a 422."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import httpx
import pytest

from palaestra.server.run import ServerThread
from tests.server.test_openenv import openenv_client


def _center_of_button(observation: dict) -> tuple[float, float]:
    x, y, w, h = next(e["bbox"] for e in observation["elements"] if e["tag"] == "button")
    return x + w / 2, y + h / 2


def test_a_session_opened_with_the_web_set_accepts_actions_miniwobs_own_set_lacks(
    client: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    """MiniWoB++'s own set has no `scroll_at`; a session asking for `web` has it, says so in its
    answer and state, and the server's log names the set with the session it opened."""
    caplog.set_level(logging.INFO, logger="palaestra.server")
    made = client.post("/sessions", json={"task": "miniwob.click-test", "seed": 1, "action_set": "web"})
    assert made.status_code == 201, made.text
    session = made.json()
    assert session["action_set"]["name"] == "web" and "scroll_at" in session["action_set"]["actions"]
    assert session["state"]["action_set"] == "web"
    x, y = _center_of_button(session["observation"])
    scroll = f"scroll_at({x}, {y}, 0, 10)"
    step = client.post(f"/sessions/{session['id']}/step", json={"action": scroll}).json()
    assert step["observation"]["last_action_error"] == ""
    opened = [r.getMessage() for r in caplog.records if f"Session {session['id']} opened" in r.getMessage()]
    assert opened and "task miniwob.click-test, action set web," in opened[0]

    own = client.post("/sessions", json={"task": "miniwob.click-test", "seed": 1}).json()
    assert own["action_set"]["name"] == "miniwob" and "scroll_at" not in own["action_set"]["actions"]
    refused = client.post(f"/sessions/{own['id']}/step", json={"action": scroll}).json()
    assert "scroll_at" in refused["observation"]["last_action_error"]


@pytest.mark.parametrize(
    ("asked", "says"),
    [
        ("wbe", "Unknown action set `wbe`. Did you mean: `web`?"),
        ("computer_13", "action_set computer_13 does not fit the task miniwob.click-test, which runs in a "
                        "browser: its action sets are web, miniwob."),
    ],
)  # fmt: skip
def test_an_action_set_the_task_lacks_is_a_422_naming_the_field_and_the_fix(
    client: httpx.Client, server: ServerThread, asked: str, says: str
) -> None:
    answer = client.post("/sessions", json={"task": "miniwob.click-test", "action_set": asked})
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["code"] == "VALIDATION_ERROR" and says in error["message"]
    assert [f["field"] for f in error["fields"]] == ["action_set"]
    assert server.context.sessions.sessions == {}  # refused before any environment was made
    unknown_task = client.post("/sessions", json={"task": "miniwob.clik-test", "action_set": "web"})
    assert unknown_task.json()["error"]["fields"][0]["field"] == "task"  # the task's error comes first


def test_openenv_resets_take_the_action_set_when_they_open_a_session(server: ServerThread) -> None:
    with httpx.Client(base_url=server.url, timeout=60) as http:
        opened = http.post("/reset", json={"task": "miniwob.click-test", "seed": 2, "action_set": "web"})
        sid = opened.json()["observation"]["session_id"]
        assert http.get("/state", params={"session_id": sid}).json()["action_set"] == "web"
        other = http.post("/reset", json={"session_id": sid, "action_set": "miniwob"})
        assert other.status_code == 422 and other.json()["error"]["fields"][0]["field"] == "action_set"
        assert http.post("/reset", json={"session_id": sid, "action_set": "web"}).status_code == 200
        http.delete(f"/sessions/{sid}")

    async def over_the_websocket() -> None:
        async with openenv_client(server.url) as env:
            first = await env.reset(task="miniwob.click-test", seed=3, action_set="web")
            x, y = _center_of_button(first.observation)
            assert (await env.state())["action_set"] == "web"
            scrolled = await env.step({"action": f"scroll_at({x}, {y}, 0, 10)"})
            assert scrolled.observation["last_action_error"] == ""
            again = await env.reset(seed=4)  # the same task keeps the session and its set
            assert (await env.state())["action_set"] == "web" and again.observation["goal"]
            with pytest.raises(RuntimeError, match=r"Did you mean: `web`"):
                await env.reset(task="miniwob.click-test", action_set="webb")

    asyncio.run(over_the_websocket())


def test_a_remote_env_opens_its_session_with_the_runs_action_set(server: ServerThread) -> None:
    """`palaestra eval --env-server URL --action-set web` (a `RemoteEnv` made with ``action_set``):
    its action set is the chosen one from the start, and its session parses it."""
    from palaestra.envs.base import make_env
    from palaestra.server.remote import RemoteEnvError

    async def play() -> None:
        env = make_env("miniwob.click-test", server=server.url, action_set="web")
        try:
            assert env.action_set.name == "web" and "scroll_at" in env.action_set  # before any reset
            obs, _ = await env.areset(seed=5)
            x, y = _center_of_button(dict(obs))
            after, _, _, _, _ = await env.astep(f"scroll_at({x}, {y}, 0, 10)")
            assert after["last_action_error"] == ""
        finally:
            await env.aclose()
        with pytest.raises(RemoteEnvError, match=r"Did you mean: `web`\?"):
            make_env("miniwob.click-test", server=server.url, action_set="wbe")

    asyncio.run(play())


def test_openenvs_production_mode_opens_its_session_with_the_action_set(
    start_server: Callable[..., ServerThread],
) -> None:
    """``openenv/session/create`` with ``params.action_set``: the session's tools are those of the
    set (the web set adds navigation to MiniWoB++'s), and a set the task lacks is refused."""
    served = start_server(default_task="miniwob.click-test")

    def rpc(http: httpx.Client, method: str, **params: object) -> dict:
        answer = http.post("/mcp", json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
        return dict(answer.json())

    def tools(http: httpx.Client, sid: str) -> set[str]:
        return {t["name"] for t in rpc(http, "tools/list", session_id=sid)["result"]["tools"]}

    with httpx.Client(base_url=served.url, timeout=60) as http:
        own = rpc(http, "openenv/session/create")["result"]["session_id"]
        web = rpc(http, "openenv/session/create", action_set="web")["result"]["session_id"]
        assert "browser_navigate" not in tools(http, own) and "browser_navigate" in tools(http, web)
        assert http.get(f"/sessions/{web}").json()["state"]["action_set"] == "web"
        refused = rpc(http, "openenv/session/create", action_set="wbe")["error"]
        assert refused["code"] == -32602 and "Did you mean: `web`?" in refused["message"]
        for sid in (own, web):
            rpc(http, "openenv/session/close", session_id=sid)
