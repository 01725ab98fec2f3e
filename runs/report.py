"""`palaestra report`: a run as a self-contained HTML report, to read, share, or attach to an issue.

`write_report` writes an index page (how the run was made, the summary table, per-agent means, a
success chart, the errors, and a link to every episode) and one page per episode (see
`report_pages`). The numbers come from `results.summarize`, the same as `palaestra show`, so the
report and the terminal never disagree; errored episodes are counted apart, never as failures.
"""

from __future__ import annotations

import json
import shlex
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any
from urllib.parse import quote

from palaestra.redaction import SECRETS, redact, redact_text
from palaestra.runs.columns import ALL_TASKS, column_cell, stand_in_note, summarize_columns
from palaestra.runs.records import PERMANENT_ERRORS, RESUMED_ERRORS, RETRYABLE_ERRORS
from palaestra.runs.report_html import (
    episode_page_name,
    esc,
    is_reference,
    page,
    reference_badge,
    result_marker,
    success_chart,
    table,
    trace_link,
    when,
)
from palaestra.runs.report_pages import render_episode
from palaestra.runs.results import agent_means, format_model_retries, has_resources, summarize
from palaestra.runs.step_count import steps_shown
from palaestra.runs.store import RunStore

__all__ = ["render_index", "write_report"]


#: How pages are written: a lone surrogate in a model's answer or a page's text shows as its escape.
_TEXT: dict[str, Any] = {"encoding": "utf-8", "errors": "backslashreplace"}


def write_report(run_dir: str | Path, out: str | Path | None = None) -> Path:
    """Write the report of the run in `run_dir`; return the index page's path.

    `out` is the index file (`*.html`) or a folder for it; by default `RUN/report/index.html`.
    Episode pages go to `episodes/` next to the index. The run is only read, never changed.
    """
    run = Path(run_dir)
    with RunStore(run, readonly=True) as store:  # fails before anything is written if it is no run
        index = _index_path(run, out)
        pages = index.parent / "episodes"
        pages.mkdir(parents=True, exist_ok=True)
        # Runs recorded before secrets were redacted on the way in are redacted on the way out.
        episodes = [_redacted(e) for e in store.episodes()]
        invocations = [{**i, "record": _redacted_record(i["record"])} for i in store.invocations()]
        attempts: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in store.db.execute("SELECT * FROM attempts ORDER BY episode, attempt"):
            attempts[row["episode"]].append(_redacted(dict(row)))
        back = "../" + quote(index.name)
        for episode in episodes:
            html = render_episode(
                run, episode, store.steps(episode["key"]), attempts[episode["key"]], back, pages
            )
            (pages / episode_page_name(episode["key"])).write_text(html, **_TEXT)
    index.write_text(render_index(run, episodes, invocations, attempts, index.parent), **_TEXT)
    return index


def _redacted(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "error_message": redact_text(row.get("error_message") or "")}


def _redacted_record(record: Any) -> Any:
    if isinstance(record, dict) and isinstance(record.get("argv"), list):
        record = {**record, "argv": SECRETS.argv(record["argv"])}
    return redact(record)


def _index_path(run: Path, out: str | Path | None) -> Path:
    if out is None:
        return run / "report" / "index.html"
    path = Path(out)
    return path if path.suffix.lower() in (".html", ".htm") else path / "index.html"


def render_index(
    run: Path, episodes: list[dict[str, Any]], invocations: list[dict[str, Any]],
    attempts: dict[str, list[dict[str, Any]]], page_dir: Path | None = None,
) -> str:  # fmt: skip
    """The index page's HTML, from the run's `episodes`, `invocations` and errored `attempts` rows,
    to be written in ``page_dir`` (the run's ``report`` unless said): links are relative to it."""
    errored = sum(e["status"] == "error" for e in episodes)
    body = [
        f"<h1>Run report: {esc(run.resolve().name)}</h1>",
        f'<p class="muted">{esc(run.resolve())} · {len(episodes)} episodes ({errored} errored) · '
        f"report written {esc(when(time.time()))}</p>",
        "<h2>Reproducibility</h2>",
        _record(invocations),
        "<h2>Summary</h2>",
        _summary(episodes),
        "<h2>Success by task</h2>",
        success_chart(summarize(episodes)),
        "<h2>Errors</h2>",
        _errors(episodes, attempts),
        *(
            [f'<p class="muted">{esc(retried.strip()).replace(chr(10), "<br>")}</p>']
            if (retried := format_model_retries(episodes))
            else []
        ),
        "<h2>Episodes</h2>",
        _episode_list(run, episodes, page_dir or run / "report"),
    ]
    return page(f"Run report: {run.resolve().name}", "\n".join(body))


def _record(invocations: list[dict[str, Any]]) -> str:
    """The latest invocation's reproducibility record: what to rerun, and what it ran on."""
    if not invocations:
        return '<p class="muted">No invocation recorded.</p>'
    latest = invocations[-1]
    record = latest["record"] if isinstance(latest.get("record"), dict) else {}
    git = record.get("git") or {}
    commit = esc(git.get("commit") or "unknown")
    if git.get("dirty"):
        fingerprint = f", diff {esc(str(git['diff_sha256'])[:12])}" if git.get("diff_sha256") else ""
        commit += f' <span class="dirty">(dirty: uncommitted changes{fingerprint})</span>'
    machine, suites = (record.get(k) for k in ("machine", "task_definitions"))
    machine, suites = (x if isinstance(x, dict) else {} for x in (machine, suites))
    defined = " · ".join(
        f"{suite}: {d.get('tasks')} tasks, {str(d.get('sha256'))[:12]}"
        for suite, d in sorted(suites.items())
        if isinstance(d, dict)
    )
    argv = record.get("argv")
    agents = [
        f"{esc(a.get('label'))} = {esc(a.get('name'))}"
        + (f" ({esc(a['model'])})" if a.get("model") else "")
        + f" <span class='muted'>[{esc(a.get('config_hash', ''))}]</span>"
        for a in record.get("agents") or []
        if isinstance(a, dict)
    ]
    packages = record.get("packages") or {}
    items = [
        ("Command", f"<code>{esc(shlex.join(map(str, argv)))}</code>" if isinstance(argv, list) else "-"),
        ("Git commit", commit),
        ("Seeds", esc(_seed_ranges(record.get("seeds")))),
        ("Agents", "<br>".join(agents) or "-"),
        ("Packages", esc(" · ".join(f"{k} {v}" for k, v in sorted(packages.items()))) or "-"),
        *[(f"Packages ({esc(venv)})", esc(" · ".join(f"{k} {v}" for k, v in sorted(side.items()))) or "-")
          for venv, side in sorted((record.get("side_packages") or {}).items()) if isinstance(side, dict)],
        ("Browser", esc(record.get("browser") or "-")),
        ("Python", esc(record.get("python") or "-")),
        ("Platform", esc(record.get("platform") or "-")),
        ("Machine", esc(f"{machine.get('cpus_usable')} of {machine.get('cpus')} cores usable, "
                        f"{machine.get('memory_gib')} GiB") if machine else "-"),
        ("Working folder", esc(record.get("cwd") or "-")),
        ("Task definitions", esc(defined) or "-"),
        ("Invocation", f"#{esc(latest['id'])} of {len(invocations)}: started {esc(when(latest['started']))}, "
                       f"{esc(latest.get('status') or 'running')} {esc(when(latest.get('finished')))}"),
    ]  # fmt: skip
    html = '<dl class="record">' + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in items) + "</dl>"
    if record.get("config") is not None:
        config = json.dumps(record["config"], indent=1, default=str)
        html += f"<details><summary>Configuration</summary><pre>{esc(config)}</pre></details>"
    return html


def _seed_ranges(seeds: object) -> str:
    """`[0, 1, 2, 5]` as `0-2, 5`."""
    if not isinstance(seeds, list) or not all(isinstance(s, int) for s in seeds):
        return "-" if not seeds else str(seeds)
    ranges: list[list[int]] = []
    for seed in sorted(set(seeds)):
        if ranges and seed == ranges[-1][1] + 1:
            ranges[-1][1] = seed
        else:
            ranges.append([seed, seed])
    return ", ".join(f"{a}-{b}" if b > a else str(a) for a, b in ranges) or "-"


def _summary(episodes: list[dict[str, Any]]) -> str:
    summaries = summarize(episodes)
    if not summaries:
        return '<p class="muted">No episode recorded yet.</p>'
    reference = {e["agent"] for e in episodes if is_reference(e)}
    rows = [
        [esc(s.agent) + reference_badge(s.agent in reference), esc(s.task), str(s.episodes),
         *([f"{s.success:.2f} ± {s.stderr:.2f}", f"{s.mean_reward:.2f}", f"{s.mean_steps:.1f}",
            f"{s.mean_seconds:.1f}"] if s.episodes else ["-"] * 4),  # nothing finished: nothing measured
         f"{s.tokens:,}", f"{s.cost:.4f}", str(s.errors)]
        for s in summaries
    ]  # fmt: skip
    headers = ["agent", "task", "n", "success", "reward", "steps", "s/episode", "tokens", "cost", "errors"]
    if has_resources(summaries):  # desktop episodes: what each task cost the machine
        for row, s in zip(rows, summaries, strict=True):
            row.extend(s.resources.cells() if s.resources is not None else ("-", "-"))
        headers += ["CPU s", "peak MiB"]
    if any(s.mean_answers is not None for s in summaries):  # steps are actions; answers beside them
        for row, s in zip(rows, summaries, strict=True):
            row.append("-" if s.mean_answers is None else f"{s.mean_answers:.1f}")
        headers.append("answers")
    html = table(headers, rows, numeric=range(2, len(headers)))
    means = []
    for agent, (mean, stderr) in sorted(agent_means(summaries).items()):
        mine = [s for s in summaries if s.agent == agent]
        cost, successes = sum(s.cost for s in mine), round(sum(s.success * s.episodes for s in mine))
        means.append(
            [esc(agent) + reference_badge(agent in reference), str(sum(1 for s in mine if s.episodes)),
             str(sum(s.episodes for s in mine)), f"{mean:.2f} ± {stderr:.2f}",
             f"{sum(s.tokens for s in mine):,}", f"{cost:.4f}",
             f"{cost / successes:.4f}" if successes and cost else "-", str(sum(s.errors for s in mine))]
        )  # fmt: skip
    html += "<h3>Per agent (mean over tasks, each task weighs the same)</h3>"
    headers = ["agent", "tasks", "n", "success", "tokens", "cost", "cost / success", "errors"]
    html += table(headers, means, numeric=range(1, 8))
    html += _columns(episodes)
    if reference:
        html += (
            '<p class="muted"><span class="badge">reference</span> privileged agents are told the task: '
            "their runs are reference solutions that check the tasks, not measurements of an agent.</p>"
        )
    return html


def _columns(episodes: list[dict[str, Any]]) -> str:
    """WebArena's evaluator columns per agent and task (nothing for a run without them)."""
    names, summaries = summarize_columns(episodes)
    if not summaries:
        return ""
    rows = [
        [esc(s.agent), esc(s.task) if s.task != ALL_TASKS else f"<em>{esc(ALL_TASKS)}</em>",
         *(esc(column_cell(*s.means[n], s.episodes)) for n in names), str(s.episodes)]
        for s in summaries
    ]  # fmt: skip
    return (
        "<h3>Evaluator columns (WebArena)</h3>"
        + table(["agent", "task", *names, "n"], rows, numeric=range(2, len(names) + 3))
        + '<p class="muted">Each column\'s mean is over the finished episodes it judged: '
        "<em>paper</em> as WebArena's paper defines its evaluators, <em>corrected</em> with their known "
        "faults fixed, <em>verified</em> WebArena-Verified's; (n=k) where fewer episodes than the row's "
        "have a value.</p>"
        + "".join(f'<p class="muted">{esc(line)}</p>' for line in stand_in_note(episodes).splitlines())
    )


def _errors(episodes: list[dict[str, Any]], attempts: dict[str, list[dict[str, Any]]]) -> str:
    """Errors by kind: episodes that ended errored, and every errored attempt (retries included)."""
    final = Counter(e["error_kind"] or "unknown" for e in episodes if e["status"] == "error")
    tried = Counter(a["error_kind"] or "unknown" for tries in attempts.values() for a in tries)
    if not final and not tried:
        return '<p class="ok">No errors.</p>'
    samples: dict[str, tuple[str, str]] = {}
    for e in episodes:
        if e["status"] == "error":
            samples.setdefault(e["error_kind"] or "unknown", (e["key"], e["error_message"] or ""))
    for key, tries in attempts.items():
        for a in tries:
            samples.setdefault(a["error_kind"] or "unknown", (key, a["error_message"] or ""))
    rows = []
    for kind in sorted(set(final) | set(tried), key=lambda k: (-final[k], -tried[k], k)):
        key, message = samples[kind]
        kind_class = (
            "retryable"
            if kind in RETRYABLE_ERRORS
            else "permanent"
            if kind in PERMANENT_ERRORS
            else "resumed"
            if kind in RESUMED_ERRORS
            else "-"
        )
        first_line = message.strip().splitlines()[0][:300] if message.strip() else ""
        link = f'<a href="episodes/{quote(episode_page_name(key))}">{esc(key)}</a>'
        rows.append(
            [esc(kind), kind_class, str(final[kind]), str(tried[kind]), f"{esc(first_line)}<br>{link}"]
        )
    headers = ["kind", "class", "episodes", "errored attempts", "sample message"]
    note = '<p class="muted">Errors are the infrastructure\'s fault: never counted as failures.</p>'
    return table(headers, rows, numeric=(2, 3)) + note


def _episode_list(run: Path, episodes: list[dict[str, Any]], page_dir: Path) -> str:
    from palaestra.ui.links import episode_link

    def trace(e: dict[str, Any]) -> str:
        found = trace_link(run, e.get("artifacts"), page_dir)
        if found is None:
            return ""
        return f'<a class="trace" href="{esc(found[0])}" title="{esc(found[1])}">trace</a>'

    rows = [
        [esc(e["agent"]) + reference_badge(is_reference(e)), esc(e["task"]), esc(e["seed"]), result_marker(e),
         esc(steps_shown(e)), f"{e['reward']:.2f}", f"{e.get('elapsed_s') or 0:.1f}",
         f'<a class="episode" href="episodes/{quote(episode_page_name(e["key"]))}">open</a>',
         f'<a class="ui" href="{esc(episode_link(run, e["key"]))}">palaestra ui</a>', trace(e)]
        for e in episodes
    ]  # fmt: skip
    if not rows:
        return '<p class="muted">No episode recorded yet.</p>'
    note = (
        '<p class="muted">The <em>palaestra ui</em> links open the episode viewer (step through the '
        f"episode, replay its prompts) once <code>palaestra ui {esc(run)}</code> runs.</p>"
    )
    headers = ["agent", "task", "seed", "result", "steps", "reward", "s", "page", "viewer", "trace"]
    return table(headers, rows, numeric=(2, 4, 5, 6)) + note
