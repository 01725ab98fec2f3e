"""An agent for the official-task run tests, loaded by the run's workers by import path (the test
puts this folder on `sys.path`, which spawned workers inherit)."""

from __future__ import annotations

import json

from palaestra.agents.base import Agent, AgentStep, TaskInfo
from palaestra.envs.obs import Observation

NAVIGATED = json.dumps({"task_type": "NAVIGATE", "status": "SUCCESS", "retrieved_data": None})


class TodosAgent(Agent):
    """Goes to /dashboard/todos2 on the site it starts on (WebArena's task 44 wants /dashboard/todos,
    which WebArena's substring test confuses with it), then says it navigated, in Verified's format."""

    async def areset(self, task: TaskInfo) -> None:
        await super().areset(task)
        self.went = False

    async def aact(self, obs: Observation) -> AgentStep:
        if not self.went:
            self.went = True
            base = "/".join(str(obs["url"]).split("/", 3)[:3])
            return AgentStep(action=f"goto('{base}/dashboard/todos2')")
        return AgentStep(action=f"send_msg_to_user({NAVIGATED!r})")
