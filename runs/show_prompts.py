"""`palaestra show RUN --prompts TASK:SEED`: what an agent sent its model at each step of an episode,
and what came back, in the terminal.

The UI's episode page shows the same; on a machine reached by SSH, or to paste into a note or diff
two runs' prompts, the text is handier. Everything printed is redacted as `show` redacts.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from palaestra.config import ConfigError
from palaestra.errors import did_you_mean
from palaestra.runs.artifacts import confined
from palaestra.runs.refused_prompt import describe_sizes
from palaestra.runs.results import load_rows
from palaestra.runs.trajectory import TRAJECTORY_FILE, read_trajectory

RULE = "-" * 100


def find_episode(run: str | Path, wanted: str) -> tuple[dict[str, Any], Path]:
    """The run's episode named ``[AGENT/]TASK:SEED`` (the task with or without its suite), and its
    folder; an unknown or ambiguous name is refused with the episodes there are."""
    agent, _, rest = wanted.rpartition("/")
    task, _, seed = rest.rpartition(":")
    if not task or not seed.isdigit():
        raise ConfigError(f"--prompts `{wanted}`: name an episode as TASK:SEED or AGENT/TASK:SEED.")
    rows = load_rows(run)
    matches = [
        row for row in rows
        if row["task"] in (task, f"miniwob.{task}") or row["task"].split(".", 1)[-1] == task
        if int(row["seed"]) == int(seed) and (not agent or row["agent"] == agent)
    ]  # fmt: skip
    names = sorted({f"{row['agent']}/{row['task']}:{row['seed']}" for row in rows})
    if not matches:
        closest = did_you_mean(f"{agent + '/' if agent else ''}{task}:{seed}", names)
        raise ConfigError(
            f"--prompts `{wanted}`: no such episode in {run}.{closest} It has: {', '.join(names[:20])}"
        )
    if len(matches) > 1:
        which = ", ".join(f"{row['agent']}/{row['task']}:{row['seed']}" for row in matches)
        raise ConfigError(
            f"--prompts `{wanted}`: several agents played it ({which}); name one as AGENT/TASK:SEED."
        )
    row = matches[0]
    folder = confined(Path(run), row["artifacts"] or "")
    if not (folder / TRAJECTORY_FILE).is_file():
        raise ConfigError(f"{row['agent']}/{row['task']}:{row['seed']} has no trajectory in {folder}.")
    return row, folder


def format_prompts(run: str | Path, wanted: str, step: int | None = None) -> str:
    """Each step's prompt messages, the model's raw answer, the action and its error, and the agent's
    notes (Synapse: the exemplars it was shown); a `context_length` episode's refused prompt last,
    as the step it would have been."""
    row, folder = find_episode(run, wanted)
    episode = read_trajectory(folder)
    out = [f"{row['agent']} on {row['task']} seed {row['seed']}: {episode.header.get('goal', '')}"]
    steps = [s for s in episode.steps if step is None or s.get("index") == step]
    refused = (episode.end or {}).get("refused_prompt")
    shows_refused = isinstance(refused, dict) and step in (None, len(episode.steps))
    if not steps and not shows_refused:
        out.append(
            f"(no step {step}: the episode has {len(episode.steps)})" if step is not None else "(no steps)"
        )
    for entry in steps:
        out += [RULE, f"step {entry.get('index')}: {entry.get('action', '')!r}"]
        if entry.get("error"):
            out.append(f"error: {entry['error']}")
        for message in entry.get("messages") or []:
            content = message.get("content")
            text = content if isinstance(content, str) else json.dumps(content, indent=1)
            out += [f"--- {message.get('role', '?')}", text]
        if not entry.get("messages"):
            out.append("(no prompt: this agent asks no model)")
        out += ["--- answer", str(entry.get("raw_response") or "")]
        if entry.get("extra"):
            out += ["--- notes", json.dumps(entry["extra"], ensure_ascii=False)]
    if shows_refused and isinstance(refused, dict):
        out += [
            RULE,
            f"step {len(episode.steps)}: the model refused this prompt as longer than its window "
            f"(context_length): {describe_sizes(refused)}",
        ]
        for message in refused.get("sent") or []:
            out += [f"--- {message.get('role', '?')}", str(message.get("content", ""))]
    return "\n".join(out)
