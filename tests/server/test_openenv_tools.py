"""OpenEnv's own `MCPToolClient` (the real `openenv-core` package) on ``/ws``: tool actions
(``list_tools``, ``call_tool``) reach the session's MCP tools, one step each, on real Chromium."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

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
