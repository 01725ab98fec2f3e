"""What a resumed run must share with the episodes it holds, checked before anything runs.

A run directory resumes by default: the same command again runs only what is not finished. Its
numbers mean something only if every episode in it was played under the same conditions, so an
invocation whose agents (under one label), action set, step limit or early stops (``--max-steps``,
``--repeat-stop``, ``--parse-stop``) differ from the recorded episodes' is refused, naming both and
the fix. ``--trace`` may differ between invocations: a trace only records
what happened. So may what paces the run (workers, retries).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from palaestra.config import ConfigError
from palaestra.redaction import is_secret_key
from palaestra.runs.spec import UNPINNED_ARGS, RunConfig
from palaestra.runs.store import RunStore


class ResumeConflict(ConfigError):
    """Resuming into ``--out`` with a configuration whose episodes cannot be mixed with the ones it
    holds (another agent configuration under the same label, another action set). Settings that
    only help debugging (``--trace``) or pace the run (workers, timeouts of the machinery) may differ
    between invocations of one run."""


def check_compatible(store: RunStore, config: RunConfig) -> None:
    """Refuse to mix results of different agent configurations under one label in one directory,
    of different action sets (what agents may write changes what they can do), or of different
    step limits or early stops (where an episode ends changes its outcome)."""
    recorded = {row["agent"]: row["agent_hash"] for row in store.episodes()}
    for agent in config.agents:
        old = recorded.get(agent.display)
        if old is not None and old != agent.config_hash:
            raise ResumeConflict(
                f"{store.run_dir} already holds results of agent `{agent.display}` with other arguments "
                f"({_recorded_arguments(store, agent.display)}configuration {old}; now "
                f"{_arguments(agent.args)}configuration {agent.config_hash}). Use a new --out, or give this "
                "configuration its own label (--label NAME, or label=... in a run file)."
            )
    now = config.settings.action_set
    for before in _recorded_settings(store, "action_set", ""):
        if before != now:
            raise ResumeConflict(
                f"{store.run_dir} holds episodes run with {_shown(before)}; this invocation asks for "
                f"{_shown(now)}, and one run's episodes must share an action set. Use a new --out, "
                f"or resume with {_flag(before)}."
            )
    for name, (flag, default) in OUTCOME_SETTINGS.items():
        asked = getattr(config.settings, name)
        for recorded in _recorded_settings(store, name, default):
            if recorded != asked:
                raise ResumeConflict(
                    f"{store.run_dir} holds episodes run with {_setting(flag, recorded, default)}; this "
                    f"invocation asks for {_setting(flag, asked, default)}, which ends episodes "
                    "elsewhere, so its results could not be pooled with theirs. Use a new --out, or "
                    f"resume with {_setting(flag, recorded, default)}."
                )


#: Settings that decide where an episode ends, hence its outcome (a step limit, WebArena's early
#: stops): one run's episodes must share them. Each with its flag and its value when not given.
OUTCOME_SETTINGS: dict[str, tuple[str, int]] = {
    "max_steps": ("--max-steps", 30),
    "repeat_stop": ("--repeat-stop", 0),
    "parse_stop": ("--parse-stop", 0),
}


def _recorded_settings(store: RunStore, name: str, default: Any) -> list[Any]:
    """A setting's values in the invocations that recorded the run's episodes, from their
    reproducibility records (`default` where a record predates the setting); an invocation that
    recorded nothing does not count."""
    used = {row["invocation"] for row in store.episodes()}
    found: list[Any] = []
    for invocation in store.invocations():
        config = invocation["record"].get("config") if isinstance(invocation["record"], dict) else None
        settings = config.get("settings") if isinstance(config, dict) else None
        if invocation["id"] in used and isinstance(settings, dict):
            found.append(settings.get(name) or default)
    return list(dict.fromkeys(found))


def _setting(flag: str, value: Any, default: Any) -> str:
    if flag == "--action-set":
        return _shown(value)
    return f"{flag} {value}" if value != default or flag == "--max-steps" else f"no {flag}"


def _shown(name: str) -> str:
    return f"--action-set {name}" if name else "the tasks' own action sets (no --action-set)"


def _flag(name: str) -> str:
    return f"--action-set {name}" if name else "no --action-set"


def _arguments(args: Any) -> str:
    """``seed=7, `` as a message shows an agent's pinned arguments (secrets and budgets left out)."""
    pairs = [(str(k), str(v)) for k, v in (args.items() if isinstance(args, dict) else args or [])]
    shown = [f"{k}={v}" for k, v in sorted(pairs) if not is_secret_key(k) and k not in UNPINNED_ARGS]
    return f"{' '.join(shown)}, " if shown else "no arguments, "


def _recorded_arguments(store: RunStore, label: str) -> str:
    """The arguments the run's last invocation gave agent ``label`` ("" when it did not record them)."""
    config = store.meta("config") or {}
    for entry in config.get("agents") or []:
        if isinstance(entry, dict) and entry.get("label") == label:
            return _arguments(entry.get("args"))
    return ""


def condition_notes(run_dirs: Sequence[str | Path]) -> list[str]:
    """For `palaestra compare`: the settings that decide where episodes end (`OUTCOME_SETTINGS`,
    the action set) on which the runs differ, each with every run's value ([] when they agree).
    Differences between such runs mix the agents' with the settings'."""
    names = {"action_set": ("--action-set", ""), **OUTCOME_SETTINGS}
    values: dict[str, list[str]] = {name: [] for name in names}
    for run in run_dirs:
        with RunStore(run, readonly=True) as store:
            for name, (flag, default) in names.items():
                found = _recorded_settings(store, name, default)
                values[name].append(" / ".join(_setting(flag, v, default) for v in found) or "-")
    notes = []
    for shown in values.values():
        if len(set(shown) - {"-"}) > 1:
            listed = ", ".join(f"[{i + 1}] {value}" for i, value in enumerate(shown))
            notes.append(f"Note: the runs did not end episodes alike ({listed}): their differences mix "
                         "the agents' with this setting's.")  # fmt: skip
    return notes
