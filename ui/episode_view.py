"""The Episode viewer's data: an episode's timeline, and what the agent saw at one step of it.

A step is what the agent saw (screenshot, observation: AXTree, DOM, element boxes, the abstracted
state, tools), what it answered (prompt, raw answer, thoughts), what that parsed to and which
element it acted on, and what it cost. Runs record observation n as the page the agent acted on at
step n (0: the page at reset) and the page after the last step as the final page; older runs
recorded the page *after* each step, and the viewer says so.

Files are read through the report's confinement (`runs.artifacts.confined`): a tampered database
cannot point the viewer outside the episode's folder.
"""

from __future__ import annotations

import contextlib
import difflib
import json
from pathlib import Path
from typing import Any

from palaestra.envs.actions import ActionSet
from palaestra.envs.page_address import shown_url
from palaestra.errors import PalaestraError
from palaestra.runs.call_images import SUFFIXES, call_image
from palaestra.runs.observations import load_observation, record_name
from palaestra.runs.report_pages import _agent_log, _artifact, _episode_folder, _read_text, _shorten_data_uris
from palaestra.runs.resources import describe, episode_resources
from palaestra.runs.store import RunStore
from palaestra.runs.tracing import TRACE_FILE, show_trace_command, trace_of
from palaestra.ui.actions import describe_action, recorded_action_set, slim_elements
from palaestra.ui.in_progress import unrecorded_detail, unrecorded_folder
from palaestra.ui.runs_view import parse_extra, result_of

#: Lines of a step-to-step diff shown at most; a page that changed wholesale says so instead.
DIFF_LINES = 1500
FINAL = "final"
#: An episode written as a trajectory (by the runner or the environment server): JSON lines whose
#: last one (`"type": "end"`) names the final page.
TRAJECTORY_FILE = "trajectory.jsonl"


class NotFoundError(PalaestraError, LookupError):
    """An episode, step or file a request names that does not exist."""


def episode_detail(run: Path, key: str) -> dict[str, Any]:
    with RunStore(run, readonly=True) as store:
        row = store.db.execute("SELECT * FROM episodes WHERE key = ?", (key,)).fetchone()
        settings = (store.meta("config") or {}).get("settings")
        if row is None:
            running = (store.invocations() or [{}])[-1].get("status") == "running"
            return _unrecorded_detail(run, key, settings, running)
        episode, steps, attempts = dict(row), store.steps(key), store.attempts(key)
        siblings = [
            r[0]
            for r in store.db.execute(
                "SELECT key FROM episodes WHERE agent = ? ORDER BY task, seed", (episode["agent"],)
            )
        ]
    folder, problem = _episode_folder(run, episode.get("artifacts"))
    log = _agent_log(folder)
    extra = parse_extra(episode)
    ending = _ending(folder, extra)
    actions = recorded_action_set(settings, str(episode["task"]), episode_resources(episode) is not None)
    timeline = [_step(s, log.get(s["idx"], {}), actions) for s in steps]
    final = None
    if ending and ending.get("final_observation"):
        final = {
            "observation": ending["final_observation"],
            "screenshot": ending.get("final_screenshot") or "",
        }
    at = siblings.index(key)
    return {
        "run": str(run),
        "key": key,
        "episode": {**{k: v for k, v in episode.items() if k != "extra"}, "extra": extra},
        "result": result_of(episode),
        "attempts": attempts,
        "artifacts_problem": problem,
        "observed": "before" if ending is not None else "after",
        "steps": timeline,
        "final": final,
        "previous_episode": siblings[at - 1] if at > 0 else None,
        "next_episode": siblings[at + 1] if at + 1 < len(siblings) else None,
        "has_folder": folder is not None,
        "trace": _trace(run, episode.get("artifacts"), extra),
        "resources": _resources(episode),
        "refused_prompt": _refused_prompt(folder, extra),
    }


def _unrecorded_detail(run: Path, key: str, settings: Any, running: bool) -> dict[str, Any]:
    """An episode the run started and has not recorded, read-only from its trajectory
    (`ui.in_progress`); `NotFoundError` when there is no such episode at all."""
    folder = unrecorded_folder(run, key)
    if folder is None:
        raise NotFoundError(f"No episode {key!r} in this run.")
    actions = recorded_action_set(settings, key.rsplit("|", 2)[1], False)
    return unrecorded_detail(run, key, folder, running, lambda row, line: _step(row, line, actions))


def _refused_prompt(folder: Path | None, extra: dict[str, Any]) -> dict[str, Any] | None:
    """A `context_length` episode's refused prompt (`runs.refused_prompt`): its sizes from the row,
    the messages sent from the trajectory's end line. None for every other episode."""
    if "refused_prompt" not in extra:
        return None
    end = _end_line(folder) or {}
    kept = end.get("refused_prompt")
    sent = kept.get("sent") if isinstance(kept, dict) else None
    return {**extra["refused_prompt"], "sent": _shorten_data_uris(sent) if isinstance(sent, list) else []}


def _resources(episode: dict[str, Any]) -> str | None:
    """A desktop episode's resource figures in a line (`runs.resources.describe`, as its report page
    says them); None for episodes of environments that report none, and runs recorded before."""
    figures = episode_resources(episode)
    return describe(figures) if figures is not None else None


def _trace(run: Path, artifacts: str | None, extra: dict[str, Any]) -> dict[str, Any] | None:
    """The episode's Playwright trace (`--trace`): its file, for `api/file`, its size and the command
    that opens it; or why it could not be written. None when it recorded none."""
    path = trace_of(run, artifacts)
    if path is None:
        problem = extra.get("trace_error")
        return {"name": None, "problem": str(problem)} if problem else None
    return {"name": TRACE_FILE, "bytes": path.stat().st_size, "command": show_trace_command(path)}


def _ending(folder: Path | None, extra: dict[str, Any]) -> dict[str, Any] | None:
    """Where the final page is recorded: the episode row's extra, or the end line of a trajectory
    file (`trajectory.jsonl`, the format the environment server writes too). None for runs that
    recorded each page after its step, before either existed."""
    if "final_observation" in extra:
        return extra
    return _end_line(folder)


def _end_line(folder: Path | None) -> dict[str, Any] | None:
    """The trajectory's end line; {} when it has none, None when there is no trajectory."""
    path, _ = _artifact(folder, TRAJECTORY_FILE)
    if path is None:
        return None
    with path.open(encoding="utf-8", errors="replace") as lines:
        for line in lines:
            if '"type": "end"' in line or '"type":"end"' in line:
                with contextlib.suppress(ValueError):
                    entry = json.loads(line)
                    if isinstance(entry, dict):
                        return entry
    return {}


def _step(step: dict[str, Any], log: dict[str, Any], actions: ActionSet) -> dict[str, Any]:
    messages = log.get("messages") or []
    return {
        **{k: step.get(k) for k in ("idx", "action", "error", "reward", "env_s", "agent_s", "overhead_s",
                                      "tokens_in", "tokens_out", "cost", "screenshot", "observation")},
        "parsed": describe_action(step.get("action") or "", actions),
        "thoughts": log.get("thoughts") or "",
        "raw_response": log.get("raw_response") or "",
        "messages": _shorten_data_uris(messages) if isinstance(messages, list) else [],
        "agent_extra": log.get("extra") or {},
    }  # fmt: skip


def observation_detail(run: Path, key: str, which: str) -> dict[str, Any]:
    """What the agent saw at step ``which`` (an index, or "final"), and the diff from the step before."""
    detail = episode_detail(run, key)
    folder, _ = _episode_folder(run, detail["episode"].get("artifacts"))
    names = [s["observation"] for s in detail["steps"]]
    if detail["final"]:
        names.append(detail["final"]["observation"])
    if which == FINAL:
        if not detail["final"]:
            raise NotFoundError("This episode recorded no final page.")
        index = len(names) - 1
    else:
        try:
            index = int(which)
        except ValueError:
            raise NotFoundError(f"No step {which!r}: give a step number or 'final'.") from None
        if not 0 <= index < len(detail["steps"]):
            raise NotFoundError(f"No step {index} in this episode ({len(detail['steps'])} steps).")
    current = _observation(folder, names[index])
    previous = _observation(folder, names[index - 1]) if index > 0 else None
    return {**current, "diff": _diff(previous, current) if previous else None}


def _observation(folder: Path | None, name: str | None) -> dict[str, Any]:
    text_path, problem = _artifact(folder, name)
    out: dict[str, Any] = {"text": _read_text(text_path) if text_path else "", "problem": problem}
    record_path, _ = _artifact(folder, record_name(name)) if name else (None, "")
    if record_path is None:
        out["record"] = None
        return out
    try:
        record = load_observation(record_path)
    except (ValueError, OSError) as exc:
        out["record"], out["problem"] = None, f"{record_path.name}: {exc}"
        return out
    out["record"] = {
        "url": record.get("url", ""),
        # The address as agents read it: a local page's path names its MiniWoB++ task, and agents
        # are shown "(a local page)" instead (`envs.page_address`), so the page says so.
        "shown_url": shown_url(str(record.get("url") or "")),
        "goal": record.get("goal", ""),
        "axtree": record.get("axtree", ""),
        "dom": record.get("dom", ""),
        "focused_element": record.get("focused_element", ""),
        "last_action": record.get("last_action", ""),
        "last_action_error": record.get("last_action_error", ""),
        "open_pages": record.get("open_pages", []),
        "tools": record.get("tools", ""),
        "tool_results": record.get("tool_results", ""),
        "elements": slim_elements(record.get("elements")),
        "abstract_state": abstracted(record),
    }
    return out


def abstracted(record: dict[str, Any]) -> str:
    """The Synapse agent's abstracted state of a recorded observation (what its prompt shows)."""
    if not isinstance(record.get("elements"), list) or not record["elements"]:
        return ""
    from palaestra.agents.abstraction import abstract_state

    try:
        return abstract_state(record).text  # type: ignore[arg-type]
    except (KeyError, TypeError, ValueError) as exc:  # a record from another version of the recorder
        return f"(could not abstract this observation: {type(exc).__name__}: {exc})"


def _diff(previous: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    """A unified diff of the page as the agent reads it (AXTree, else the observation text)."""
    before, after = _page_text(previous), _page_text(current)
    lines = list(difflib.unified_diff(before.splitlines(), after.splitlines(), n=1, lineterm=""))[2:]
    added = sum(1 for line in lines if line.startswith("+"))
    removed = sum(1 for line in lines if line.startswith("-"))
    return {
        "lines": lines[:DIFF_LINES],
        "clipped": len(lines) > DIFF_LINES,
        "added": added,
        "removed": removed,
    }


def _page_text(obs: dict[str, Any]) -> str:
    record = obs.get("record")
    if record:
        head = [f"url: {record.get('url', '')}"]
        if record.get("last_action_error"):
            head.append(f"last_action_error: {record['last_action_error']}")
        return "\n".join(head) + "\n" + (record.get("axtree") or record.get("dom") or "")
    return str(obs.get("text") or "")


def artifact_path(run: Path, key: str, name: str) -> Path:
    """A file of the episode's folder (a screenshot), confined to it."""
    path, problem = _artifact(_folder_of(run, key, name), name)
    if path is None:
        raise NotFoundError(f"{name}: {problem}")
    return path


def call_image_path(run: Path, key: str, name: str) -> Path:
    """The image a step's model call sent, as its recorded part names it: a plain file name of the
    episode's folder, read as `palaestra export` reads it (`call_image`: anything else raises
    `RecordedImageError`, a missing file its `MissingRecordedImageError`), and a picture."""
    path = call_image(_folder_of(run, key, name), name, f"episode {key}")
    if path.suffix.lower() not in SUFFIXES.values():
        raise NotFoundError(
            f"{name} is not an image a model call sent (those are {', '.join(SUFFIXES.values())})."
        )
    return path


def _folder_of(run: Path, key: str, name: str) -> Path:
    """The episode's folder, confined to the run; ``name`` is the file asked for (for the error)."""
    with RunStore(run, readonly=True) as store:
        row = store.db.execute("SELECT artifacts FROM episodes WHERE key = ?", (key,)).fetchone()
    if row is None:  # an episode under way: its folder, from its key (`ui.in_progress`)
        unrecorded = unrecorded_folder(run, key)
        if unrecorded is None:
            raise NotFoundError(f"No episode {key!r} in this run.")
        return unrecorded
    folder, problem = _episode_folder(run, row[0])
    if folder is None:  # a tampered database: say so, rather than "not recorded"
        raise NotFoundError(f"{name}: {problem}")
    return folder


def step_prompt(run: Path, key: str, index: int) -> dict[str, Any]:
    """A step's recorded prompt and answer, and the agent's recorded configuration, for the playground."""
    detail = episode_detail(run, key)
    if not 0 <= index < len(detail["steps"]):
        raise NotFoundError(f"No step {index} in this episode ({len(detail['steps'])} steps).")
    step = detail["steps"][index]
    folder, _ = _episode_folder(run, detail["episode"].get("artifacts"))
    log = _agent_log(folder).get(index, {})
    with RunStore(run, readonly=True) as store:
        invocations = store.invocations()
    agent = detail["episode"]["agent"]
    configs = [
        a for i in invocations for a in (i["record"].get("agents") or [])
        if isinstance(a, dict) and a.get("label") == agent
    ]  # fmt: skip
    args = configs[-1].get("args", {}) if configs else {}
    return {
        "run": str(run),
        "key": key,
        "index": index,
        "goal": detail["episode"].get("goal") or "",
        "agent": agent,
        "agent_name": detail["episode"].get("agent_name"),
        "messages": log.get("messages") or [],
        "raw_response": step["raw_response"],
        "action": step["action"],
        "parsed": step["parsed"],
        "error": step["error"],
        "model": {k: args.get(k) for k in ("model", "base_url", "temperature", "max_tokens") if args.get(k)},
    }
