"""What a WebArena evaluator is given: ``EvalContext`` (the agent's page and answer, the episode's
sites and databases, the judges, the mode) and the shape of an LLM judge for fuzzy matches.

Its own module because every evaluator module (``eval_answer``, ``eval_state``) and the program_html
helpers read it, while ``evaluators`` imports them all to dispatch.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext, Page

#: How much of a value wanted or read a verdict keeps (`keep_values`): enough to see how the agent's
#: answer or page differs from the reference, not a whole page's HTML in every episode's row.
VALUE_CHARS = 300


def shown(value: Any) -> str:
    """A value as the verdict keeps it: text as it is, anything else as JSON, cut at `VALUE_CHARS`."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= VALUE_CHARS else text[: VALUE_CHARS - 1] + "…"


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

    def keep_values(self, kind: str, wanted: Any, found: Any, ok: bool, why: str | None = None) -> None:
        """What an evaluator part wanted and what it read (`details["values"][kind]`), so a failed
        verdict says more than `string_match 0`: the researcher's evaluation metadata, never shown to
        the agent. A part of several checks keeps its first failing one (else its first). ``why``
        names the rule that failed when containing the reference was not enough (``candidates``)."""
        values = self.details.setdefault("values", {})
        if kind not in values or (not ok and values[kind]["ok"]):
            values[kind] = {"wanted": shown(wanted), "found": shown(found), "ok": ok}
            if why:
                values[kind]["why"] = why

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
