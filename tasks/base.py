"""What a task is to an environment: it prepares a page, states a goal, and judges the outcome.

A task never talks to the agent. The environment shows the agent the goal and the page; the task's
``evaluate`` may read the page's hidden state (MiniWoB++'s reward variables), which the agent never sees.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

from playwright.async_api import Page


@dataclass(frozen=True)
class Evaluation:
    """The task's verdict after a step."""

    reward: float = 0.0
    done: bool = False
    success: bool = False
    raw: dict[str, object] = field(default_factory=dict)


@dataclass
class EpisodeState:
    """What the agent did besides acting on the page, for evaluators that need it."""

    messages: list[str] = field(default_factory=list)
    infeasible: str | None = None


class Task(ABC):
    """One task family; each ``setup(seed)`` starts one episode of it."""

    #: Registered name, such as "miniwob.click-test".
    name: str = ""
    #: Name of the action set agents get (see ``palaestra.envs.actions.ACTION_SETS``).
    action_set: str = "web"
    #: Viewport size in CSS pixels (width, height).
    viewport: tuple[int, int] = (1280, 720)
    #: URL patterns (fnmatch) the page may load; None allows everything.
    allowed_urls: tuple[str, ...] | None = None

    @abstractmethod
    async def prepare(self, page: Page) -> None:
        """Load the task's page. Runs ahead of ``setup``, possibly while the previous episode runs."""

    @abstractmethod
    async def setup(self, page: Page, seed: int) -> str:
        """Start an episode on a prepared page; return the goal in words."""

    @abstractmethod
    async def evaluate(self, page: Page, state: EpisodeState) -> Evaluation:
        """Judge the episode so far."""
