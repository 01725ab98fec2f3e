"""Agents for the runner's tests (most misbehave on purpose), loaded by its workers by import path.

The tests put this folder on `sys.path`; spawned workers inherit it, so `--agent
runner_agents:HangingAgent` resolves in them as a user's own agent class would.
"""

from __future__ import annotations

import asyncio
import json
import re
import time

from palaestra.agents.base import Agent, AgentStep, TaskInfo
from palaestra.agents.llm import LLMResponseError
from palaestra.envs.obs import Observation


class HangingAgent(Agent):
    """Never answers: only the runner's episode timeout can end its episodes."""

    async def aact(self, obs: Observation) -> AgentStep:
        await asyncio.sleep(3600)
        return AgentStep(action="noop(0)")


class CrashingAgent(Agent):
    """Raises on its first decision: a bug in the agent, an error that retrying cannot fix."""

    async def aact(self, obs: Observation) -> AgentStep:
        raise ZeroDivisionError("the agent's own bug")


class IdleAgent(Agent):
    """Waits on every step: its episodes end at the step limit, a failure and not an error."""

    async def aact(self, obs: Observation) -> AgentStep:
        return AgentStep(action="noop(0)")


class CalculatorAgent(Agent):
    """Plays `tools.calculate` from the goal alone: searches for a tool, sends it a malformed
    expression first (an API error the run's feedback must record), then the right one, and types
    what it answered; every second episode it types a wrong answer instead (a failed episode)."""

    def __init__(self) -> None:
        super().__init__()
        self.episodes = 0
        self.plan: list[str] = []

    async def areset(self, task: TaskInfo) -> None:
        await super().areset(task)
        self.episodes += 1
        found = re.search(r"Compute (.+?) and enter", task.goal)
        expression = found.group(1) if found else "0"
        self.plan = [
            "search_apis('evaluate an arithmetic expression', k=3)",
            "call_api('calc/evaluate', {'expression': '2 +* 3'})",
            f"call_api('calc/evaluate', {{'expression': '{expression}'}})",
        ]

    async def aact(self, obs: Observation) -> AgentStep:
        if self.plan:
            return AgentStep(action=self.plan.pop(0))
        answer = json.loads(obs["tool_results"])["content"]
        value = f"{float(answer):.2f}" if self.episodes % 2 else "0.00"
        box = re.search(r"\[(\w+)\] textbox", obs["axtree"])
        submit = re.search(r"\[(\w+)\] button\b[^\n]*Submit", obs["axtree"])
        assert box and submit, obs["axtree"]
        return AgentStep(action=f"fill('{box.group(1)}', '{value}')\nclick('{submit.group(1)}')")


class SlowActionsAgent(Agent):
    """Asks for what no step can do in time: waits longer than the step's timeout, a click a world
    away, then actions that together outlast the step's share for actions. Each is its own failed
    action (its episodes end at the step limit), never the environment's step timeout."""

    ACTIONS = ("noop(60000)", "mouse_click(1e308, -1e308)", "noop(900)\nnoop(900)\nnoop(900)")

    async def aact(self, obs: Observation) -> AgentStep:
        self.history.append(AgentStep(action=self.ACTIONS[len(self.history) % len(self.ACTIONS)]))
        return self.history[-1]


class UnreadableModelAgent(Agent):
    """Its model keeps answering with bodies that are not chat completions (as ChatModel reports it
    once its retries are spent)."""

    async def aact(self, obs: Observation) -> AgentStep:
        raise LLMResponseError("The LLM server kept answering with HTML (scripted).")


class SlowToLoadAgent(Agent):
    """Loads something slow before it can play (as an embedding model is): in `awarm`, which the
    runner calls before the episode's clock starts. Its step says when the loading finished."""

    def __init__(self) -> None:
        super().__init__()
        self.loaded_at = 0.0

    async def awarm(self) -> None:
        await asyncio.sleep(1.0)
        self.loaded_at = time.time()

    async def aact(self, obs: Observation) -> AgentStep:
        return AgentStep(action="noop(0)", stop=bool(self.history), extra={"loaded_at": self.loaded_at})


class LinkThenIdleAgent(Agent):
    """Follows the page's first link, then waits on every step and never answers: its episodes
    end at the step limit, on the page the link led to."""

    async def aact(self, obs: Observation) -> AgentStep:
        link = re.search(r"\[(\w+)\] link\b", obs["axtree"])
        if not self.history and link:
            step = AgentStep(action=f"click('{link.group(1)}')")
        else:
            step = AgentStep(action="noop(0)")
        self.history.append(step)
        return step


class LinkThenStopAgent(Agent):
    """Follows the page's first link, then gives up without answering (`AgentStep.stop`)."""

    async def aact(self, obs: Observation) -> AgentStep:
        link = re.search(r"\[(\w+)\] link\b", obs["axtree"])
        if self.history or not link:
            return AgentStep(action="noop(0)", stop=True)
        step = AgentStep(action=f"click('{link.group(1)}')")
        self.history.append(step)
        return step


class EnterTextOnceAgent(Agent):
    """Plays `miniwob.enter-text` from the goal: its first episode types the asked word and submits
    (a success), every later one submits a wrong word (a failure), so one worker's seeds 0 and 1
    end one each way."""

    def __init__(self) -> None:
        super().__init__()
        self.episodes = 0

    async def areset(self, task: TaskInfo) -> None:
        await super().areset(task)
        self.episodes += 1

    async def aact(self, obs: Observation) -> AgentStep:
        asked = re.search(r'"(.+?)"', obs["goal"])
        box = re.search(r"\[(\w+)\] textbox", obs["axtree"])
        submit = re.search(r"\[(\w+)\] button\b[^\n]*Submit", obs["axtree"])
        assert asked and box and submit, obs["axtree"]
        word = asked.group(1) if self.episodes == 1 else "wrong"
        return AgentStep(action=f"fill('{box.group(1)}', '{word}')\nclick('{submit.group(1)}')")
