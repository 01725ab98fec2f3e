"""OpenEnv's own `MCPToolClient` (the real `openenv-core` package) on ``/ws``: tool actions
(``list_tools``, ``call_tool``) reach the session's MCP tools, one step each, on real Chromium."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from palaestra.server.run import ServerThread


def tool_client(base_url: str) -> Any:
    """OpenEnv's MCP client, imported here rather than at collection (OpenEnv brings Gradio)."""
    from openenv.core.mcp_client import MCPToolClient

    return MCPToolClient(base_url=base_url)


def test_openenvs_mcp_tool_client_solves_a_task_with_the_sessions_tools(server: ServerThread) -> None:
    async def play() -> None:
        from openenv.core.env_server.mcp_types import CallToolAction, ListToolsAction

        async with tool_client(server.url) as env:
            first = await env.reset(task="miniwob.enter-text", seed=4)
            assert first.done is False
            listed = await env.step(ListToolsAction())
            word = listed.observation.metadata["goal"].split('"')[1]  # the goal: the client drops the reset's
            tools = {t.name: t for t in await env.list_tools()}
            assert {"browser_snapshot", "browser_type", "browser_click", "submit"} <= set(tools)
            assert "browser_navigate" not in tools  # MiniWoB++ has no navigation, as over MCP
            assert tools["browser_click"].input_schema["required"] == ["element", "target"]

            snapshot = await env.call_tool("browser_snapshot")
            textbox = re.search(r"\[(\w+)\] textbox", snapshot)
            button = re.search(r"\[(\w+)\] button 'Submit'", snapshot)
            assert textbox and button, snapshot

            with pytest.raises(
                RuntimeError, match=r"Did you mean: `browser_click`.*\(type: tool_not_found\)"
            ):
                await env.call_tool("browser_clik", element="Submit", target=button.group(1))
            unnamed = r"Bad arguments for browser_click: `target`: Field required.*\(type: invalid_args\)"
            with pytest.raises(RuntimeError, match=unnamed):
                await env.call_tool("browser_click", element="Submit")
            missed = await env.call_tool("browser_click", element="nothing", target="99999")
            assert "### Error\nNo element with id '99999'" in missed  # the page's refusal is a result

            typed = await env.call_tool(
                "browser_type", element="the field", target=textbox.group(1), text=word
            )
            assert f"fill('{textbox.group(1)}', '{word}')" in typed
            clicked = await env.step(
                CallToolAction(
                    tool_name="browser_click", arguments={"element": "Submit", "target": button.group(1)}
                )
            )
            assert (clicked.reward, clicked.done) == (1.0, True)
            assert clicked.observation.error is None
            assert "The episode is over" in clicked.observation.result["data"]
            state = await env.state()
            assert state.step_count == 3  # the missed click, the typing and the click: one step each

    asyncio.run(play())
    assert server.context.sessions.sessions == {}  # closing the connection closed the session


def test_openenvs_mcp_messages_are_pointed_to_where_mcp_is_served(server: ServerThread) -> None:
    """OpenEnv's ``{"type": "mcp"}`` JSON-RPC message on its socket was answered "Unknown message
    type", with no word of the MCP endpoint this server has."""
    import websockets

    async def ask() -> dict[str, Any]:
        async with websockets.connect(server.url.replace("http://", "ws://") + "/ws") as ws:
            await ws.send(json.dumps({"type": "reset", "data": {"task": "miniwob.click-test", "seed": 1}}))
            await ws.recv()
            await ws.send(json.dumps({"type": "state"}))
            sid = json.loads(await ws.recv())["data"]["session_id"]
            await ws.send(
                json.dumps({"type": "mcp", "data": {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}})
            )
            answer = json.loads(await ws.recv())
            return {"sid": sid, **answer}

    answer = asyncio.run(ask())
    assert answer["type"] == "error" and answer["data"]["code"] == "UNKNOWN_TYPE"
    assert answer["data"]["message"].startswith(
        f"'mcp' messages are not served on /ws. MCP is at /mcp/{answer['sid']}"
    )


def test_openenvs_production_mode_plays_the_servers_task_through_json_rpc(
    start_server: Callable[..., ServerThread],
) -> None:
    """`MCPToolClient(use_production_mode=True)` posts JSON-RPC to ``/mcp`` (``openenv/session/create``,
    then ``tools/list`` and ``tools/call`` naming the session): it got no answer but MCP's transport's
    refusals, so its ``list_tools`` was empty and its calls failed."""
    served = start_server(default_task="miniwob.enter-text")

    async def play() -> tuple[str, str]:
        env = tool_client(served.url)
        env.use_production_mode = True
        async with env:
            tools = {t.name for t in await env.list_tools()}
            assert {"browser_snapshot", "browser_type", "browser_click", "submit"} <= tools
            snapshot = await env.call_tool("browser_snapshot")
            word = re.search(r"StaticText 'Enter \"'\s+StaticText '([^']+)'", snapshot)
            textbox = re.search(r"\[(\w+)\] textbox", snapshot)
            button = re.search(r"\[(\w+)\] button 'Submit'", snapshot)
            assert word and textbox and button, snapshot
            with pytest.raises(RuntimeError, match=r"Did you mean: `browser_click`"):
                await env.call_tool("browser_clik", element="Submit", target=button.group(1))
            await env.call_tool(
                "browser_type", element="the field", target=textbox.group(1), text=word.group(1)
            )
            clicked = await env.call_tool("browser_click", element="Submit", target=button.group(1))
            sid = env._production_session_id
            with httpx.Client(base_url=served.url) as http:
                played = http.get(f"/sessions/{sid}").json()
        return clicked, json.dumps(played)

    clicked, played = asyncio.run(play())
    assert "The episode is over" in clicked
    state = json.loads(played)["state"]
    assert (state["total_reward"], state["success"], state["step_count"]) == (1.0, True, 2)  # type, click
    assert served.context.sessions.sessions == {}  # the client's close closed the session


def test_production_mode_without_a_default_task_names_the_fix(server: ServerThread) -> None:
    answer = httpx.post(
        f"{server.url}/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "openenv/session/create"}
    )
    error = answer.json()["error"]
    assert error["code"] == -32602 and "palaestra serve --task TASK" in error["message"]
    unknown = httpx.post(
        f"{server.url}/mcp",
        json={"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {"session_id": "nope"}},
    ).json()["error"]
    assert unknown["code"] == -32602 and "nope" in unknown["message"]


def test_production_mode_reads_an_element_id_written_as_a_whole_number(
    start_server: Callable[..., ServerThread],
) -> None:
    """Small models write ``{"target": 12}``: it was refused ("Input should be a valid string")
    while ``"12"`` worked. A whole number is the id it says; ``12.5`` and ``true`` say no id."""
    served = start_server(default_task="miniwob.click-test")

    def rpc(http: httpx.Client, method: str, **params: Any) -> dict[str, Any]:
        answer = http.post("/mcp", json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
        return dict(answer.json())

    with httpx.Client(base_url=served.url, timeout=60) as http:
        sid = rpc(http, "openenv/session/create")["result"]["session_id"]
        snapshot = rpc(http, "tools/call", session_id=sid, name="browser_snapshot", arguments={})
        button = re.search(r"\[(\d+)\] button", snapshot["result"]["content"][0]["text"])
        assert button, snapshot
        for wrong in (float(button.group(1)) + 0.5, True):
            refused = rpc(
                http, "tools/call", session_id=sid, name="browser_click",
                arguments={"element": "the button", "target": wrong},
            )  # fmt: skip
            message = refused["error"]["message"]
            assert message.startswith("Bad arguments for browser_click: `target`: "), message
            assert f"written as a string ('15') or a whole number (15); got {wrong!r}" in message
        clicked = rpc(
            http, "tools/call", session_id=sid, name="browser_click",
            arguments={"element": "the button", "target": int(button.group(1))},
        )  # fmt: skip
        assert "error" not in clicked, clicked
        assert f"click('{button.group(1)}')" in clicked["result"]["content"][0]["text"]
        state = http.get(f"/sessions/{sid}").json()["state"]
        assert (state["success"], state["step_count"]) == (True, 1)  # the refusals took no step
        rpc(http, "openenv/session/close", session_id=sid)
