"""Judging a finished episode of WebArena's official tasks again, offline, from its evidence.

Its three columns (``official_task``) are judged as far as the evidence allows, with no site and no
browser: the sites may be the user's instances, long gone or reset since.

- ``verified``: WebArena-Verified's evaluator on the saved answer and network events
  (``network.har``), with the sites' URLs the episode used, as it judged the live episode.
- ``paper`` and ``corrected``: their checks of the answer (``string_match``) and of the active tab's
  final URL (``url_match``) run; the checks that read pages or the sites (``program_html`` and its
  helpers) need the live sites and do not. A column is decided when those are all it has, or when
  one of its offline checks fails (its score is a product: it is 0 whatever the live checks say);
  otherwise it is undecided, and the checks it lacks are named.

The reward the episode gets again is the column its benchmark reports (``OfficialTask.primary``:
Verified's for ``webarena-verified``, the paper's otherwise), unless ``palaestra judge --mode``
asks for one of the string-matching columns of a benchmark that reports one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from palaestra.tasks.webarena.evaluators import EVALUATORS, EvalContext
from palaestra.tasks.webarena.official_task import EARLY_STOP, OfficialTask

#: The evaluators that read only the answer and the final URL.
OFFLINE = ("string_match", "url_match")


@dataclass
class OfficialVerdict:
    """The re-judged column (``score`` None when the evidence cannot decide it, ``why_not`` says
    why) and every column's details."""

    column: str
    score: float | None
    why_not: str = ""
    details: dict[str, Any] = field(default_factory=dict)


def judged_column(task: OfficialTask, mode: str | None) -> str:
    """The column whose score is the episode's new reward (see the module's doc)."""
    return task.primary if task.primary == "verified" or mode is None else mode


async def judge_official_again(
    task: OfficialTask,
    record: Mapping[str, Any],
    network: list[dict[str, Any]] | None,
    mode: str | None,
    network_missing: str = "",
) -> OfficialVerdict:
    """The episode's columns from ``record`` (its evidence) and ``network`` (its saved events, None
    when it has none: ``network_missing`` then says why, if not simply absent)."""
    column = judged_column(task, mode)
    answer, infeasible, stopped = record.get("answer"), record.get("infeasible"), record.get("early_stop")
    if answer is None and infeasible is None and stopped is None:
        return OfficialVerdict(column, 0.0, details={"unanswered": True})
    early = EARLY_STOP + str(stopped) if answer is None and stopped is not None else None
    urls = dict(record.get("urls") or {})
    columns: dict[str, float | None] = {}
    live: dict[str, list[str]] = {}
    details: dict[str, Any] = {"column": column}
    for name in ("paper", "corrected"):
        given = early if name == "paper" and early is not None else answer
        columns[name], details[name], lacking = await _offline_column(
            task, name, given, infeasible, record, urls
        )
        if lacking:
            live[name] = lacking
    if network is None:
        columns["verified"] = None
        details["verified"] = {
            "error": network_missing or "its evidence keeps no network trace (network.har)"
        }
    else:
        columns["verified"], details["verified"] = await task.verified_column(
            answer or infeasible, network, urls
        )
    undecided = {
        name: _why_undecided(name, details[name], live)
        for name, v in columns.items()
        if v is None and "skipped" not in details[name]  # no such column for this task: nothing undecided
    }
    details.update(columns=columns, undecided=undecided, network=record.get("network"))
    score = columns[column]
    return OfficialVerdict(column, score, undecided.get(column, ""), details)


def _why_undecided(column: str, details: Mapping[str, Any], live: Mapping[str, list[str]]) -> str:
    if column in live and "error" not in details:
        done = ", ".join(f"{k} {v:.2f}" for k, v in details.items() if k in OFFLINE)
        why = f"its {column} column needs the live sites for {', '.join(live[column])}"
        return why + (f" (offline checks pass: {done})" if done else "")
    return f"its {column} column cannot be judged: {details.get('error', 'no verdict')}"


async def _offline_column(
    task: OfficialTask, mode: str, answer: str | None, infeasible: str | None,
    record: Mapping[str, Any], urls: Mapping[str, str],
) -> tuple[float | None, dict[str, Any], list[str]]:  # fmt: skip
    """One string-matching column's offline checks: (score or None, their details, the checks
    left to the live sites)."""
    grader = task.paper_grader if mode == "paper" else None
    ctx = EvalContext(
        page=None, context=None, answer=answer, infeasible=infeasible, urls=urls, databases={},
        intent=task.config.intent, mode=mode, stand_ins=[s for s in task.config.sites if s not in task.hosts],
        judge=grader.fuzzy if grader else task.judge, ua_judge=grader.unachievable if grader else None,
        final_url=str(record.get("final_url", "")),
    )  # fmt: skip
    spec = task.config.eval
    lacking = [kind for kind in spec.eval_types if kind not in OFFLINE]
    score = 1.0
    try:
        for kind in spec.eval_types:
            if kind in OFFLINE:
                ctx.details[kind] = part = await EVALUATORS[kind](spec, ctx)
                score *= part
    except (ValueError, KeyError) as exc:  # a grader's odd reply, as the live column says it
        return None, {**ctx.details, "error": str(exc)}, lacking
    if lacking and score > 0:
        return None, ctx.details, lacking
    return score, ctx.details, lacking
