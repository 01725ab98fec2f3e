"""MCP: the SDK client over Streamable HTTP and stdio, and an OpenAI tool-calling agent, on real tasks."""

from __future__ import annotations

import asyncio
import json
import re
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from mcp import Client, StdioServerParameters, stdio_client
from mcp_types import ImageContent, TextContent
from openai import AsyncOpenAI

from palaestra.server.mcp import call, target_id
from palaestra.server.mcp_agent import openai_tools, run_openai_agent
from palaestra.server.run import ServerThread
from palaestra.testing import Reply, ScriptedLLMServer, ScriptRequest, ToolCallSpec, reply_tool_call

PLAYWRIGHT_TOOLS = {
    "browser_snapshot", "browser_click", "browser_type", "browser_press_key", "browser_select_option",
    "browser_hover", "browser_drag", "browser_take_screenshot", "browser_wait_for", "submit",
}  # fmt: skip


def ids_in(snapshot: str) -> tuple[str, str]:
    """The text field's and the submit button's ids in an enter-text snapshot."""
    textbox = re.search(r"\[(\w+)\] textbox", snapshot)
    button = re.search(r"\[(\w+)\] button 'Submit'", snapshot)
    assert textbox and button, snapshot
    return textbox.group(1), button.group(1)


def text_of(result: object) -> str:
    content = result.content  # type: ignore[attr-defined]
    assert isinstance(content[0], TextContent)
    return content[0].text


def open_session(http: httpx.Client, task: str, seed: int) -> dict:
    made = http.post("/sessions", json={"task": task, "seed": seed, "parts": ["axtree", "screenshot"]})
    assert made.status_code == 201, made.text
    return made.json()


def test_the_sdk_client_solves_a_task_over_streamable_http(
    server: ServerThread, client: httpx.Client
) -> None:
    session = open_session(client, "miniwob.enter-text", 7)
    word = session["observation"]["goal"].split('"')[1]

    async def play() -> None:
        async with Client(server.url + session["mcp"], mode="legacy") as mcp:  # a real initialize handshake
            assert word in (mcp.instructions or "")
            tools = {t.name: t for t in (await mcp.list_tools()).tools}
            assert set(tools) == PLAYWRIGHT_TOOLS  # no navigation tools: MiniWoB++ has no goto
            assert {"element", "target"} <= set(tools["browser_click"].input_schema["properties"])
            goal = await mcp.read_resource("palaestra://goal")
            assert word in goal.contents[0].text  # type: ignore[union-attr]
            snapshot = text_of(await mcp.call_tool("browser_snapshot", {}))
            assert "- Page URL: (a local page)\n" in snapshot and "enter-text" not in snapshot  # no path
            textbox, button = ids_in(snapshot)
            typed = text_of(await mcp.call_tool(
                "browser_type", {"element": "text field", "target": textbox, "text": word}
            ))  # fmt: skip
            assert f"fill('{textbox}', '{word}')" in typed and "### Error" not in typed
            missed = text_of(await mcp.call_tool("browser_hover", {"element": "x", "target": "9999"}))
            assert "### Error" in missed and "9999" in missed  # the action's error, with the snapshot
            shot = (await mcp.call_tool("browser_take_screenshot", {})).content[0]
            assert isinstance(shot, ImageContent) and shot.mime_type == "image/png"
            clicked = text_of(
                await mcp.call_tool("browser_click", {"element": "Submit", "target": f"[{button}]"})
            )
            assert "The episode is over" in clicked
            assert "Submitted" in text_of(await mcp.call_tool("submit", {}))
            late = await mcp.call_tool("browser_snapshot", {})
            assert not late.is_error  # reading is still fine; acting is not
            refused = await mcp.call_tool("browser_click", {"element": "Submit", "target": button})
            assert refused.is_error and "submitted" in text_of(refused)

    asyncio.run(play())
    state = client.get(f"/sessions/{session['id']}").json()["state"]  # the harness reads the verdict
    assert state["success"] is True and state["submission"] == {
        "answer": None,
        "infeasible": False,
        "reason": "",
    }


def test_a_task_with_tools_offers_search_apis_and_call_api(
    server: ServerThread, client: httpx.Client
) -> None:
    session = open_session(client, "tools.calculate", 3)
    expression = re.search(r"Compute (.+) and enter", session["observation"]["goal"])
    assert expression, session["observation"]["goal"]

    async def play() -> None:
        async with Client(server.url + session["mcp"], mode="legacy") as mcp:
            assert "calc/evaluate" in (mcp.instructions or "")  # the tools are listed up front
            names = {t.name for t in (await mcp.list_tools()).tools}
            assert {"search_apis", "call_api"} <= names
            found = text_of(
                await mcp.call_tool("search_apis", {"query": "evaluate an arithmetic expression"})
            )
            assert "### Tool results" in found and "calc/evaluate" in found.split("### Tool results")[1]
            wrong = text_of(await mcp.call_tool("call_api", {"api": "calc/evaluate", "arguments": {"x": 1}}))
            assert '"ok": false' in wrong  # a bad call is data for the agent, not a protocol error
            done = text_of(await mcp.call_tool(
                "call_api", {"api": "calc/evaluate", "arguments": {"expression": expression.group(1)}}
            ))  # fmt: skip
            value = float(json.loads(done.split("### Tool results\n")[1].splitlines()[0])["content"])
            textbox = re.search(r"\[(\w+)\] textbox", done)
            button = re.search(r"\[(\w+)\] button 'Submit'", done)
            assert textbox and button, done
            await mcp.call_tool(
                "browser_type", {"element": "answer", "target": textbox.group(1), "text": f"{value:.2f}"}
            )
            await mcp.call_tool("browser_click", {"element": "Submit", "target": button.group(1)})
            await mcp.call_tool("submit", {})

    asyncio.run(play())
    assert client.get(f"/sessions/{session['id']}").json()["state"]["success"] is True


def test_an_unknown_tool_or_bad_arguments_are_answered_with_the_fix(
    server: ServerThread, client: httpx.Client
) -> None:
    """The SDK's answer was only "Unknown tool: browser_clik": a model that guessed learned nothing."""
    session = open_session(client, "miniwob.click-test", 1)

    async def play() -> None:
        async with Client(server.url + session["mcp"], mode="legacy") as mcp:
            typo = await mcp.call_tool("browser_clik", {"element": "x", "target": "15"})
            assert typo.is_error and "Did you mean: `browser_click`?" in text_of(typo)
            absent = await mcp.call_tool("browser_navigate", {"url": "http://example.com"})
            assert absent.is_error and "browser_snapshot" in text_of(absent)  # MiniWoB++ has no navigation
            # Pydantic's own text named its model ("browser_clickArguments") and a web page, not the fix.
            untargeted = await mcp.call_tool("browser_click", {"element": "the button"})
            assert untargeted.is_error and text_of(untargeted) == (
                "Bad arguments for browser_click: `target`: Field required. Fix: call it again with the "
                "arguments its input schema names (tools/list)."
            )
            wrong_type = await mcp.call_tool("browser_wait_for", {"time": "soon"})
            assert wrong_type.is_error and "`time`: Input should be a valid number" in text_of(wrong_type)
            clicked = await mcp.call_tool("browser_click", {"element": "the button", "target": "15"})
            assert not clicked.is_error and "### Error" not in text_of(clicked)
            # The environment's own answer said "call reset()", which is no tool here.
            again = await mcp.call_tool("browser_click", {"element": "the button", "target": "15"})
            assert again.is_error and "no more actions. Call submit to finish." in text_of(again)
            assert "reset" not in text_of(again)

    asyncio.run(play())


def test_mcp_over_http_keeps_the_token_rules(start_server: Callable[..., ServerThread]) -> None:
    server = start_server(tokens=("owner-token", "other-token"))
    with httpx.Client(
        base_url=server.url, timeout=60, headers={"Authorization": "Bearer owner-token"}
    ) as http:
        sid = open_session(http, "miniwob.click-test", 0)["id"]
    hello = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
             "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                        "clientInfo": {"name": "t", "version": "0"}}}  # fmt: skip
    accept = {"Accept": "application/json, text/event-stream"}
    with httpx.Client(base_url=server.url, timeout=60) as raw:
        assert raw.post(f"/mcp/{sid}", json=hello, headers=accept).status_code == 401
        other = raw.post(f"/mcp/{sid}", json=hello, headers={**accept, "Authorization": "Bearer other-token"})
        assert other.status_code == 404
        mine = raw.post(f"/mcp/{sid}", json=hello, headers={**accept, "Authorization": "Bearer owner-token"})
        assert mine.status_code == 200 and "palaestra" in mine.text


def test_palaestra_mcp_over_stdio_prints_the_verdict(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "palaestra.cli", "mcp", "--task", "miniwob.click-test", "--seed", "3"]

    async def play(errors: object) -> None:
        params = StdioServerParameters(command=command[0], args=command[1:])
        async with Client(stdio_client(params, errlog=errors), mode="legacy") as mcp:  # type: ignore[arg-type]
            button = re.search(r"\[(\w+)\] button", text_of(await mcp.call_tool("browser_snapshot", {})))
            assert button
            await mcp.call_tool("browser_click", {"element": "the button", "target": button.group(1)})
            await mcp.call_tool("submit", {})

    with tempfile.TemporaryFile("w+") as errors:
        asyncio.run(play(errors))
        errors.seek(0)
        lines = [line for line in errors.read().splitlines() if line.startswith("{")]
    (verdict,) = [json.loads(line) for line in lines]
    assert verdict["task"] == "miniwob.click-test" and verdict["seed"] == 3
    assert verdict["success"] is True and verdict["step_count"] == 1 and verdict["submission"] is not None


def scripted_enter_text(request: ScriptRequest) -> Reply:
    """A model that reads the snapshot the MCP tools answer, types the word, clicks, submits."""
    tool_answers = [m["content"] for m in request.messages if m.get("role") == "tool"]
    if not tool_answers:
        return reply_tool_call("browser_snapshot", {})
    if len(tool_answers) == 1:
        word = request.messages[0]["content"].split('"')[1]
        textbox, _ = ids_in(tool_answers[0])
        return reply_tool_call("browser_type", {"element": "text field", "target": textbox, "text": word})
    if len(tool_answers) == 2:
        _, button = ids_in(tool_answers[1])
        return Reply(tool_calls=(ToolCallSpec("browser_click", {"element": "Submit", "target": button}),))
    return reply_tool_call("submit", {})


def test_an_openai_tool_calling_agent_gets_the_mcp_tools_as_functions(
    server: ServerThread, client: httpx.Client
) -> None:
    session = open_session(client, "miniwob.enter-text", 11)

    async def play(llm_url: str) -> list[str]:
        llm = AsyncOpenAI(base_url=llm_url, api_key="scripted", max_retries=0)
        async with Client(server.url + session["mcp"], mode="legacy") as mcp:
            run = await run_openai_agent(mcp, llm, "scripted-model")
        assert run.submitted
        return run.tool_calls

    with ScriptedLLMServer(scripted_enter_text) as llm_server:
        calls = asyncio.run(play(llm_server.base_url))
        first = llm_server.chat_requests[0]
    assert calls == ["browser_snapshot", "browser_type", "browser_click", "submit"]
    functions = {t["function"]["name"]: t["function"] for t in first.tools}
    assert set(functions) == PLAYWRIGHT_TOOLS
    assert functions["browser_click"]["parameters"]["required"] == ["element", "target"]
    assert "Enter" in first.messages[0]["content"]  # the goal came as the server's instructions
    assert client.get(f"/sessions/{session['id']}").json()["state"]["success"] is True


def test_action_strings_are_literals() -> None:
    assert call("fill", "12", 'it\'s "x"') == "fill('12', 'it\\'s \"x\"')"
    assert [target_id(t) for t in ("15", "[15]", "ref=15", " a12 ")] == ["15", "15", "15", "a12"]
    assert openai_tools([]) == []


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


def test_palaestra_mcp_over_stdio_takes_another_action_set(tmp_path: Path) -> None:
    """``--action-set web`` opens a MiniWoB++ task with navigation, as a session's ``action_set``
    does: its tools follow (``browser_navigate`` is offered), and the task is still solved."""
    command = [sys.executable, "-m", "palaestra.cli", "mcp", "--task", "miniwob.click-test", "--seed", "3"]

    async def tools(extra: list[str]) -> set[str]:
        params = StdioServerParameters(command=command[0], args=[*command[1:], *extra])
        with tempfile.TemporaryFile("w+") as errors:
            async with Client(stdio_client(params, errlog=errors), mode="legacy") as mcp:  # type: ignore[arg-type]
                names = {t.name for t in (await mcp.list_tools()).tools}
                snapshot = text_of(await mcp.call_tool("browser_snapshot", {}))
                button = re.search(r"\[(\w+)\] button", snapshot)
                assert button
                await mcp.call_tool("browser_click", {"element": "the button", "target": button.group(1)})
                await mcp.call_tool("submit", {})
            errors.seek(0)
            (verdict,) = [json.loads(x) for x in errors.read().splitlines() if x.startswith("{")]
        assert verdict["success"] is True
        return names

    web = asyncio.run(tools(["--action-set", "web"]))
    own = asyncio.run(tools([]))
    assert {"browser_navigate", "browser_navigate_back", "browser_tabs"} <= web - own


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("wbe", "Unknown action set `wbe`. Did you mean: `web`?"),
        ("computer_13", "--action-set computer_13 does not fit the task miniwob.click-test"),
    ],
)
def test_palaestra_mcp_refuses_an_action_set_the_task_has_not(
    name: str, said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Refused before any browser starts, naming the sets there are (over stdio nothing is served)."""
    from palaestra.cli import main

    assert main(["mcp", "--task", "miniwob.click-test", "--action-set", name]) == 2
    err = capsys.readouterr().err
    assert said in err and "web" in err and "miniwob" in err
