"""Baselines that need no model: a random clicker, for floors and smoke tests."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from palaestra.agents.base import Agent, AgentStep
from palaestra.agents.registry import AgentSpec
from palaestra.envs.obs import Observation


@dataclass(frozen=True)
class RandomConfig:
    seed: int = 0
    #: Chance of typing a word of the goal into an editable element rather than clicking.
    type_probability: float = 0.3


class RandomAgent(Agent):
    """Clicks a random visible clickable element, or types a word of the goal into a random field."""

    name = "random"

    def __init__(self, config: RandomConfig) -> None:
        super().__init__()
        self.config = config
        self.rng = random.Random(config.seed)

    async def aact(self, obs: Observation) -> AgentStep:
        visible = [e for e in obs.get("elements", []) if e["visible"] and e["in_viewport"]]
        editable = [e for e in visible if e["editable"]]
        clickable = [e for e in visible if e["clickable"] and e["tag"] not in ("html", "body")]
        words = re.findall(r"\w+", obs.get("goal", "")) or ["x"]
        if editable and (not clickable or self.rng.random() < self.config.type_probability):
            target = self.rng.choice(editable)
            action = f"fill({target['id']!r}, {self.rng.choice(words)!r})"
        elif clickable:
            action = f"click({self.rng.choice(clickable)['id']!r})"
        else:
            action = "noop(100)"
        step = AgentStep(action=action)
        self.history.append(step)
        return step


SPEC = AgentSpec("random", RandomAgent, RandomConfig, "random clicks and typing; a floor")
