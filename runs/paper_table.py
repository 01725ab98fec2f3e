"""`palaestra show RUN --table markdown|latex|csv`: a run's numbers as a paper prints them.

Each (agent, task) with its finished episodes n, its successes, its success rate and a 95%
confidence interval, then per agent the mean over its tasks (each task weighs the same, as in
`palaestra show`) with its own interval; errored episodes counted apart, never as failures. The
table says which run and which code produced it (the run's folder name, Palaestra's commit and
whether the tree had uncommitted changes, the task packages' versions), so a number copied into a
paper can be traced back, and a reviewer can tell whether their run is the same experiment.

Intervals are Wilson score intervals: at the small n of evaluations (3 to 50 seeds) and rates
near 0 or 1, the normal approximation's interval (rate ± 1.96 standard errors) has zero width at
10/10 and leaves [0, 1]. For an agent's mean over T tasks with n_t episodes each, the interval is
Wilson's with the effective number of episodes T² / Σ 1/n_t (the variance of a mean of T
binomial rates with one rate p), which is the total number of episodes when every task has as many.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import Any

from palaestra.runs.provenance import TASK_PACKAGES, played_records, task_is_deterministic
from palaestra.runs.results import TaskSummary, load_rows, summarize

FORMATS = ("markdown", "latex", "csv")
#: z of a two-sided 95% interval.
_Z = 1.959963984540054
_OVERALL = "mean over tasks"


def wilson_interval(rate: float, n: float, z: float = _Z) -> tuple[float, float]:
    """Wilson's score interval of a binomial rate observed over ``n`` trials ((0, 1) when n is 0)."""
    if n <= 0:
        return 0.0, 1.0
    centre = (rate + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(rate * (1 - rate) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def table_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per agent: a row per task, then its mean over the tasks with finished episodes."""
    out: list[dict[str, Any]] = []
    summaries = summarize(rows)
    for agent in sorted({s.agent for s in summaries}):
        mine = [s for s in summaries if s.agent == agent]
        out += [_task_row(s) for s in mine]
        measured = [s for s in mine if s.episodes]
        if not measured:
            continue
        mean = sum(s.success for s in measured) / len(measured)
        effective = len(measured) ** 2 / sum(1 / s.episodes for s in measured)
        low, high = wilson_interval(mean, effective)
        out.append({
            "agent": agent, "task": _OVERALL, "tasks": len(measured), "n": sum(s.episodes for s in measured),
            "successes": sum(round(s.success * s.episodes) for s in measured), "success": mean,
            "ci_low": low, "ci_high": high, "errored": sum(s.errors for s in mine), "nondeterministic": False,
        })  # fmt: skip
    return out


def _task_row(s: TaskSummary) -> dict[str, Any]:
    successes = round(s.success * s.episodes)
    low, high = wilson_interval(s.success, s.episodes) if s.episodes else (None, None)
    return {
        "agent": s.agent, "task": s.task, "tasks": 1, "n": s.episodes, "successes": successes,
        "success": s.success if s.episodes else None, "ci_low": low, "ci_high": high, "errored": s.errors,
        "nondeterministic": not task_is_deterministic(s.task),
    }  # fmt: skip


def provenance(run: str | Path) -> dict[str, str]:
    """Which run and code produced the numbers: from the records of the invocations that played them."""
    records = played_records(run)
    commits = []
    for record in records:
        git = record.get("git") or {}
        commit = str(git.get("commit") or "unknown")
        if git.get("dirty"):
            commit += f" (dirty{', diff ' + str(git['diff_sha256'])[:12] if git.get('diff_sha256') else ''})"
        commits.append(commit)
    packages = []
    for name in TASK_PACKAGES:
        versions = dict.fromkeys(
            str((r.get("packages") or {}).get(name)) for r in records if r.get("packages")
        )
        if versions and versions != {"None": None}:
            packages.append(f"{name} {' / '.join(v for v in versions if v != 'None')}")
    return {
        "run": Path(run).resolve().name,
        "commit": " / ".join(dict.fromkeys(commits)) or "unknown",
        "packages": ", ".join(packages),
        "invocations": str(len(records)),
    }


def format_table(run: str | Path, fmt: str) -> str:
    """The run's table in ``fmt`` (one of `FORMATS`)."""
    rows, source = table_rows(load_rows(run)), provenance(run)
    if fmt == "csv":
        return _csv(rows, source)
    if fmt == "latex":
        return _latex(rows, source)
    return _markdown(rows, source)


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}"


def _task(row: dict[str, Any], mark: str) -> str:
    if row["task"] == _OVERALL:
        return f"{_OVERALL} ({row['tasks']})"
    return row["task"] + (mark if row["nondeterministic"] else "")


def _footer(rows: list[dict[str, Any]], source: dict[str, str], mark: str) -> list[str]:
    lines = [
        "Success in %, over finished episodes (n); 95% Wilson score intervals; errored episodes apart. "
        "Mean over tasks: each task weighs the same.",
        f"Produced by run `{source['run']}` ({source['invocations']} invocation(s)), Palaestra commit "
        f"{source['commit']}; {source['packages']}.",
    ]
    if any(r["nondeterministic"] for r in rows):
        lines.append(
            f"{mark} Registered nondeterministic: its episodes can end otherwise from one run to the next."
        )
    return lines


def _markdown(rows: list[dict[str, Any]], source: dict[str, str]) -> str:
    lines = ["| agent | task | n | success (%) | 95% CI | errored |", "|---|---|---:|---:|---|---:|"]
    for r in rows:
        ci = "-" if r["ci_low"] is None else f"[{_rate(r['ci_low'])}, {_rate(r['ci_high'])}]"
        task = _task(r, "†")
        if r["task"] == _OVERALL:
            task = f"**{task}**"
        agent, task = (text.replace("|", "\\|") for text in (r["agent"], task))
        lines.append(f"| {agent} | {task} | {r['n']} | {_rate(r['success'])} | {ci} | {r['errored']} |")
    return "\n".join([*lines, "", *_footer(rows, source, "†")])


_LATEX = {"\\": r"\textbackslash{}", "_": r"\_", "%": r"\%", "&": r"\&", "#": r"\#", "$": r"\$",
          "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}  # fmt: skip


def _latex_text(text: str) -> str:
    return text.translate({ord(char): escaped for char, escaped in _LATEX.items()})


def _latex(rows: list[dict[str, Any]], source: dict[str, str]) -> str:
    lines = [f"% {line}" for line in _footer(rows, source, "$^\\dagger$")]
    lines += [r"\begin{tabular}{llrrlr}", r"\toprule",
              r"Agent & Task & $n$ & Success (\%) & 95\% CI & Errored \\", r"\midrule"]  # fmt: skip
    for r in rows:
        ci = "-" if r["ci_low"] is None else f"[{_rate(r['ci_low'])}, {_rate(r['ci_high'])}]"
        task = _latex_text(_task(r, "")) + ("$^\\dagger$" if r["nondeterministic"] else "")
        if r["task"] == _OVERALL:
            lines.append(r"\midrule")
        cells = [_latex_text(r["agent"]), task, str(r["n"]), _rate(r["success"]), ci, str(r["errored"])]
        lines.append(" & ".join(cells) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}"]
    return "\n".join(lines)


def _csv(rows: list[dict[str, Any]], source: dict[str, str]) -> str:
    """One row per (agent, task) and per agent's mean, each carrying its run and commit, so the
    file stays traceable once merged with others'."""
    buffer = io.StringIO()
    fields = ["agent", "task", "tasks", "n", "successes", "success", "ci_low", "ci_high", "errored",
              "nondeterministic", "run", "commit", "packages"]  # fmt: skip
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for r in rows:
        writer.writerow({
            **r, **{k: "" if r[k] is None else f"{r[k]:.4f}" for k in ("success", "ci_low", "ci_high")},
            "run": source["run"], "commit": source["commit"], "packages": source["packages"],
        })  # fmt: skip
    return buffer.getvalue().rstrip("\n")
