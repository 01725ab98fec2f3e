"""What a WebArena evaluator is given: ``EvalContext`` (the agent's page and answer, the episode's
sites and databases, the judges, the mode) and the shape of an LLM judge for fuzzy matches.

Its own module because every evaluator module (``eval_answer``, ``eval_state``) and the program_html
helpers read it, while ``evaluators`` imports them all to dispatch.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext, Page

#: An LLM judge for fuzzy matches: (question, answer, reference) -> whether they agree.
FuzzyJudge = Callable[[str, str, str], Awaitable[bool]]


@dataclass
class EvalContext:
    #: The agent's active page and its context; None when an episode is judged from its evidence
    #: alone (``rejudge_official``), where only the checks of the answer and of ``final_url`` run.
    page: Page | None
    context: BrowserContext | None
    answer: str | None
    infeasible: str | None
    #: Placeholder (``__SHOP__``) -> base URL.
    urls: Mapping[str, str]
    #: Dataset or site name -> the episode's database file.
    databases: Mapping[str, Path]
    intent: str = ""
    judge: FuzzyJudge | None = None
    #: The paper's grader of an agent's reason for giving up: (question, reported, actual) -> same?
    ua_judge: FuzzyJudge | None = None
    #: "corrected" (Palaestra's evaluators) or "paper" (WebArena's as published).
    mode: str = "corrected"
    #: WebArena's sites served by Palaestra's stand-ins (where the shopping helpers cannot run).
    stand_ins: Collection[str] = ()
    details: dict[str, Any] = field(default_factory=dict)
    #: The agent's last URL as recorded, for judging without a page; None: its page's URL.
    final_url: str | None = None

    @property
    def live_page(self) -> Page:
        """The agent's page, for checks that read it (``program_html``, helpers)."""
        if self.page is None:
            raise ValueError("this check reads the agent's page, and the episode is judged without one")
        return self.page

    @property
    def last_url(self) -> str:
        return self.final_url if self.final_url is not None else self.live_page.url

    @property
    def final_answer(self) -> str:
        if self.answer is not None:
            return self.answer
        return "N/A" if self.infeasible is not None else ""
