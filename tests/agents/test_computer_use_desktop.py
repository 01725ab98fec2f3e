"""``ComputerUseAgent`` on a real Xvfb desktop (galculator on a 1920 x 1080 screen, sent to the
model at 1280 x 720): the same Anthropic calls as on the web, written as PyAutoGUI, clicking the
calculator's keys where the scaled screenshot shows them; a keysym (``Return``) presses the key."""

from __future__ import annotations

import re
from typing import Any

from palaestra.agents.base import TaskInfo
from palaestra.agents.computer_use import ComputerUseAgent, ComputerUseConfig
from palaestra.agents.llm.chat import ChatModel
from palaestra.agents.llm.config import LLMConfig
from palaestra.envs.desktop import DesktopEnv
from palaestra.testing import ScriptedLLMServer, reply_tool_call
from palaestra.testing.script import Reply


def _key_on_screenshot(obs: dict[str, Any], name: str, shrink: float) -> list[int]:
    """Where the model sees galculator's key ``name``: its box's centre in the scaled screenshot
    (a scripted stand-in for a model that reads pixels)."""
    x, y, w, h = next(
        e["bbox"] for e in obs["elements"] if e["role"] == "toggle button" and e["name"] == name
    )
    return [round((x + w / 2) * shrink), round((y + h / 2) * shrink)]


def test_clicks_on_a_scaled_desktop_screenshot_compute_the_sum() -> None:
    env = DesktopEnv("desktop.calc-add", screen_size=(1920, 1080))
    try:
        obs, _ = env.reset(seed=0)
        assert obs["screenshot"].shape == (1080, 1920, 3)
        first, second = re.findall(r"\d+", obs["goal"])[:2]
        shrink = 1280 / 1920
        script: list[Reply] = [
            reply_tool_call(
                "computer", {"action": "left_click", "coordinate": _key_on_screenshot(obs, k, shrink)}
            )
            for k in [*first, "+", *second]
        ]
        script.append(reply_tool_call("computer", {"action": "key", "text": "Return"}))
        with ScriptedLLMServer(script) as server:
            model = ChatModel(LLMConfig(model="cua", base_url=server.base_url, api_key="t", max_retries=0))
            agent = ComputerUseAgent(ComputerUseConfig(), model=model)
            agent.reset(TaskInfo(goal=obs["goal"], action_set=env.action_set))
            actions = []
            for _ in range(len(script)):
                step = agent.act(obs)
                actions.append(step.action)
                obs, reward, terminated, _, _ = env.step(step.action)
                assert obs["last_action_error"] == "", actions
                if terminated:
                    break
            sent = server.requests[0].json
        assert (reward, terminated) == (1.0, True), actions
        assert actions[-1] == "press('Return')"  # galculator's task ends when its display is right
        assert "1280 x 720" in sent["tools"][0]["function"]["description"]
    finally:
        env.close()
