"""The report of ``bench.speed.env_speed``: summaries of the measured runs, the targets, tables."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

PARALLEL = 4
#: The targets, as fractions: ours / anchor must be at most this.
RESET_ABSOLUTE_S = 0.1
RESET_VS_BROWSERGYM = 1 / 10
STEP_VS_BROWSERGYM_NOSLEEP = 1 / 3
PSS_VS_BROWSERGYM = 1 / 2


@dataclass
class Summary:
    """The medians of one subject's run, and what went wrong in it."""

    label: str
    episodes: int = 0
    failed_episodes: int = 0
    step_errors: int = 0
    open_median_s: float | None = None
    reset_median_s: float | None = None
    reset_p90_s: float | None = None
    step_median_s: float | None = None
    step_p90_s: float | None = None
    observe_median_s: float | None = None
    pss_per_env_mb: float | None = None
    pss_1_mb: float | None = None
    pss_n_mb: float | None = None
    step_phases_median_s: dict[str, float] = field(default_factory=dict)
    reset_phases_median_s: dict[str, float] = field(default_factory=dict)
    browser: str | None = None
    problems: list[str] = field(default_factory=list)


@dataclass
class Target:
    name: str
    passed: bool | None
    detail: str


# -- summaries ----------------------------------------------------------------------------------


def summarize(label: str, measured: dict[str, Any], memory: dict[str, Any] | None) -> Summary:
    """Medians over all (task, seed) resets and all their steps; failures listed, not hidden."""
    summary = Summary(label=label)
    timing = measured.get("timing") or {}
    if "fatal" in timing:
        summary.problems.append(f"timing run failed: {timing['fatal']}")
    episodes = timing.get("episodes") or []
    summary.episodes = len(episodes)
    resets = [e["reset_s"] for e in episodes if e.get("reset_s") is not None]
    steps = [s for e in episodes for s in e.get("step_s", [])]
    observe = [p["observe"] for e in episodes for p in e.get("step_parts", []) if "observe" in p]
    summary.reset_median_s, summary.reset_p90_s = median(resets), p90(resets)
    summary.step_median_s, summary.step_p90_s = median(steps), p90(steps)
    summary.observe_median_s = median(observe)
    phases: dict[str, list[float]] = {}
    for part in (p for e in episodes for p in e.get("step_parts", [])):
        for name, seconds in part.items():
            phases.setdefault(name, []).append(seconds)
    summary.step_phases_median_s = {name: statistics.median(values) for name, values in phases.items()}
    reset_phases: dict[str, list[float]] = {}
    for part in (e.get("reset_parts") or {} for e in episodes):
        for name, seconds in part.items():
            reset_phases.setdefault(name, []).append(seconds)
    summary.reset_phases_median_s = {name: statistics.median(values) for name, values in reset_phases.items()}
    about = timing.get("about") or {}
    summary.browser = about.get("chromium") or about.get("playwright_browsers_path")
    # Wall time no phase accounts for: thread hops, the env's own bookkeeping, background work.
    outside = [
        wall - sum(part.values())
        for e in episodes
        for wall, part in zip(e.get("step_s", []), e.get("step_parts", []), strict=False)
        if part
    ]
    if outside:
        summary.step_phases_median_s["outside phases"] = statistics.median(outside)
    summary.open_median_s = median(list((timing.get("open_s") or {}).values()))
    for episode in episodes:
        where = f"{episode['task']} seed {episode['seed']}"
        if episode.get("error"):
            summary.failed_episodes += 1
            summary.problems.append(f"{where}: {episode['error']}")
        for error in episode.get("step_errors", []):
            summary.step_errors += 1
            summary.problems.append(f"{where} step: {error}")
    if memory is not None:
        if "fatal" in memory:
            summary.problems.append(f"memory run failed: {memory['fatal']}")
        mem = memory.get("memory") or {}
        summary.pss_per_env_mb = mem.get("per_additional_mb")
        summary.pss_1_mb, summary.pss_n_mb = mem.get("pss_1_mb"), mem.get("pss_n_mb")
    return summary


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def p90(values: list[float]) -> float | None:
    if len(values) < 2:
        return values[0] if values else None
    return statistics.quantiles(values, n=10, method="inclusive")[-1]


def ratio(ours: float | None, theirs: float | None) -> float | None:
    if ours is None or theirs is None or theirs <= 0:
        return None
    return ours / theirs


def check_targets(summaries: dict[str, Summary]) -> list[Target]:
    """The four targets; a target whose anchor was not measured is reported as skipped."""
    ours = summaries["palaestra"]
    bg, bg_nosleep = summaries.get("browsergym"), summaries.get("browsergym-nosleep")
    targets = [
        Target(
            f"reset median < {RESET_ABSOLUTE_S} s",
            None if ours.reset_median_s is None else ours.reset_median_s < RESET_ABSOLUTE_S,
            f"{fmt_s(ours.reset_median_s)} s",
        )
    ]
    comparisons = (
        ("reset median <= 1/10 of BrowserGym's", "reset_median_s", bg, RESET_VS_BROWSERGYM, "browsergym"),
        (
            "step median <= 1/3 of BrowserGym's without sleeps",
            "step_median_s",
            bg_nosleep,
            STEP_VS_BROWSERGYM_NOSLEEP,
            "browsergym",
        ),
        (
            "PSS per additional env <= 1/2 of BrowserGym's",
            "pss_per_env_mb",
            bg,
            PSS_VS_BROWSERGYM,
            "browsergym",
        ),
    )
    for name, metric, anchor, limit, anchor_name in comparisons:
        if anchor is None:
            targets.append(Target(name, None, f"{anchor_name} not measured"))
            continue
        mine, theirs = getattr(ours, metric), getattr(anchor, metric)
        r = ratio(mine, theirs)
        detail = f"{fmt_num(mine)} / {fmt_num(theirs)} = {fmt_ratio(r)} (limit {limit:.3g})"
        targets.append(Target(name, None if r is None else r <= limit, detail))
    return targets


# -- output -------------------------------------------------------------------------------------


def fmt_s(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def fmt_num(value: float | None) -> str:
    return "-" if value is None else f"{value:.3g}"


def fmt_ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def render_results(summaries: dict[str, Summary]) -> str:
    header = [
        "env",
        "open s",
        "reset med s",
        "reset p90 s",
        "step med s",
        "step p90 s",
        "obs med s",
        "PSS 1 env MB",
        f"PSS {PARALLEL} env MB",
        "PSS/env MB",
        "failed",
    ]
    rows = [
        [
            s.label,
            fmt_s(s.open_median_s),
            fmt_s(s.reset_median_s),
            fmt_s(s.reset_p90_s),
            fmt_s(s.step_median_s),
            fmt_s(s.step_p90_s),
            fmt_s(s.observe_median_s),
            "-" if s.pss_1_mb is None else f"{s.pss_1_mb:.0f}",
            "-" if s.pss_n_mb is None else f"{s.pss_n_mb:.0f}",
            "-" if s.pss_per_env_mb is None else f"{s.pss_per_env_mb:.0f}",
            f"{s.failed_episodes}/{s.episodes} ep, {s.step_errors} step",
        ]
        for s in summaries.values()
    ]
    return table(header, rows)


def render_ratios(summaries: dict[str, Summary]) -> str:
    ours = summaries["palaestra"]
    metrics = ("reset_median_s", "step_median_s", "observe_median_s", "pss_per_env_mb")
    header = ["ours / anchor", "reset med", "step med", "obs med", "PSS/env"]
    rows = [
        [anchor.label, *(fmt_ratio(ratio(getattr(ours, m), getattr(anchor, m))) for m in metrics)]
        for key, anchor in summaries.items()
        if not key.startswith("palaestra")  # our own variants are not anchors
    ]
    return table(header, rows) if rows else ""


def render_phases(summaries: dict[str, Summary], which: str = "step") -> str:
    """Where a step's (or reset's) time goes, by the phases each environment reports (not comparable 1:1)."""
    lines = []
    for s in summaries.values():
        phases = s.step_phases_median_s if which == "step" else s.reset_phases_median_s
        if phases:
            parts = ", ".join(f"{name} {seconds:.3f}" for name, seconds in phases.items())
            lines.append(f"{s.label}: {parts}")
    return "\n".join(lines)


def render_targets(targets: list[Target]) -> str:
    marks = {True: "PASS", False: "FAIL", None: "SKIP"}
    return "\n".join(f"[{marks[t.passed]}] {t.name}: {t.detail}" for t in targets)


def render_problems(summaries: dict[str, Summary], limit: int = 8) -> str:
    lines = []
    for s in summaries.values():
        if s.problems:
            lines.append(f"{s.label}: {len(s.problems)} problem(s)")
            lines.extend(f"  - {p}" for p in s.problems[:limit])
            if len(s.problems) > limit:
                lines.append(f"  ... and {len(s.problems) - limit} more (see --json)")
    return "\n".join(lines)


def render_trace(plain: Summary | None, traced: Summary | None, about: dict[str, Any]) -> str:
    """What recording a Playwright trace costs (`palaestra eval --trace on`): the median step and
    reset with the trace on and off, and how large one episode's trace is."""
    if plain is None or traced is None:
        return ""
    lines = []
    for what, off, on in (
        ("step", plain.step_median_s, traced.step_median_s),
        ("reset", plain.reset_median_s, traced.reset_median_s),
    ):
        if off is not None and on is not None:
            extra = on - off
            lines.append(
                f"  {what:<5} median: {off * 1000:.1f} ms off, {on * 1000:.1f} ms on "
                f"({extra * 1000:+.1f} ms, {extra / off:+.0%})"
            )
    if about.get("traces"):
        lines.append(
            f"  trace size per episode: median {about['trace_median_bytes'] / 1000:.0f} kB, "
            f"largest {about['trace_max_bytes'] / 1000:.0f} kB ({about['traces']} traces)"
        )
    return "\n".join(lines)
