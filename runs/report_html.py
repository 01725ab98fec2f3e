"""Building blocks of the HTML run report: escaping, the page shell, thumbnails and the bar chart.

A report is opened long after the run, often on another machine, and is mailed or attached to
issues: so every page is self-contained (inline CSS, images as `data:` URIs, no scripts, no network).
Its text comes from task pages and model output, which are untrusted: everything goes through
`esc`, and each page carries a Content-Security-Policy that forbids scripts and remote loads, so a
missed escape still cannot run code or phone home.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import json
import os
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from palaestra.runs.artifacts import safe_part
from palaestra.runs.results import TaskSummary

#: Registered agent names that are privileged reference solutions (told the task), not measured agents.
REFERENCE_AGENTS = frozenset({"oracle"})

THUMBNAIL_SIZE = (480, 320)
_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
_PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#9c755f")

CSS = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 1.5em auto; max-width: 1200px; padding: 0 1em;
       color: #222; }
h1 { font-size: 1.5em; margin-bottom: .2em; } h2 { font-size: 1.2em; margin-top: 1.6em; }
table { border-collapse: collapse; margin: .5em 0; } th, td { padding: .25em .6em; text-align: left;
       border-bottom: 1px solid #ddd; vertical-align: top; }
th { background: #f3f3f3; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.mean td { font-weight: 600; background: #fafafa; }
dl.record { display: grid; grid-template-columns: max-content 1fr; gap: .15em 1em; }
dl.record dt { font-weight: 600; } dl.record dd { margin: 0; word-break: break-all; }
code, pre { font: 12px/1.4 ui-monospace, monospace; } pre { background: #f6f6f6; padding: .6em;
       overflow-x: auto; white-space: pre-wrap; word-break: break-word; max-height: 40em; }
.badge { display: inline-block; font-size: .75em; padding: 0 .4em; border-radius: .6em;
       background: #e8e0f5; color: #513a7a; margin-left: .3em; }
.ok { color: #1a7f37; } .fail { color: #b42318; } .err { color: #9a6700; } .muted { color: #777; }
.dirty { color: #b42318; font-weight: 600; }
.chart-wrap { overflow-x: auto; } svg.chart text { font: 11px system-ui, sans-serif; fill: #444; }
svg.chart line.grid { stroke: #e4e4e4; } svg.chart line.se { stroke: #333; }
.legend span { margin-right: 1.2em; } .swatch { display: inline-block; width: .9em; height: .9em;
       vertical-align: -.1em; margin-right: .3em; }
.step { display: grid; grid-template-columns: 490px 1fr; gap: 1em; border-top: 1px solid #ddd;
       padding: .8em 0; } .step img { max-width: 100%; border: 1px solid #ccc; }
.goal { font-size: 1.1em; background: #f6f8fa; padding: .5em .8em; border-left: 4px solid #4e79a7;
       white-space: pre-wrap; }
details { margin: .3em 0; } summary { cursor: pointer; color: #35577d; }
"""


def trace_link(run_dir: Path, artifacts: str | None, page_dir: Path) -> tuple[str, str] | None:
    """The episode's Playwright trace (`--trace`) as a link relative to a page in ``page_dir`` (so
    the report and the run move together) and the command that opens it; None without a trace."""
    from urllib.request import pathname2url

    from palaestra.runs.tracing import show_trace_command, trace_of

    trace = trace_of(run_dir, artifacts)
    if trace is None:
        return None
    href = pathname2url(os.path.relpath(trace.resolve(), page_dir.resolve()))
    return href, show_trace_command(trace.resolve())


def esc(value: object) -> str:
    """Text made safe for HTML content and quoted attributes."""
    return html.escape("" if value is None else str(value), quote=True)


def page(title: str, body: str) -> str:
    """A complete HTML document around `body` (already HTML)."""
    return (
        "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        '<meta name=viewport content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head>\n<body>\n{body}\n</body></html>\n"
    )


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], numeric: Iterable[int] = ()) -> str:
    """An HTML table; `headers` are plain text, cells are HTML; columns in `numeric` align right."""
    right = set(numeric)

    def cls(i: int) -> str:
        return ' class="num"' if i in right else ""

    head = "".join(f"<th{cls(i)}>{esc(h)}</th>" for i, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(f"<td{cls(i)}>{c}</td>" for i, c in enumerate(row)) + "</tr>\n" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>\n{body}</tbody></table>"


def episode_page_name(key: str) -> str:
    """A file name for an episode's page: readable, and unique even when two keys sanitise alike."""
    digest = hashlib.sha1(key.encode()).hexdigest()[:8]
    return f"{safe_part(key)[:80]}-{digest}.html"


def is_reference(episode: dict[str, Any]) -> bool:
    """Whether the episode was played by a privileged agent (a reference solution, not a result)."""
    if episode.get("agent_name") in REFERENCE_AGENTS:
        return True
    try:
        extra = json.loads(episode.get("extra") or "{}")
    except ValueError:
        return False
    return isinstance(extra, dict) and extra.get("privileged") is True


def reference_badge(reference: bool) -> str:
    return ' <span class="badge" title="privileged agent told the task">reference</span>' if reference else ""


def result_marker(episode: dict[str, Any]) -> str:
    """✓ success, ✗ failure (or step limit), ⚠ error kind: the episode's ending at a glance."""
    if episode["status"] == "error":
        return f'<span class="err">⚠ error: {esc(episode.get("error_kind") or "unknown")}</span>'
    if episode["success"]:
        return '<span class="ok">✓ success</span>'
    outcome = (episode.get("outcome") or "failure").replace("_", " ")
    return f'<span class="fail">✗ {esc(outcome)}</span>'


def when(timestamp: float | None) -> str:
    if not timestamp:
        return "-"
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(timestamp))


def thumbnail_uri(path: Path, max_size: tuple[int, int] = THUMBNAIL_SIZE) -> str | None:
    """The image at `path` downscaled to fit `max_size`, as a JPEG `data:` URI; None if unreadable."""
    from PIL import Image

    try:
        with Image.open(path) as image:
            image.draft("RGB", max_size)  # JPEG: decode at a reduced scale, much cheaper
            small = image.convert("RGB")
            small.thumbnail(max_size)
            buffer = io.BytesIO()
            small.save(buffer, format="JPEG", quality=70, optimize=True)
    except (OSError, ValueError, Image.DecompressionBombError):
        return None
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def success_chart(summaries: Sequence[TaskSummary]) -> str:
    """An inline SVG bar chart of success per task, one bar per agent, with ±1 std. error whiskers.

    Cells with no finished episode get no bar (nothing was measured); a 0% bar is drawn 1px high so
    that it is told apart from a missing one.
    """
    shown = [s for s in summaries if s.episodes]
    if not shown:
        return '<p class="muted">No finished episodes to chart.</p>'
    agents = sorted({s.agent for s in shown})
    tasks = sorted({s.task for s in shown})
    colors = {a: _PALETTE[i % len(_PALETTE)] for i, a in enumerate(agents)}
    cells = {(s.agent, s.task): s for s in shown}
    labels = {t: t if len(t) <= 30 else t[:29] + "…" for t in tasks}
    reach = 5.5 * max(len(label) for label in labels.values())  # a label's length in px, about
    bar, gap, plot_h, top = 14, 14, 160, 10
    group_w = bar * len(agents) + gap
    # Labels slant down-left at 40°: leave room for the first one on the left, and for all below.
    left = max(40, int(reach * 0.77 - (group_w - gap) / 2 - gap) + 8)
    bottom = int(reach * 0.64) + 24
    width, height = left + gap + group_w * len(tasks), top + plot_h + bottom
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="Success rate by task and agent">'
    ]
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        y = top + plot_h * (1 - tick)
        parts.append(
            f'<line class="grid" x1="{left}" x2="{width}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text x="{left - 5}" y="{y + 4:.1f}" text-anchor="end">{tick:.2f}</text>'
        )
    for t, task in enumerate(tasks):
        x0 = left + gap + t * group_w
        for a, agent in enumerate(agents):
            s = cells.get((agent, task))
            if s is None:
                continue
            x, h = x0 + a * bar, max(plot_h * s.success, 1.0)
            tip = f"{agent} · {task}: {s.success:.2f} ± {s.stderr:.2f} (n={s.episodes})"
            parts.append(
                f'<rect class="bar" x="{x}" y="{top + plot_h - h:.1f}" width="{bar - 2}" height="{h:.1f}" '
                f'fill="{colors[agent]}"><title>{esc(tip)}</title></rect>'
            )
            if s.stderr:
                lo, hi = max(s.success - s.stderr, 0.0), min(s.success + s.stderr, 1.0)
                cx = x + (bar - 2) / 2
                parts.append(
                    f'<line class="se" x1="{cx}" x2="{cx}" y1="{top + plot_h * (1 - lo):.1f}" '
                    f'y2="{top + plot_h * (1 - hi):.1f}"/>'
                )
        cx = x0 + (group_w - gap) / 2
        parts.append(
            f'<text transform="translate({cx:.1f},{top + plot_h + 12}) rotate(-40)" text-anchor="end">'
            f"<title>{esc(task)}</title>{esc(labels[task])}</text>"
        )
    parts.append("</svg>")
    legend = "".join(
        f'<span><i class="swatch" style="background:{colors[a]}"></i>{esc(a)}</span>' for a in agents
    )
    return f'<div class="legend">{legend}</div><div class="chart-wrap">{"".join(parts)}</div>'
