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

    path = "/dashboard/todos2"

    async def areset(self, task: TaskInfo) -> None:
        await super().areset(task)
        self.went = False

    async def aact(self, obs: Observation) -> AgentStep:
        if not self.went:
            self.went = True
            base = "/".join(str(obs["url"]).split("/", 3)[:3])
            return AgentStep(action=f"goto('{base}{self.path}')")
        return AgentStep(action=f"send_msg_to_user({NAVIGATED!r})")


class RightTodosAgent(TodosAgent):
    """Goes to /dashboard/todos, as task 44 asks, and says so."""

    path = "/dashboard/todos"


class TwoTabsAgent(Agent):
    """Searches the shop for a headlamp in its first tab, opens a second tab on the catalogue,
    goes back to the first and says it is done: the active tab is not the last one opened."""

    async def areset(self, task: TaskInfo) -> None:
        await super().areset(task)
        self.actions: list[str] = []

    async def aact(self, obs: Observation) -> AgentStep:
        if not self.actions:  # the start page's site (the new tab is blank)
            base = "/".join(str(obs["url"]).split("/", 3)[:3])
            self.actions = [f"goto('{base}/search/?q=headlamp')", "new_tab()", f"goto('{base}/catalogue/')",
                            "tab_focus(0)", "send_msg_to_user('Done')"]  # fmt: skip
        return AgentStep(action=self.actions.pop(0) if len(self.actions) > 1 else self.actions[0])
