"""AgentLab's own ``GenericAgent`` as a Palaestra agent (`agentlab`), run in AgentLab's venv.

Its process (``agentlab_driver.py`` under the Python of the venv ``scripts/setup`` makes for
BrowserGym and AgentLab) lives as long as this agent; each episode gets a new AgentLab agent in it,
as AgentLab's ``ExpArgs`` makes one per episode. Each step it is sent BrowserGym's observation dict,
which runs hand an agent asking for the ``browsergym`` view (`Agent.see_views`: made in-process,
or by the environment server's session with ``--env-server``), encoded as the server encodes it
(`browsergym_json`), and it answers with AgentLab's action, its ``think``, the model's answer and
its token counts and cost.
An answer AgentLab could not parse (its retries spent) is sent as an empty action, so the
environment says so in ``last_action_error`` and the episode goes on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from palaestra.agents.base import Agent, AgentStep, TaskInfo
from palaestra.agents.foreign.process import SideProcess, endpoint, side_env, venv_python
from palaestra.agents.registry import AgentSpec
from palaestra.errors import ConfigError
from palaestra.server.browsergym_remote import browsergym_json

DRIVER = Path(__file__).resolve().parent / "agentlab_driver.py"
VENV = "venv-browsergym"


@dataclass(frozen=True)
class AgentLabConfig:
    #: AgentLab's preset, `agent_configs.AGENT_<flags>` (case aside): 4o_mini, 4o, 3_5, 4o_vision...
    flags: str = "4o_mini"
    model: str = ""  # empty: the preset's model name
    base_url: str | None = None  # else PALAESTRA_LLM_BASE_URL / OPENAI_BASE_URL
    api_key: str | None = None  # else PALAESTRA_LLM_API_KEY / OPENAI_API_KEY; never recorded
    max_tokens: int | None = None  # the preset's max_new_tokens when not given
    temperature: float | None = None  # the preset's when not given
    #: Seconds for the process to import AgentLab, and for one answer (its model calls included).
    start_timeout: float = 180.0
    answer_timeout: float = 300.0


class AgentLabAgent(Agent):
    """AgentLab's ``GenericAgent`` asked each step (see the module doc)."""

    name = "agentlab"

    def __init__(self, config: AgentLabConfig) -> None:
        super().__init__()
        self.config = config
        self.process: SideProcess | None = None
        self.view: dict[str, Any] = {}

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
        self.view = {}
        process = await asyncio.to_thread(self._started)
        await asyncio.to_thread(process.ask, {"reset": True}, self.config.answer_timeout)

    async def aact(self, obs: Any) -> AgentStep:
        assert self.task is not None, "reset() before act()"
        if not self.view:
            raise ConfigError(
                "agentlab was not handed BrowserGym's observation (the run's `browsergym` view)."
            )
        process = self._started()
        sent = {"obs": browsergym_json(self.view)}
        answer = await asyncio.to_thread(process.ask, sent, self.config.answer_timeout)
        stats = dict(answer.get("stats") or {})
        step = AgentStep(
            action=str(answer.get("action") or ""),
            thoughts=str(answer.get("think") or ""),
            raw_response=str(answer.get("raw") or ""),
            tokens_in=int(stats.get("input_tokens") or 0),
            tokens_out=int(stats.get("output_tokens") or 0),
            cost=float(stats.get("cost") or 0.0),
            extra={"agentlab_stats": stats} if stats else {},
        )
        if answer.get("action") is None:
            step.extra["no_action"] = "AgentLab could not parse the model's answers (its retries spent)"
        self.history.append(step)
        return step

    async def aclose(self) -> None:
        process, self.process = self.process, None
        if process is not None:
            await asyncio.to_thread(process.close)


SPEC = AgentSpec("agentlab", AgentLabAgent, AgentLabConfig, "AgentLab's own GenericAgent, in its venv")
