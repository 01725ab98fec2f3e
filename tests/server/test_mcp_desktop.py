"""MCP on desktop tasks: the SDK client lists the desktop tools and solves tasks on a real Xvfb desktop."""

from __future__ import annotations

import asyncio
import json
import re
import sys
import tempfile
from collections.abc import Callable, Iterator

import httpx
import pytest
from mcp import Client, StdioServerParameters, stdio_client
from mcp_types import ImageContent, TextContent

from palaestra.server.mcp_desktop import key_action
from palaestra.server.run import ServerThread

DESKTOP_TOOLS = {
    "desktop_snapshot", "desktop_screenshot", "desktop_click", "desktop_type", "desktop_press_key",
    "desktop_hotkey", "desktop_scroll", "desktop_drag", "desktop_move_mouse", "desktop_wait",
    "desktop_pyautogui", "submit",
}  # fmt: skip


def text_of(result: object) -> str:
    content = result.content  # type: ignore[attr-defined]
    assert isinstance(content[0], TextContent)
    return content[0].text


def button_ids(snapshot: str) -> dict[str, tuple[str, tuple[int, int]]]:
    """galculator's buttons: label -> (id, centre on screen)."""
    found = re.findall(r"\[(\w+)\] toggle button '([^']+)'(?: \w+)* \((\d+),(\d+),(\d+),(\d+)\)", snapshot)
    return {name: (ref, (int(x) + int(w) // 2, int(y) + int(h) // 2)) for ref, name, x, y, w, h in found}


@pytest.fixture
def desktop_server(start_server: Callable[..., ServerThread]) -> ServerThread:
    return start_server()  # `pages_ahead` goes only to environments that take it: not a desktop


@pytest.fixture
def http(desktop_server: ServerThread) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=desktop_server.url, timeout=60) as client:
        yield client


def test_the_sdk_client_solves_a_calculator_task_with_the_desktop_tools(
    desktop_server: ServerThread, http: httpx.Client
) -> None:
    made = http.post(
        "/sessions", json={"task": "desktop.calc-add", "seed": 5, "parts": ["axtree", "screenshot"]}
    )
    assert made.status_code == 201, made.text
    session = made.json()
    numbers = re.findall(r"\d+", session["observation"]["goal"])

    def state() -> dict:
        return http.get(f"/sessions/{session['id']}").json()["state"]

    async def play() -> None:
        async with Client(desktop_server.url + session["mcp"], mode="legacy") as mcp:
            assert "You control a Linux desktop" in (mcp.instructions or "")
            assert "web browser" not in (mcp.instructions or "") and numbers[0] in (mcp.instructions or "")
            tools = {t.name: t for t in (await mcp.list_tools()).tools}
            assert set(tools) == DESKTOP_TOOLS  # no browser_* tool on a desktop
            assert {"target", "x", "y"} <= set(tools["desktop_click"].input_schema["properties"])
            snapshot = text_of(await mcp.call_tool("desktop_snapshot", {}))
            assert "- Focused window: galculator" in snapshot and "- Screen: 1280 x 800 pixels" in snapshot
            buttons = button_ids(snapshot)
            shot = (await mcp.call_tool("desktop_screenshot", {})).content[0]
            assert isinstance(shot, ImageContent) and shot.mime_type == "image/png"
            # Bad arguments are tool errors that name the fix, and cost no step.
            for name, arguments, fix in [
                ("desktop_click", {}, "an element id as `target`"),
                ("desktop_click", {"x": 5000, "y": 10}, "x from 0 to 1279"),
                ("desktop_click", {"target": "12", "x": 1, "y": 1}, "not both"),
                ("desktop_press_key", {"key": " ctrl+ +"}, "keys joined by '+'"),
                ("desktop_pyautogui", {"script": "import os\nos.system('true')"}, "not an action call"),
                ("desktop_scroll", {"direction": "sideways"}, "direction"),
                ("desktop_clik", {"target": "12"}, "Did you mean: `desktop_click`?"),
            ]:
                refused = await mcp.call_tool(name, arguments)
                assert refused.is_error and fix in text_of(refused), (name, text_of(refused))
            assert state()["step_count"] == 0
            missed = text_of(await mcp.call_tool("desktop_click", {"target": "9999"}))
            assert "### Error" in missed and "9999" in missed  # only the desktop knows: the step's error
            x, y = buttons["7"][1]
            dragged = text_of(
                await mcp.call_tool("desktop_drag", {"start_x": x, "start_y": y, "end_target": "[9]"})
            )
            assert f"moveTo({x}, {y})\ndragTo('9')" in dragged and "### Error" not in dragged
            scrolled = text_of(await mcp.call_tool("desktop_scroll", {"direction": "down", "target": "9"}))
            assert "scroll(-3, '9')" in scrolled and "### Error" not in scrolled
            await mcp.call_tool("desktop_click", {"target": buttons["AC"][0], "element": "clear all"})
            first, *rest = numbers[0]
            await mcp.call_tool("desktop_click", {"x": buttons[first][1][0], "y": buttons[first][1][1]})
            script = "\n".join(f"click('{buttons[c][0]}')" for c in [*rest, "+", *numbers[1]])
            ran = text_of(await mcp.call_tool("desktop_pyautogui", {"script": script}))
            assert "### Error" not in ran
            done = text_of(await mcp.call_tool("desktop_click", {"target": buttons["="][0]}))
            assert f"value='{int(numbers[0]) + int(numbers[1])}'" in done
            assert "Submitted" in text_of(await mcp.call_tool("submit", {}))
            refused = await mcp.call_tool("desktop_press_key", {"key": "enter"})
            assert refused.is_error and "submitted" in text_of(refused)

    asyncio.run(play())
    assert state()["success"] is True and state()["terminated"] is True  # submit said done()


def test_palaestra_mcp_on_stdio_edits_and_saves_a_file_with_keys_and_shortcuts() -> None:
    command = [sys.executable, "-m", "palaestra.cli", "mcp", "--task", "desktop.editor-append", "--seed", "2"]

    async def play(errors: object) -> None:
        params = StdioServerParameters(command=command[0], args=command[1:])
        async with Client(stdio_client(params, errlog=errors), mode="legacy") as mcp:  # type: ignore[arg-type]
            line = re.search(r"add the line '([^']+)'", mcp.instructions or "")
            assert line and "Linux desktop" in (mcp.instructions or "")
            assert "mousepad" in text_of(await mcp.call_tool("desktop_snapshot", {})).lower()
            moved = text_of(await mcp.call_tool("desktop_press_key", {"key": "ctrl+end"}))
            assert "hotkey('ctrl', 'end')" in moved and "### Error" not in moved
            typed = text_of(await mcp.call_tool("desktop_type", {"text": line.group(1), "submit": True}))
            assert "### Error" not in typed
            saved = text_of(await mcp.call_tool("desktop_hotkey", {"keys": ["ctrl", "s"]}))
            assert "### Error" not in saved
            await mcp.call_tool("submit", {})

    with tempfile.TemporaryFile("w+") as errors:
        asyncio.run(play(errors))
        errors.seek(0)
        lines = [line for line in errors.read().splitlines() if line.startswith("{")]
    (verdict,) = [json.loads(line) for line in lines]
    assert verdict["task"] == "desktop.editor-append" and verdict["success"] is True, verdict


def test_keys_and_shortcuts_become_press_or_hotkey() -> None:
    assert key_action("t", "enter") == "press('enter')"
    assert key_action("t", "tab", presses=3) == "press('tab', presses=3)"
    assert key_action("t", "ctrl+s") == "hotkey('ctrl', 's')"
    assert key_action("t", "ctrl+shift++") == "hotkey('ctrl', 'shift', '+')"
    assert key_action("t", "+") == "press('+')" and key_action("t", " ") == "press(' ')"


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
