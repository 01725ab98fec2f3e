"""WebArena's functional evaluators, on the episode's real pages and database.

``evaluate(spec, ctx)`` runs every evaluator ``spec.eval_types`` names and multiplies their scores,
as WebArena's combined evaluators do:

- ``string_match``: the agent's answer (its last ``send_msg_to_user``; "N/A" when it reported the
  task infeasible) against ``reference_answers``: ``exact_match`` (equal after trimming, quotes and
  case), ``must_include`` (each item, or one of its ``|OR|`` alternatives, present as whole words)
  and ``fuzzy_match`` (the configured LLM judge when there is one, else the deterministic match of
  ``normalise.fuzzy_match``). An answer that says the task cannot be done ("N/A", "N/A: ...") meets
  an "N/A" reference only, never an answer's, so that one hedge ("N/A, else 42") is not paid on both.
  An answer that lists candidates is refused where containing the reference would pay it
  (``must_include``, ``fuzzy_match``): one naming another task's reference of the same intent
  template, or holding more than three numbers neither the references nor the question hold
  (``candidates``; "0 1 2 ... 500" met every count).
- ``url_match``: the active page's URL against ``reference_url`` (alternatives joined by ``|OR|``)
  compared as parsed URLs: the same host, the reference's path or one below it by whole segments
  (WebArena's "GOLD in PRED": ``/f/books/12/title`` is in ``/f/books``, ``/f/books2`` is not), and
  every reference query parameter present with the same values, so ``/search?q=12`` never
  matches ``/search?q=120``. (WebArena's PR #77 proposes equal paths instead, which fails most of
  the 129 official tasks pairing url_match with program_html when done right: their agent ends
  below the reference, on a new post, a new milestone, a form under its section.)
- ``program_html``: for each check, a page (``last``: the agent's; else a URL, opened in the
  episode's own browser context, or ``func:<helper>(...)`` giving one) and a locator (a JavaScript
  expression, after the check's ``prep_actions``; empty for the page's HTML; or
  ``func:<helper>(...)``) whose value must meet ``required_contents`` (``exact_match``,
  ``must_include``, ``must_exclude``, or WebArena-Lite's ``fuzzy_match``, graded by the judge).
  The helpers are WebArena's, in ``helpers``.
- ``db_state``: a read-only SQL query on the episode's own database whose single value must meet
  ``expected`` (Palaestra's addition; WebArena checks state only through pages).

``EvalContext.mode`` picks the behaviour: ``"corrected"`` (the default, described above) or
``"paper"``, WebArena's evaluators as published (``eval_paper``; checked against libwebarena's own
code by ``tests/tasks/test_webarena_against_webarena.py``): ``must_include`` as a lower-cased
substring test (a lone one-character reference against NLTK's tokens of the answer),
``url_match`` as a substring test of the reference's host and path in the agent's (WebArena PR
#77: ``/issues/1`` matches ``/issues/12``), an "N/A" reference met only by an answer that says
"N/A" (or by WebArena's own grader agreeing that the agent's reason matches ``string_note``),
never by ``report_infeasible`` alone, the answer lower-cased before a grader sees it, as
WebArena's ``clean_answer`` does, and ``program_html`` read as WebArena's evaluator reads it
(``eval_paper``; checked on served pages by ``tests/sites/test_program_html_against_webarena.py``).

This module dispatches; the evaluators live in ``eval_answer`` (``string_match``, ``url_match``) and
``eval_state`` (``program_html``, ``db_state``), and what they are given in ``eval_context``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from palaestra.tasks.webarena.config import EvalSpec
from palaestra.tasks.webarena.eval_answer import includes, string_match, url_match, url_matches
from palaestra.tasks.webarena.eval_context import EvalContext, FuzzyJudge
from palaestra.tasks.webarena.eval_paper import paper_includes
from palaestra.tasks.webarena.eval_state import db_state, program_html, query_value

__all__ = [
    "EVALUATORS",
    "EvalContext",
    "FuzzyJudge",
    "db_state",
    "evaluate",
    "includes",
    "paper_includes",
    "program_html",
    "query_value",
    "string_match",
    "url_match",
    "url_matches",
]


async def evaluate(spec: EvalSpec, ctx: EvalContext) -> float:
    score = 1.0
    for kind in spec.eval_types:
        part = await EVALUATORS[kind](spec, ctx)
        ctx.details[kind] = part
        score *= part
    return score


EVALUATORS: dict[str, Callable[[EvalSpec, EvalContext], Awaitable[float]]] = {
    "string_match": string_match,
    "url_match": url_match,
    "program_html": program_html,
    "db_state": db_state,
}
