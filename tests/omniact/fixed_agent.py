"""An agent that writes a fixed script per goal: a run whose OmniACT scores are known by hand."""

from __future__ import annotations

from palaestra.agents.base import Agent, AgentStep
from palaestra.envs.obs import Observation

SCRIPTS = {
    "Search for fish": "click('1')\nwrite('fish')\npress('enter')",  # element 1 is the search box
    "Open help": "press('f2')",  # the right kind of action, the wrong key
}


class FixedScripts(Agent):
    name = "fixed"

    async def aact(self, obs: Observation) -> AgentStep:
        return AgentStep(action=SCRIPTS.get(str(obs["goal"]), "DONE"))
