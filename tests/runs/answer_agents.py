"""Agents whose first answer holds three actions (`AgentStep.answer_continues`), for the tests of
what a run's step limit counts (`palaestra.runs.step_count`), loaded by import path as a user's own
agent class would be: the test puts this folder on `sys.path`."""

from __future__ import annotations

import re

from palaestra.agents.base import Agent, AgentStep
from palaestra.envs.obs import Observation


class WaitTwiceThenLinkAnswers(Agent):
    """Its first answer waits twice and then follows the page's first link; every later answer
    waits. Its step limit counts answers, as OSWorld's agent's does."""

    step_limit_counts = "answers"

    async def aact(self, obs: Observation) -> AgentStep:
        played = len(self.history)
        link = re.search(r"\[(\w+)\] link\b", obs["axtree"])
        if played < 2:
            step = AgentStep(action="noop(0)", answer_continues=True)
        elif played == 2 and link:
            step = AgentStep(action=f"click('{link.group(1)}')")
        else:
            step = AgentStep(action="noop(0)")
        self.history.append(step)
        return step


class WaitTwiceThenLinkActions(WaitTwiceThenLinkAnswers):
    """The same answers, its step limit counting actions (every agent's default): the answer's
    marks must not lend it a step more."""

    step_limit_counts = "actions"
