"""Why a verdict `palaestra judge` gave fails: each evaluator part that scored below 1, with what it
wanted and what it read, and the whole result as JSON (`palaestra judge --json`).

A score alone ("1.00 -> 0.00") sends the researcher into the evidence to learn which check failed;
the evaluators already keep what each part compared (`EvalContext.keep_values`), as a run's own
verdict does for `palaestra show`, so the judge says it too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from palaestra.runs.columns import cut

if TYPE_CHECKING:
    from palaestra.runs.judge import Rejudged

#: The evaluator parts of a WebArena-style verdict (`tasks.webarena.evaluators.EVALUATORS`), named
#: here so that reading a result imports no evaluator (and no Playwright).
PARTS = ("string_match", "url_match", "program_html", "db_state")
#: Why a part with no score in the details failed: the episode ended without an answer.
UNANSWERED = "the episode ended without an answer (judged 0, as it was in the run)"


def failed_parts(result: Rejudged) -> list[dict[str, Any]]:
    """The parts of ``result``'s new verdict that scored below 1, in the order they were judged:
    ``{"part", "score"}`` plus ``"wanted"`` and ``"read"`` when the evaluator kept them, and
    ``"why_refused"`` when a rule refused an answer that holds the reference (``candidates``)."""
    if result.new_reward is None or result.new_reward >= 1:
        return []
    details = result.details
    if details.get("unanswered"):
        return [{"part": "answer", "score": 0.0, "why": UNANSWERED}]
    column = details.get(result.column)  # an official task's details hold each column's apart
    scores: Mapping[str, Any] = column if isinstance(column, Mapping) else details
    values = scores.get("values") or {}
    failed = []
    for kind, score in scores.items():
        if kind not in PARTS or isinstance(score, bool) or not isinstance(score, int | float) or score >= 1:
            continue
        part: dict[str, Any] = {"part": kind, "score": float(score)}
        kept = values.get(kind)
        if isinstance(kept, Mapping) and "wanted" in kept:
            part.update(wanted=kept["wanted"], read=kept.get("found", ""))
            if kept.get("why"):  # the rule that refused an answer holding the reference
                part["why_refused"] = kept["why"]
        failed.append(part)
    return failed


def reason_line(result: Rejudged) -> str:
    """The failed parts in one line: ``string_match 0 (wanted X, read "Y"), url_match 0 (...)``."""
    said = []
    for part in failed_parts(result):
        if "why" in part:
            said.append(f"{part['part']}: {part['why']}")
        elif "wanted" in part:
            why = f"; {cut(part['why_refused'])}" if part.get("why_refused") else ""
            wanted_read = f'wanted {cut(part["wanted"])}, read "{cut(part["read"])}"{why}'
            said.append(f"{part['part']} {part['score']:g} ({wanted_read})")
        else:
            said.append(f"{part['part']} {part['score']:g}")
    return ", ".join(said)


def as_json(results: list[Rejudged], written: bool) -> dict[str, Any]:
    """`palaestra judge --json`: every episode's result with its failed parts, and the totals."""
    episodes = []
    for r in results:
        entry = asdict(r)
        entry.update(changed=r.changed, failed_parts=failed_parts(r))
        episodes.append(entry)
    judged = [r for r in results if r.new_reward is not None]
    return {
        "episodes": episodes,
        "judged": len(judged),
        "changed": sum(r.changed for r in judged),
        "successes_before": sum(r.old_success for r in judged),
        "successes_after": sum(bool(r.new_success) for r in judged),
        "written": written,
    }
