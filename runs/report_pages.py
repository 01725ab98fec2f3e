"""One episode's report page: its goal, how it ended, and a step-by-step timeline.

This is the page one opens to find out *why* an agent failed, so each step shows what the agent saw
when it decided (screenshot, observation text: step 0 is the page at reset), what it thought and
answered, what it did, and what that cost; the page after the last action closes the timeline.
Artifact paths come from the run database and are resolved with `confined`, so a tampered database
cannot make the report read files outside the run's directory.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from palaestra.runs.artifacts import ArtifactPathError, confined
from palaestra.runs.report_html import (
    esc,
    is_reference,
    page,
    reference_badge,
    result_marker,
    table,
    trace_link,
    when,
)
from palaestra.runs.report_html import thumbnail_uri as _thumbnail
from palaestra.runs.resources import describe, episode_resources
from palaestra.runs.step_count import steps_shown
from palaestra.runs.trajectory import TRAJECTORY_FILE

#: Longest text shown from one artifact (observations, responses); a report must stay openable.
TEXT_LIMIT = 100_000
_LOG_LIMIT = 50_000_000
_DATA_URI_KEEP = 80


def render_episode(
    run_dir: Path, episode: dict[str, Any], steps: list[dict[str, Any]], attempts: list[dict[str, Any]],
    index_href: str = "../index.html", page_dir: Path | None = None,
) -> str:  # fmt: skip
    """The HTML page of one episode (a row of the `episodes` table with its `steps` rows), to be
    written in ``page_dir`` (the run's ``report/episodes`` unless said): links are relative to it."""
    folder, problem = _episode_folder(run_dir, episode.get("artifacts"))
    trace = trace_link(run_dir, episode.get("artifacts"), page_dir or run_dir / "report" / "episodes")
    log = _agent_log(folder)
    title = f"{episode['agent']} · {episode['task']} · seed {episode['seed']}"
    from palaestra.ui.links import episode_link

    viewer = esc(episode_link(run_dir, episode["key"]))
    body = [
        f'<p><a href="{esc(index_href)}">← Run report</a> · <a class="ui" href="{viewer}">open in the '
        f"episode viewer</a> <span class='muted'>(palaestra ui {esc(run_dir)})</span></p>",
        f"<h1>{esc(title)}{reference_badge(is_reference(episode))}</h1>",
        f'<div class="goal">{esc(episode.get("goal") or "(no goal recorded)")}</div>',
        f"<h2>Outcome: {result_marker(episode)}</h2>",
    ]
    if episode.get("error_message"):
        body.append(f'<pre class="error-message">{esc(episode["error_message"])}</pre>')
    body.append(_episode_record(episode))
    if trace is not None:
        href, command = trace
        body.append(
            f'<p>This episode\'s <a class="trace" href="{esc(href)}">Playwright trace</a>: open it '
            f"with <code>{esc(command)}</code> (offline).</p>"
        )
    if attempts:
        rows = [
            [esc(a["attempt"]), esc(a.get("error_kind") or ""),
             f"<pre>{esc(_clip(a.get('error_message')))}</pre>", esc(when(a.get("finished")))]
            for a in attempts
        ]  # fmt: skip
        body += ["<h2>Errored attempts</h2>", table(["attempt", "error", "message", "finished"], rows)]
    body.append(f"<h2>Steps ({len(steps)})</h2>")
    if problem:
        body.append(f'<p class="err">Artifacts: {esc(problem)}</p>')
    if not steps:
        body.append('<p class="muted">No step was taken.</p>')
    body += [_step(step, folder, log.get(step["idx"], {})) for step in steps]
    body.append(_final_page(episode, folder))
    return page(title, "\n".join(body))


def _final_page(episode: dict[str, Any], folder: Path | None) -> str:
    """The page after the last step (or the one the agent stopped on), when it was recorded."""
    try:
        extra = json.loads(episode.get("extra") or "{}")
    except ValueError:
        return ""
    if not isinstance(extra, dict) or not extra.get("final_observation"):
        return ""
    image = _image(folder, extra.get("final_screenshot"), "the final page")
    obs, obs_problem = _artifact(folder, extra.get("final_observation"))
    text = _details("Observation", _read_text(obs) if obs else f"({obs_problem})")
    return (
        f'<section class="step" id="final"><div>{image}</div>'
        f"<div><h3>Final page</h3><p class='muted'>after the last action</p>{text}</div></section>"
    )


def _episode_record(e: dict[str, Any]) -> str:
    items = [
        ("Agent", f"{esc(e['agent'])} <span class='muted'>({esc(e['agent_name'])}, "
                  f"{esc(e['agent_hash'])})</span>"),
        ("Task", esc(e["task"])), ("Seed", esc(e["seed"])),
        ("Reward", f"{e['reward']:.2f}"), ("Steps", esc(steps_shown(e))),
        ("Time", f"{e.get('elapsed_s') or 0:.2f} s (reset {e.get('reset_s') or 0:.2f} s)"),
        ("Tokens", f"{e.get('tokens_in') or 0:,} in · {e.get('tokens_out') or 0:,} out"),
        ("Cost", f"{e.get('cost') or 0:.4f}"), ("Attempts", esc(e["attempts"])),
        ("Worker", esc(e.get("worker") or "-")), ("Finished", esc(when(e.get("finished")))),
    ]  # fmt: skip
    figures = episode_resources(e)
    if figures is not None:  # a desktop episode's CPU and memory (`runs.resources`)
        items.insert(6, ("Resources", esc(describe(figures))))
    return '<dl class="record">' + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in items) + "</dl>"


def _step(step: dict[str, Any], folder: Path | None, log: dict[str, Any]) -> str:
    image = _image(folder, step.get("screenshot"), f"what the agent saw at step {step['idx']}")
    error = step.get("error") or ""
    items = [
        ("Action", f"<code class='action'>{esc(step.get('action') or '')}</code>"),
        ("Action error", f"<span class='fail'>{esc(error)}</span>" if error
                         else "<span class='muted'>none</span>"),
        ("Reward", f"{step.get('reward') or 0:.2f}"),
        ("Timings", f"env {step.get('env_s') or 0:.3f} s · agent {step.get('agent_s') or 0:.3f} s · "
                    f"overhead {step.get('overhead_s') or 0:.3f} s"),
        ("Tokens", f"{step.get('tokens_in') or 0:,} in · {step.get('tokens_out') or 0:,} out · "
                   f"cost {step.get('cost') or 0:.4f}"),
    ]  # fmt: skip
    parts = ['<dl class="record">' + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in items) + "</dl>"]
    if log.get("thoughts"):
        parts.append(_details("Thoughts", log["thoughts"], opened=True))
    if log.get("raw_response"):
        parts.append(_details("Raw response", log["raw_response"]))
    if log.get("messages"):
        messages = json.dumps(_shorten_data_uris(log["messages"]), indent=1, ensure_ascii=False, default=str)
        parts.append(_details(f"Messages ({len(log['messages'])})", messages))
    obs, obs_problem = _artifact(folder, step.get("observation"))
    parts.append(_details("Observation", _read_text(obs) if obs else f"({obs_problem})"))
    return (
        f'<section class="step" id="step-{esc(step["idx"])}"><div>{image}</div>'
        f"<div><h3>Step {esc(step['idx'])}</h3>{''.join(parts)}</div></section>"
    )


def _image(folder: Path | None, name: str | None, alt: str) -> str:
    shot, problem = _artifact(folder, name)
    uri = _thumbnail(shot) if shot else None
    if uri:
        return f'<img class="shot" src="{uri}" alt="{esc(alt)}">'
    return f'<p class="muted">{esc(problem or "screenshot unreadable")}</p>'


def _details(summary: str, text: object, opened: bool = False) -> str:
    tag = "<details open>" if opened else "<details>"
    return f"{tag}<summary>{esc(summary)}</summary><pre>{esc(_clip(text))}</pre></details>"


def _clip(text: object, limit: int = TEXT_LIMIT) -> str:
    text = "" if text is None else str(text)
    return text if len(text) <= limit else text[:limit] + f"\n… ({len(text) - limit:,} more characters)"


def _shorten_data_uris(value: Any) -> Any:
    """Messages often carry screenshots as base64 `data:` URIs: kept as a short stub, not megabytes."""
    if isinstance(value, str) and value.startswith("data:") and len(value) > _DATA_URI_KEEP:
        return f"{value[:_DATA_URI_KEEP]}… ({len(value):,} characters)"
    if isinstance(value, list):
        return [_shorten_data_uris(v) for v in value]
    if isinstance(value, dict):
        return {k: _shorten_data_uris(v) for k, v in value.items()}
    return value


def _episode_folder(run_dir: Path, artifacts: str | None) -> tuple[Path | None, str]:
    """The episode's artifact folder inside the run, or None and why not."""
    if not artifacts:
        return None, "none recorded"
    try:
        folder = confined(run_dir, artifacts)
    except ArtifactPathError as exc:
        return None, f"refused: {exc}"
    return (folder, "") if folder.is_dir() else (None, f"folder {artifacts} is missing")


def _artifact(folder: Path | None, name: str | None) -> tuple[Path | None, str]:
    """A step's file inside the episode's folder, or None and why not."""
    if folder is None or not name:
        return None, "not recorded"
    try:
        path = confined(folder, name)
    except ArtifactPathError:
        return None, f"refused: {name} is outside the episode's folder"
    return (path, "") if path.is_file() else (None, f"{name} is missing")


def _read_text(path: Path, limit: int = TEXT_LIMIT) -> str:
    with path.open("rb") as f:
        data = f.read(limit + 1)
    text = data[:limit].decode("utf-8", errors="replace")
    return text + "\n… (truncated)" if len(data) > limit else text


def _agent_log(folder: Path | None) -> dict[int, dict[str, Any]]:
    """The trajectory's steps by index: the agent's thoughts, messages and raw response per step."""
    path, _ = _artifact(folder, TRAJECTORY_FILE)
    if path is None or path.stat().st_size > _LOG_LIMIT:
        return {}
    entries: dict[int, dict[str, Any]] = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue  # a truncated last line (a killed run) must not hide the others
        if isinstance(entry, dict) and entry.get("type") == "step" and isinstance(entry.get("index"), int):
            entries[entry["index"]] = entry
    return entries
