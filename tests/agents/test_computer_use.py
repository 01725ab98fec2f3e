"""``ComputerUseAgent`` on real Chromium, its model scripted at the wire: computer-use tool calls
(Anthropic's and OpenAI's) in the pixels of a scaled-down screenshot are played at the right
screen points, and calls that cannot be played cost a waiting step, never a crash."""

from __future__ import annotations

import base64
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np
import pytest

from palaestra.agents.base import TaskInfo
from palaestra.agents.computer_use import ComputerUseAgent, ComputerUseConfig
from palaestra.agents.computer_use_actions import ComputerUseActions, ComputerUseError, ScreenScale
from palaestra.agents.llm.chat import ChatModel
from palaestra.agents.llm.config import LLMConfig
from palaestra.cli import main
from palaestra.envs import BrowserEnv
from palaestra.envs.actions import MINIWOB_ACTIONS, WEB_ACTIONS
from palaestra.envs.actions.action_set import get_action_set
from palaestra.envs.obs import ObsConfig
from palaestra.errors import ConfigError
from palaestra.runs.results import load_rows
from palaestra.tasks.page import PageTask
from palaestra.testing import ScriptedLLMServer, reply_text, reply_tool_call
from palaestra.testing.script import Reply

#: A 1600 x 1000 page (larger than the model's 1280 x 800): a button far right and low, a field.
PAGE = "data:text/html," + quote(
    "<body style='margin:0'>"
    "<input id='q' style='position:absolute;left:100px;top:100px;width:300px;height:30px'>"
    "<button style='position:absolute;left:1400px;top:900px;width:40px;height:30px' "
    "onclick=\"document.title='go:'+document.getElementById('q').value\">Go</button></body>"
)


@pytest.fixture
def env() -> Iterator[BrowserEnv]:
    task = PageTask(PAGE, "Search for cats.", "document.title == 'go:cats'", viewport=(1600, 1000))
    # one episode per test: no pages prepared ahead for episodes never played
    environment = BrowserEnv(task, obs_config=ObsConfig(axtree=False, dom=False), pages_ahead=0)
    yield environment
    environment.close()


def _agent(server: ScriptedLLMServer, dialect: str = "anthropic") -> ComputerUseAgent:
    model = ChatModel(LLMConfig(model="cua", base_url=server.base_url, api_key="test", max_retries=0))
    return ComputerUseAgent(ComputerUseConfig(dialect=dialect), model=model)  # type: ignore[arg-type]


def _play(env: BrowserEnv, agent: ComputerUseAgent, steps: int) -> tuple[float, bool, list[str]]:
    obs, _ = env.reset(seed=0)
    agent.reset(TaskInfo(goal=obs["goal"], action_set=env.action_set))
    reward, terminated, errors = 0.0, False, []
    for _ in range(steps):
        step = agent.act(obs)
        obs, reward, terminated, _, _ = env.step(step.action)
        errors.append(obs["last_action_error"] or step.extra.get("action_error", ""))
        if terminated:
            break
    return float(reward), terminated, errors


def _png_size(message: dict[str, Any]) -> tuple[int, int]:
    """The (width, height) of the PNG a user message sends, read from its header."""
    url = next(p for p in message["content"] if p["type"] == "image_url")["image_url"]["url"]
    data = base64.b64decode(url.split(",", 1)[1])
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_anthropic_calls_on_a_scaled_screenshot_land_on_the_screen(env: BrowserEnv) -> None:
    """The model sees 1280 x 800 and clicks there: x0.8 of the page's points."""
    script = [
        reply_tool_call("computer", {"action": "left_click", "coordinate": [200, 92]}),  # the field
        reply_tool_call("computer", {"action": "type", "text": "cats"}),
        reply_tool_call("computer", {"action": "left_click", "coordinate": [1136, 732]}),  # Go
    ]
    with ScriptedLLMServer(script) as server:
        reward, terminated, errors = _play(env, _agent(server), 3)
        first = server.requests[0].json
    assert (reward, terminated, errors) == (1.0, True, ["", "", ""])
    user = first["messages"][1]
    assert _png_size(user) == (1280, 800)
    assert "1280 x 800" in first["tools"][0]["function"]["description"]
    # Screenshot only: the prompt's text is the goal, nothing of the page's tree or DOM.
    assert [p["text"] for p in user["content"] if p["type"] == "text"] == ["Goal: Search for cats."]


def test_openai_calls_click_type_and_press_keys(env: BrowserEnv) -> None:
    script = [
        reply_tool_call("computer", {"type": "click", "button": "left", "x": 200, "y": 92}),
        reply_tool_call("computer", {"type": "type", "text": "dogs"}),
        reply_tool_call("computer", {"type": "keypress", "keys": ["CTRL", "A"]}),
        reply_tool_call("computer", {"type": "type", "text": "cats"}),
        reply_tool_call("computer", {"type": "double_click", "x": 1136, "y": 732}),
    ]
    with ScriptedLLMServer(script) as server:
        reward, terminated, errors = _play(env, _agent(server, "openai"), 5)
    assert (reward, terminated, errors) == (1.0, True, ["", "", "", "", ""])


@pytest.mark.parametrize(
    ("call", "error"),
    [
        ({"action": "left_click", "coordinate": [1280, 10]}, "x runs from 0 to 1279 and y from 0 to 799"),
        ({"action": "left_click", "coordinate": [-5, 10]}, "off the screenshot"),
        ({"action": "left_click", "coordinate": ["a", 10]}, "got 'a'; x runs from 0 to 1279"),
        ({"action": "left_click", "coordinate": [1]}, "must be a point [x, y]"),
        ({"action": "fly"}, "Unknown computer action 'fly'"),
        (
            {"action": "scroll", "coordinate": [5, 5], "scroll_direction": "sideways"},
            "up, down, left or right",
        ),
        ({"type": "click", "x": 3}, "got None"),
        ("not json {", "not JSON"),
    ],
)
def test_a_call_that_cannot_be_played_waits_and_tells_the_model(
    env: BrowserEnv, call: dict[str, Any] | str, error: str
) -> None:
    script: list[Reply] = [reply_tool_call("computer", call), reply_text("I give up.")]
    with ScriptedLLMServer(script) as server:
        agent = _agent(server)
        obs, _ = env.reset(seed=0)
        agent.reset(TaskInfo(goal=obs["goal"], action_set=env.action_set))
        step = agent.act(obs)
        assert error in step.extra["action_error"] and step.action == "noop(0)"
        obs, _, terminated, truncated, info = env.step(step.action)
        assert (obs["last_action_error"], terminated, truncated, info["error"]) == ("", False, False, {})
        last = agent.act(obs)
        told = server.requests[1].json["messages"][1]["content"][0]["text"]
    assert error in told and "not played" in told
    assert last.action == "send_msg_to_user('I give up.')"


def test_a_triple_click_selects_a_paragraph_on_a_real_page() -> None:
    """Anthropic's ``triple_click`` in a browser is ``mouse_click(..., click_count=3)``: the page
    sees one click of each count, and Chromium selects the whole paragraph under the point (a
    double click selects one word)."""
    page = "data:text/html," + quote(
        "<body style='margin:0;font:20px sans-serif'>"
        "<p style='margin:0;height:60px'>First paragraph stays.</p>"
        "<p id='two' style='margin:0;height:60px'>Select all of this paragraph please.</p>"
        "<p style='margin:0;height:60px'>Third one too.</p><script>"
        "document.addEventListener('selectionchange', () => {"
        "document.title = 'selected:' + getSelection().toString().trim(); });</script></body>"
    )
    done = "document.title == 'selected:Select all of this paragraph please.'"
    task = PageTask(page, "Select the second paragraph.", done, viewport=(800, 600))
    env = BrowserEnv(task, obs_config=ObsConfig(axtree=False, dom=False), pages_ahead=0)
    script = [
        reply_tool_call("computer", {"action": "double_click", "coordinate": [30, 80]}),
        reply_tool_call("computer", {"action": "triple_click", "coordinate": [30, 80]}),
    ]
    try:
        with ScriptedLLMServer(script) as server:
            agent = _agent(server)
            obs, _ = env.reset(seed=0)
            agent.reset(TaskInfo(goal=obs["goal"], action_set=env.action_set))
            step = agent.act(obs)
            obs, reward, terminated, *_ = env.step(step.action)
            assert (reward, terminated, obs["last_action_error"]) == (0.0, False, "")  # one word
            step = agent.act(obs)
            assert step.action == "mouse_click(30, 80, button='left', click_count=3)"
            obs, reward, terminated, *_ = env.step(step.action)
        assert (reward, terminated, obs["last_action_error"]) == (1.0, True, "")
    finally:
        env.close()


def test_a_page_scrolled_before_the_click_is_clicked_where_it_is_shown() -> None:
    """Coordinates are the viewport's, as the screenshot: after a wheel scroll of 600 px, the point
    a button is drawn at is where the click lands."""
    page = "data:text/html," + quote(
        "<body style='margin:0;height:3000px'><button style='position:absolute;left:10px;top:700px;"
        "width:100px;height:40px' onclick=\"document.title='hit'\">B</button></body>"
    )
    task = PageTask(page, "Press B.", "document.title == 'hit'", viewport=(800, 600))
    env = BrowserEnv(task, pages_ahead=0)  # one episode
    script = [
        reply_tool_call("computer", {"action": "scroll", "coordinate": [400, 300], "scroll_amount": 6}),
        reply_tool_call("computer", {"action": "left_click", "coordinate": [50, 120]}),
    ]
    try:
        with ScriptedLLMServer(script) as server:
            assert _play(env, _agent(server), 2) == (1.0, True, ["", ""])
    finally:
        env.close()


ANTHROPIC_WEB = [
    ({"action": "right_click", "coordinate": [10, 20]}, ["mouse_click(12, 25, button='right')"]),
    ({"action": "mouse_move", "coordinate": [10, 20]}, ["mouse_move(12, 25)"]),
    (
        {"action": "left_click_drag", "start_coordinate": [0, 0], "coordinate": [10, 20]},
        ["mouse_drag_and_drop(0, 0, 12, 25)"],
    ),
    (
        {"action": "scroll", "coordinate": [8, 8], "scroll_direction": "up", "scroll_amount": 2},
        ["mouse_move(10, 10)", "scroll(0, -200)"],
    ),
    ({"action": "key", "text": "ctrl+a Return"}, ["keyboard_press('ctrl+a')", "keyboard_press('Return')"]),
    (
        {"action": "left_click", "coordinate": [8, 8], "text": "shift"},
        ["keyboard_down('shift')", "mouse_click(10, 10, button='left')", "keyboard_up('shift')"],
    ),
    ({"action": "wait", "duration": 1.5}, ["noop(1500)"]),
]
ANTHROPIC_DESKTOP = [
    ({"action": "triple_click", "coordinate": [10, 20]}, ["tripleClick(12, 25, button='left')"]),
    ({"action": "middle_click", "coordinate": [10, 20]}, ["click(12, 25, button='middle')"]),
    (
        {"action": "left_click_drag", "start_coordinate": [0, 0], "coordinate": [10, 20]},
        ["moveTo(0, 0)", "dragTo(12, 25, button='left')"],
    ),
    (
        {"action": "scroll", "coordinate": [8, 8], "scroll_direction": "down", "scroll_amount": 3},
        ["scroll(-3, x=10, y=10)"],
    ),
    ({"action": "key", "text": "ctrl+shift+t"}, ["hotkey('ctrl', 'shift', 't')"]),
    (
        {"action": "hold_key", "text": "shift", "duration": 0.5},
        ["keyDown('shift')", "wait(0.5)", "keyUp('shift')"],
    ),
    ({"type": "keypress", "keys": ["ARROWDOWN"]}, ["press('ARROWDOWN')"]),
    ({"type": "scroll", "x": 8, "y": 8, "scroll_x": 0, "scroll_y": 300}, ["scroll(-3, x=10, y=10)"]),
    (
        {"type": "drag", "path": [{"x": 0, "y": 0}, {"x": 4, "y": 4}, {"x": 8, "y": 8}]},
        ["moveTo(0, 0)", "dragTo(10, 10, button='left')"],
    ),
]


@pytest.mark.parametrize(("call", "lines"), ANTHROPIC_WEB)
def test_calls_are_written_as_browser_actions(call: dict[str, Any], lines: list[str]) -> None:
    assert ComputerUseActions(WEB_ACTIONS, ScreenScale((1000, 1000), (800, 800))).write(call) == lines


@pytest.mark.parametrize(("call", "lines"), ANTHROPIC_DESKTOP)
def test_calls_are_written_as_pyautogui(call: dict[str, Any], lines: list[str]) -> None:
    desktop = get_action_set("pyautogui")
    assert ComputerUseActions(desktop, ScreenScale((1000, 1000), (800, 800))).write(call) == lines


def test_what_a_set_cannot_do_is_said() -> None:
    writer = ComputerUseActions(MINIWOB_ACTIONS, ScreenScale((500, 320), (500, 320)))
    with pytest.raises(ComputerUseError, match="cannot hold keys"):
        writer.write({"action": "hold_key", "text": "shift"})
    with pytest.raises(ComputerUseError, match="needs `coordinate`"):
        writer.write({"action": "left_click"})  # no point given, and the pointer was never placed
    assert writer.write({"action": "mouse_move", "coordinate": [3, 4]}) == ["mouse_move(3, 4)"]
    assert writer.write({"action": "left_click"}) == ["mouse_click(3, 4, button='left')"]
    assert writer.write({"action": "triple_click", "coordinate": [3, 3]}) == [
        "mouse_click(3, 3, button='left', click_count=3)"  # MiniWoB++'s set has mouse_click too
    ]
    assert ScreenScale.fit((1920, 1080), (1280, 800)).model == (1280, 720)
    assert ScreenScale.fit((500, 320), (1280, 800)).model == (500, 320)


def test_a_final_answer_is_sent_and_on_the_desktop_ends_the_episode() -> None:
    scale = ScreenScale((800, 600), (800, 600))
    assert ComputerUseActions(WEB_ACTIONS, scale).finish("42") == "send_msg_to_user('42')"
    desktop = ComputerUseActions(get_action_set("pyautogui"), scale)
    assert desktop.finish("42") == "send_msg_to_user('42')\nDONE"
    assert desktop.finish("") == "DONE"


def test_a_run_plays_the_agent_by_its_class_path(tmp_path: Path) -> None:
    """``palaestra eval --agent palaestra.agents.computer_use:ComputerUseAgent`` with its model's
    endpoint and prices as ``--agent-arg``s: MiniWoB++'s click-test solved by one computer call."""
    env = BrowserEnv("miniwob.click-test", pages_ahead=0)  # one reset, to read the button's place
    try:
        obs, _ = env.reset(seed=0)
        x, y, w, h = next(e["bbox"] for e in obs["elements"] if e["tag"] == "button")
    finally:
        env.close()
    click = reply_tool_call("computer", {"action": "left_click", "coordinate": [x + w / 2, y + h / 2]})
    with ScriptedLLMServer([click]) as llm:
        argv = ["eval", "--agent", "palaestra.agents.computer_use:ComputerUseAgent", "--agent-arg",
                "model=cua", "--agent-arg", f"base_url={llm.base_url}", "--agent-arg", "dialect=anthropic",
                "--agent-arg", "price_input_per_mtok=1000", "--agent-arg", "price_output_per_mtok=5000",
                "--tasks", "click-test", "--seeds", "0", "--max-steps", "2", "--workers", "1",
                "--out", str(tmp_path / "run")]  # fmt: skip
        assert main(argv) == 0
    (row,) = load_rows(tmp_path / "run")
    assert row["status"] == "done" and row["success"], row
    # Its prices count its calls, as the other LLM agents' do (`EndpointArgs`).
    assert row["tokens_in"] > 0 and row["cost"] == pytest.approx(
        (row["tokens_in"] * 1000 + row["tokens_out"] * 5000) / 1e6
    )


def test_an_observation_without_a_screenshot_names_the_fix() -> None:
    agent = ComputerUseAgent(
        ComputerUseConfig(), model=ChatModel(LLMConfig(model="cua", base_url="http://127.0.0.1:9/v1"))
    )
    agent.reset(TaskInfo(goal="Press Go.", action_set=WEB_ACTIONS))
    with pytest.raises(ConfigError, match="ObsConfig\\(screenshot=True\\)"):
        agent.act({"goal": "Press Go.", "screenshot": np.zeros((0, 0, 3), dtype=np.uint8)})
