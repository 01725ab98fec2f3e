"""AgentLab's own ``GenericAgent`` as a Palaestra agent (`agentlab`), run in AgentLab's venv.

Its process (``agentlab_driver.py`` under the Python of the venv ``scripts/setup`` makes for
BrowserGym and AgentLab) lives as long as this agent; each episode gets a new AgentLab agent in it,
as AgentLab's ``ExpArgs`` makes one per episode. Each step it is sent BrowserGym's observation dict,
which runs hand an agent asking for the ``browsergym`` view (`Agent.see_views`: made in-process,
or by the environment server's session with ``--env-server``), encoded as the server encodes it
(`browsergym_json`), and it answers with AgentLab's action, its ``think``, the model's answer and
its token counts and cost. An answer AgentLab could not parse (its retries spent) is AgentLab's
``None`` action, on which BrowserGym's loop ends the episode: here it is recorded as a step with an
empty action (its thoughts and tokens kept; the environment answers it with an error and changes
nothing) and the agent stops at the next, so the episode ends as a failure there too.

Each episode's agent is made as AgentLab's ``Study`` makes it: after ``set_benchmark`` with the
benchmark the suite is (`agentlab_benchmark`: AgentLab's name for it, whether the action set we
serve has tabs), unless ``set_benchmark=false`` asks for the preset's flags as they are. The agent
learns the suite's name, never the task's. The action set it then offers its model must be one
the environment parses, else the episode is refused before its first step with the fix.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from palaestra.agents.base import Agent, AgentStep, TaskInfo
from palaestra.agents.foreign.process import SideProcess, Spending, endpoint, side_env, venv_python
from palaestra.agents.registry import AgentSpec
from palaestra.envs.actions.action_set import ActionSet
from palaestra.errors import ConfigError, did_you_mean
from palaestra.server.browsergym_remote import browsergym_json

DRIVER = Path(__file__).resolve().parent / "agentlab_driver.py"
VENV = "venv-browsergym"
#: Our suites that are AgentLab's benchmarks, by AgentLab's name for them; another suite keeps its
#: own name (AgentLab's ``set_benchmark`` then switches only tabs and the action set).
AGENTLAB_BENCHMARKS = {
    "miniwob": "miniwob",
    "webarena": "webarena",
    "webarena-verified": "webarena_verified",
    "webarena-lite": "webarena_lite",
}
#: AgentLab 0.4.2's presets (`agent_configs.AGENT_<name>`) whose model it calls through its OpenAI
#: client, the only one that reads OPENAI_BASE_URL; the others (OpenRouter, Azure, local weights)
#: would call their provider or load weights, and the driver refuses them too.
OPENAI_PRESETS = ("4o_mini", "4o", "3_5", "4o_vision", "4o_mini_vision", "gpt5_mini")
#: The actions an action set needs for AgentLab to call its benchmark multi-tab.
TAB_ACTIONS = ("new_tab", "tab_focus", "tab_close")


def agentlab_benchmark(suite: str, action_set: ActionSet) -> dict[str, Any]:
    """What AgentLab's ``Benchmark`` tells ``set_benchmark`` of an episode of ``suite``: its name
    as AgentLab names it, and whether it is multi-tab (the action set we serve has tab actions)."""
    return {
        "name": AGENTLAB_BENCHMARKS.get(suite, suite),
        "multi_tab": all(name in action_set for name in TAB_ACTIONS),
    }


@dataclass(frozen=True)
class AgentLabConfig:
    #: AgentLab's preset, `agent_configs.AGENT_<flags>` (case aside): 4o_mini, 4o, 3_5, 4o_vision...
    flags: str = "4o_mini"
    model: str = ""  # empty: the preset's model name
    base_url: str | None = None  # else PALAESTRA_LLM_BASE_URL / OPENAI_BASE_URL
    api_key: str | None = None  # else PALAESTRA_LLM_API_KEY / OPENAI_API_KEY; never recorded
    max_tokens: int | None = None  # the preset's max_new_tokens when not given
    temperature: float | None = None  # the preset's when not given
    #: AgentLab's ``set_benchmark`` before each episode, as its ``Study`` does; false keeps the
    #: preset's flags (to reproduce a run made without it).
    set_benchmark: bool = True
    #: Budgets as a ChatModel's (AgentLab prices its tokens itself; its cost is charged).
    budget_tokens: int | None = None
    budget_cost: float | None = None
    #: Seconds for the process to import AgentLab, and for one answer (its model calls included).
    start_timeout: float = 180.0
    answer_timeout: float = 300.0

    def check(self) -> None:
        """Before the run, not at its first episode: the preset, the endpoint and AgentLab's venv."""
        if self.flags.lower() not in OPENAI_PRESETS:
            close = did_you_mean(self.flags.lower(), OPENAI_PRESETS)
            raise ConfigError(
                f"agentlab: flags={self.flags!r} is not one of AgentLab's presets whose model it calls "
                f"through its OpenAI client: {', '.join(OPENAI_PRESETS)}.{close} (Presets reached through "
                "OpenRouter, Azure or local weights ignore base_url.) Fix: --agent-arg flags=4o_mini "
                "--agent-arg model=NAME for any model your endpoint serves."
            )
        endpoint(self.base_url, self.api_key)
        venv_python(VENV)


class AgentLabAgent(Agent):
    """AgentLab's ``GenericAgent`` asked each step (see the module doc)."""

    name = "agentlab"

    def __init__(self, config: AgentLabConfig) -> None:
        super().__init__()
        self.config = config
        self.process: SideProcess | None = None
        self.view: dict[str, Any] = {}
        #: AgentLab answered no action: the episode ends, as BrowserGym's loop ends it.
        self.gave_up = False
        self.spending = Spending(config.budget_tokens, config.budget_cost)

    def observation_parts(self) -> frozenset[str]:
        """BrowserGym's dict, and the screenshot in it (AgentLab's preprocessing draws on it)."""
        return frozenset({"browsergym", "screenshot"})

    def see_views(self, views: Mapping[str, Any]) -> None:
        self.view = dict(views.get("browsergym") or {})

    async def awarm(self) -> None:
        """AgentLab imports (seconds) before the first episode's clock."""
        await asyncio.to_thread(self._started)

    def _started(self) -> SideProcess:
        if self.process is None or not self.process.alive:
            c = self.config
            url, key = endpoint(c.base_url, c.api_key)
            argv = [str(venv_python(VENV)), str(DRIVER), "--flags", c.flags]
            argv += ["--model", c.model] if c.model else []
            argv += ["--max-tokens", str(c.max_tokens)] if c.max_tokens else []
            argv += ["--temperature", str(c.temperature)] if c.temperature is not None else []
            process = SideProcess(
                "AgentLab's GenericAgent", argv, side_env({"OPENAI_BASE_URL": url, "OPENAI_API_KEY": key})
            )
            process.wait_ready(c.start_timeout)
            self.process = process
        return self.process

    async def areset(self, task: TaskInfo) -> None:
        await super().areset(task)
        self.view, self.gave_up = {}, False
        process = await asyncio.to_thread(self._started)
        request: dict[str, Any] = {"reset": True, "served": sorted(task.action_set.actions)}
        if self.config.set_benchmark:
            request["benchmark"] = agentlab_benchmark(task.suite, task.action_set)
        try:
            await asyncio.to_thread(process.ask, request, self.config.answer_timeout)
        except ConfigError as exc:
            benchmark = request.get("benchmark", {}).get("name", "")
            how = f"after set_benchmark for {benchmark!r}" if benchmark else "the preset's flags as they are"
            raise ConfigError(
                f"{exc} (action set {task.action_set.name!r}, {how})"
                + ". Fix: run with the action set the suite normally takes (leave --action-set out, or "
                "--action-set web)"
                + (", or keep set_benchmark on." if not self.config.set_benchmark else ".")
            ) from None

    async def aact(self, obs: Any) -> AgentStep:
        assert self.task is not None, "reset() before act()"
        if self.gave_up:
            return AgentStep(action="", stop=True, extra={"stopped": "AgentLab answered no action"})
        if not self.view:
            raise ConfigError(
                "agentlab was not handed BrowserGym's observation (the run's `browsergym` view)."
            )
        process = self._started()
        sent = {"obs": browsergym_json(self.view)}
        self.spending.check()
        answer = await asyncio.to_thread(process.ask, sent, self.config.answer_timeout)
        stats = dict(answer.get("stats") or {})
        step = AgentStep(
            action=str(answer.get("action") or ""),
            thoughts=str(answer.get("think") or ""),
            raw_response=str(answer.get("raw") or ""),
            tokens_in=int(stats.get("input_tokens") or 0),
            tokens_out=int(stats.get("output_tokens") or 0),
            cost=float(stats.get("cost") or 0.0),
            messages=list(answer.get("messages") or []),
            extra={"agentlab_stats": stats} if stats else {},
        )
        self.spending.charge(step.tokens_in, step.tokens_out, step.cost)
        if answer.get("action") is None:
            step.extra["no_action"] = "AgentLab could not parse the model's answers (its retries spent)"
            self.gave_up = True
        self.history.append(step)
        return step

    async def aclose(self) -> None:
        process, self.process = self.process, None
        if process is not None:
            await asyncio.to_thread(process.close)


SPEC = AgentSpec("agentlab", AgentLabAgent, AgentLabConfig, "AgentLab's own GenericAgent, in its venv")
