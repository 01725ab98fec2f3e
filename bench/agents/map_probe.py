"""A cheap agent that exercises WebArena's official map tasks on the map stand-in: a couple of real
actions, then an answer, so every task starts, steps, ends and is judged in all its columns.

The stand-in holds Helsinki, not WebArena's Pittsburgh, so this agent measures the harness, never
an agent: it opens the directions form with an engine, types a Helsinki place into From, and
answers in Verified's JSON format (which the paper's and corrected columns read as plain text).
Loaded by `palaestra eval` workers by import path: ``palaestra.bench.agents.map_probe:MapProbeAgent``.
"""

from __future__ import annotations

import json
import re

from palaestra.agents.base import Agent, AgentStep, TaskInfo
from palaestra.envs.obs import Observation

#: A place on the stand-in's data (central Helsinki), typed into the directions form.
PLACE = "Kamppi"
#: The answers, one chosen by the goal's length so a run meets each kind: Verified's JSON for a
#: retrieval with data, a navigation and a retrieval that found nothing, and plain text.
ANSWERS = (
    json.dumps({"task_type": "RETRIEVE", "status": "SUCCESS", "retrieved_data": ["N/A"]}),
    json.dumps({"task_type": "NAVIGATE", "status": "SUCCESS", "retrieved_data": None}),
    json.dumps({"task_type": "RETRIEVE", "status": "NOT_FOUND_ERROR", "retrieved_data": None}),
    "N/A",
)
MAP_TITLE = "Palaestra Map"


def origin(url: str) -> str:
    """``scheme://host:port`` of a page's URL."""
    return "/".join(url.split("/", 3)[:3])


def textbox_id(axtree: str, name: str) -> str | None:
    """The element id of the accessibility tree's textbox named ``name``, if there is one."""
    found = re.search(rf"\[([^\]]+)\] textbox '{re.escape(name)}'", axtree)
    return found.group(1) if found else None


class MapProbeAgent(Agent):
    """On the map: open the directions form (car), type a place into From, answer. Elsewhere (a
    cross-site task starting on another site): scroll, then answer."""

    name = "map-probe"

    async def areset(self, task: TaskInfo) -> None:
        await super().areset(task)
        self.turn = 0

    async def aact(self, obs: Observation) -> AgentStep:
        self.turn += 1
        axtree, url = str(obs.get("axtree", "")), str(obs.get("url", ""))
        on_map = MAP_TITLE in axtree
        if self.turn == 1:
            if on_map:
                return AgentStep(action=f"goto('{origin(url)}/directions?engine=fossgis_osrm_car')")
            return AgentStep(action="scroll(0, 300)")
        if self.turn == 2:
            box = textbox_id(axtree, "From") if on_map else None
            if box is not None:
                return AgentStep(action=f"fill({box!r}, {PLACE!r})")
            return AgentStep(action="scroll(0, -300)")
        answer = ANSWERS[len(self.task.goal if self.task else "") % len(ANSWERS)]
        return AgentStep(action=f"send_msg_to_user({answer!r})")
