"""What a run is: agents × tasks × seeds, and the settings every episode shares.

A run's configuration comes from a TOML or YAML run file, then `PALAESTRA_*` environment variables,
then command-line flags, each overriding the one before. Every key is checked: an unknown one gets a
did-you-mean error instead of being silently ignored.
"""

from __future__ import annotations

import hashlib
import json
import os
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from palaestra.config import ConfigError, build_config, parse_assignments, parse_seeds
from palaestra.errors import SuiteUnavailable, UnknownNameError
from palaestra.redaction import is_secret_key

if TYPE_CHECKING:
    from palaestra.runs.agent_overrides import AgentOverride

BACKENDS = ("local", "ray")
#: What people write at a run file's top level for its agents, which belong in `[[agents]]` tables.
AGENT_KEYS = frozenset({"agent", "agent_args", "agent_arg", "label", "labels"})
#: Agent arguments that do not change what an agent does (beside secrets): not in its hash. What a run
#: may spend and how hard a model client retries: changing them resumes the run.
UNPINNED_ARGS = frozenset(
    {"budget_tokens", "budget_cost", "max_retries", "backoff_max", "retry_after_max", "timeout"}
)


@dataclass(frozen=True)
class AgentEntry:
    """One agent configuration of a run. Its label names it in results; its hash pins its arguments.

    Secrets (`api_key`, tokens, passwords) and budgets are not part of the hash: they say who pays
    and how much, not what the agent does, so rotating a key or raising a budget resumes the run
    instead of refusing it.
    """

    name: str
    args: tuple[tuple[str, str], ...] = ()
    label: str = ""

    @property
    def config_hash(self) -> str:
        pinned = sorted((k, v) for k, v in self.args if not is_secret_key(k) and k not in UNPINNED_ARGS)
        blob = json.dumps({"name": self.name, "args": pinned}, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:10]

    @property
    def display(self) -> str:
        return self.label or self.name

    def args_dict(self) -> dict[str, str]:
        return dict(self.args)


@dataclass(frozen=True)
class RunSettings:
    """The scalar settings of a run; see `palaestra eval --help` for each one's meaning."""

    out: str = ""
    suite: str = "miniwob"
    tasks: tuple[str, ...] = ("*",)
    seeds: str = "0-4"
    workers: int = 0
    max_steps: int = 30
    episode_timeout: float = 300.0
    step_timeout: float = 30.0
    backend: str = "local"
    ray_address: str = ""
    #: The whole run's LLM allowance, over every agent and worker (None: no run-wide limit).
    budget_tokens: int | None = None
    budget_cost: float | None = None
    retries: int = 2
    screenshots: bool = True
    #: Record each step as an exemplar step too (in the trajectory) for `palaestra memory build --run`.
    demos: bool = False
    #: Play every episode in environments served by `palaestra serve` at this URL ("" = in-process).
    env_server: str = ""
    #: The action set agents write, among those of the tasks' environment (`runs.action_sets`):
    #: `pyautogui` or `computer_13` on a desktop, `web` or `miniwob` in a browser ("" = the task's own).
    action_set: str = ""
    #: Run again, this once, every episode that ended in an error, whatever its kind and tries: the
    #: errors resuming leaves alone (an agent's bug, a rejected model request) once their cause is fixed.
    rerun_errors: bool = False
    #: Keep what `palaestra judge` needs to judge site episodes again (`runs.evidence`): the answer,
    #: the final URL and a compressed copy of the episode's databases (~0.8 MB a shop episode).
    evidence: bool = True
    #: Record a Playwright trace of each browser episode into its folder (`runs.tracing`): `off`,
    #: `on`, or `failures` (kept only for episodes that did not succeed).
    trace: str = "off"
    #: WebArena's early stops (`runs.early_stops`): end an episode after the same action this many
    #: times, or this many answers in a row that do not parse (0: off; WebArena's run.py uses 3).
    repeat_stop: int = 0
    parse_stop: int = 0


@dataclass(frozen=True)
class EpisodeSpec:
    """One episode to play: which agent configuration, on which task, with which seed."""

    agent: AgentEntry
    task: str
    seed: int
    #: Seeds of the episodes of this task queued after this one, as the runner hands them out: the
    #: worker's environment prepares pages for them only (`BrowserEnv.expect_seeds`). A hint, not
    #: part of the episode's identity.
    upcoming: tuple[int, ...] = field(default=(), compare=False)

    @property
    def key(self) -> str:
        return f"{self.agent.display}|{self.task}|{self.seed}"


def _check_bounds(settings: RunSettings) -> None:
    """Numbers out of range stop the run before anything starts (``--workers -1`` once hung silently)."""
    wrong = [
        f"{name} must be {rule}, got {value!r}"
        for name, value, ok, rule in (
            ("workers", settings.workers, settings.workers >= 0, ">= 0 (0: one per core)"),
            ("max_steps", settings.max_steps, settings.max_steps >= 1, ">= 1"),
            ("episode_timeout", settings.episode_timeout, settings.episode_timeout > 0, "> 0 seconds"),
            ("step_timeout", settings.step_timeout, settings.step_timeout > 0, "> 0 seconds"),
            ("retries", settings.retries, settings.retries >= 0, ">= 0"),
            ("budget_tokens", settings.budget_tokens, (settings.budget_tokens or 0) >= 0, ">= 0"),
            ("budget_cost", settings.budget_cost, (settings.budget_cost or 0) >= 0, ">= 0"),
            ("repeat_stop", settings.repeat_stop, settings.repeat_stop >= 0, ">= 0 (0: off)"),
            ("parse_stop", settings.parse_stop, settings.parse_stop >= 0, ">= 0 (0: off)"),
        )
        if not ok
    ]
    if wrong:
        raise ConfigError("; ".join(wrong) + ". Fix the flag (--workers, --max-steps, ...) or the run file.")


@dataclass(frozen=True)
class RunConfig:
    settings: RunSettings
    agents: tuple[AgentEntry, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {"settings": asdict(self.settings), "agents": [asdict(a) for a in self.agents]}

    @property
    def seeds(self) -> list[int]:
        return parse_seeds(self.settings.seeds)

    def episodes(self) -> list[EpisodeSpec]:
        """Every episode of the run, grouped by agent and task so that workers reuse their environment."""
        tasks = resolve_tasks(self.settings.suite, self.settings.tasks)
        return [EpisodeSpec(a, t, s) for a in self.agents for t in tasks for s in self.seeds]


def resolve_tasks(suite: str, patterns: Sequence[str]) -> list[str]:
    """Full task names (`miniwob.click-test`) matching any of the glob patterns, in order. Short
    names are looked up in `suite`; a full name (`tools.calculate`) resolves in its own suite."""
    from palaestra.tasks.registry import list_tasks, suites, unavailable_suites

    every = list_tasks("*", suite)  # raises a did-you-mean error for an unknown suite
    known = suites()
    chosen: list[str] = []
    for pattern in patterns:
        own_suite = pattern.split(".", 1)[0] if "." in pattern else None
        matched = list_tasks(pattern, suite)
        if not matched and own_suite in known:
            matched = list_tasks(pattern, own_suite)
        if matched:
            chosen.extend(m for m in matched if m not in chosen)
            continue
        unavailable = unavailable_suites()
        if own_suite in unavailable:  # not unknown: say why it is empty
            raise SuiteUnavailable(f"The suite `{own_suite}` has no tasks here: {unavailable[own_suite]}")
        # did-you-mean among the suite the pattern names, else among the run's suite's short names
        if own_suite is not None and own_suite in known:
            named, names = own_suite, list_tasks("*", own_suite)
        else:
            named, names = suite, [t.split(".", 1)[1] for t in every]
        other = elsewhere(pattern, named, known)  # then no did-you-mean among the wrong suite's names
        hint = other or f"`palaestra list tasks --suite {named}` lists them."
        raise UnknownNameError("task", pattern, [] if other else names, hint=hint)
    return chosen


def elsewhere(pattern: str, suite: str, known: Sequence[str]) -> str:
    """What to say of a short name or glob that no task of ``suite`` has but other suites' tasks do
    (`--tasks calc-add` without `--suite desktop`): the suites and the flag, not a did-you-mean
    among the wrong suite's names ("" when no other suite has it)."""
    from palaestra.tasks.registry import list_tasks

    if "." in pattern:
        return ""
    found = {other: len(list_tasks(pattern, other)) for other in known if other != suite}
    found = {other: n for other, n in found.items() if n}
    if not found:
        return ""
    where = ", ".join(f"{other} ({n} task{'s' * (n > 1)})" for other, n in found.items())
    first = next(iter(found))
    return (
        f"It is not a task of suite {suite} (--suite, default miniwob), but of: {where}. "
        f"Fix: --suite {first} --tasks '{pattern}', or --tasks '{first}.{pattern}'."
    )


def _seedless(settings: RunSettings) -> bool:
    """Whether every task of the run ignores its seed (`TaskSpec.seeded`: the site and WebArena
    suites pose one fixed problem per task), so that the default seeds would run each one five times."""
    from palaestra.tasks.registry import get_task_spec

    tasks = resolve_tasks(settings.suite, settings.tasks)
    return bool(tasks) and not any(get_task_spec(task).seeded for task in tasks)


def load_run_file(path: str | Path, overrides: Sequence[AgentOverride] = ()) -> dict[str, Any]:
    """A run file's contents: TOML (`.toml`) or YAML (`.yaml`, `.yml`), or a run directory's
    recorded configuration, to play it again (`runs.rerun`); ``overrides`` each change one
    argument of one of its agents (`runs.agent_overrides`)."""
    from palaestra.runs.agent_overrides import apply_overrides
    from palaestra.runs.rerun import is_run_directory, recorded_run_file

    path = Path(path)
    if is_run_directory(path):
        return recorded_run_file(path, overrides)
    values = _read_run_file(path)
    if overrides:
        values["agents"] = apply_overrides(values.get("agents") or [], overrides, str(path))
    return values


def _read_run_file(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ConfigError(f"Run file {path} does not exist.")
    if path.suffix == ".toml":
        return tomllib.loads(path.read_text())
    if path.suffix in (".yaml", ".yml"):
        import yaml

        data = yaml.safe_load(path.read_text()) or {}
        if not isinstance(data, dict):
            raise ConfigError(f"Run file {path} must hold a mapping of settings.")
        return data
    raise ConfigError(f"Run file {path}: use a .toml, .yaml or .yml file, or a run directory.")


def settings_from_env(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """`PALAESTRA_WORKERS=4` -> `{"workers": "4"}` for every known setting (others are not ours)."""
    environ = os.environ if environ is None else environ
    known = {f.name for f in fields(RunSettings)}
    return {
        name: environ[f"PALAESTRA_{name.upper()}"] for name in known if f"PALAESTRA_{name.upper()}" in environ
    }


def agents_from(entries: Sequence[Any], where: str) -> list[AgentEntry]:
    """Agent entries from a run file (`[[agents]]` tables) or flags (`name`, `k=v` pairs)."""
    agents: list[AgentEntry] = []
    for entry in entries:
        if isinstance(entry, AgentEntry):
            agents.append(entry)
            continue
        if isinstance(entry, str):
            entry = {"name": entry}
        if not isinstance(entry, Mapping) or "name" not in entry:
            raise ConfigError(f"{where}: each agent needs a `name`, got {entry!r}.")
        unknown = set(entry) - {"name", "args", "label"}
        if unknown:
            raise ConfigError(f"{where}: unknown agent key(s) {sorted(unknown)}; use name, args, label.")
        args = entry.get("args") or {}
        if isinstance(args, list):
            args = parse_assignments([str(a) for a in args], where=f"{where} agent args")
        pairs = tuple(sorted((str(k), _flat(v)) for k, v in args.items()))
        agents.append(AgentEntry(str(entry["name"]), pairs, str(entry.get("label", ""))))
    return _label(agents)


def _flat(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return str(value)


def _label(agents: list[AgentEntry]) -> list[AgentEntry]:
    """Unlabelled agents are labelled by name; two configurations of one agent get their hash too."""
    names = [a.name for a in agents if not a.label]
    labelled = []
    for a in agents:
        if a.label:
            labelled.append(a)
        else:
            label = a.name if names.count(a.name) == 1 else f"{a.name}-{a.config_hash[:6]}"
            labelled.append(AgentEntry(a.name, a.args, label))
    labels = [a.label for a in labelled]
    duplicated = sorted({x for x in labels if labels.count(x) > 1})
    if duplicated:
        raise ConfigError(f"Agent labels must differ; {duplicated} appear twice. Give each a `label`.")
    _refuse_shared_folders(labels)
    return labelled


def _refuse_shared_folders(labels: list[str]) -> None:
    """Labels whose episode folders differ only in case would share one on macOS and Windows."""
    from palaestra.runs.artifacts import folder_name

    folders: dict[str, str] = {}
    for label in labels:
        other = folders.setdefault(folder_name(label).lower(), label)
        if other != label:
            raise ConfigError(
                f"Agent labels `{other}` and `{label}` differ only in case, so their episode folders "
                "would be one on case-insensitive file systems. Give one of them another `label`."
            )


def build_run_config(
    file_values: Mapping[str, Any] | None = None,
    env_values: Mapping[str, str] | None = None,
    flag_values: Mapping[str, Any] | None = None,
    flag_agents: Sequence[AgentEntry] = (),
    *,
    dry_run: bool = False,
) -> RunConfig:
    """Merge run file < environment < flags into a checked `RunConfig`. A ``dry_run`` writes
    nothing, so it needs no output directory (given one, it says what resuming there would run)."""
    merged: dict[str, Any] = {}
    file_values = dict(file_values or {})
    file_agents = file_values.pop("agents", [])
    misplaced = sorted(set(file_values) & AGENT_KEYS)
    if misplaced:  # `agent = "random"` at the top: the settings' did-you-mean would not say where
        raise ConfigError(
            f"Run file: `{misplaced[0]}` is not a run setting; agents go in [[agents]] tables, one per "
            'agent: [[agents]] then name = "random", args = {seed = "7"}, label = "r7" (args and label '
            "optional)."
        )
    for layer in (file_values, env_values or {}, flag_values or {}):
        merged.update({k: v for k, v in layer.items() if v is not None})
    if isinstance(merged.get("seeds"), list | tuple | int):
        merged["seeds"] = ",".join(str(s) for s in parse_seeds(merged["seeds"]))
    settings = build_config(RunSettings, merged, where="run settings")
    if "seeds" not in merged and _seedless(settings):  # one episode per task, as WebArena runs them
        settings = replace(settings, seeds="0")
    agents = agents_from(list(flag_agents) or list(file_agents), "agents")
    if not agents:
        raise ConfigError("A run needs at least one agent: pass --agent NAME (see `palaestra list agents`).")
    if not settings.out and not dry_run:
        raise ConfigError("A run needs an output directory: pass --out results/NAME (as every example does).")
    if settings.backend not in BACKENDS:
        raise UnknownNameError("backend", settings.backend, BACKENDS)
    _check_bounds(settings)
    parse_seeds(settings.seeds)
    if settings.action_set:
        from palaestra.runs.action_sets import check_action_set

        tasks = resolve_tasks(settings.suite, settings.tasks)
        check_action_set(settings.action_set, tasks)
    from palaestra.runs.tracing import OFF, check_trace

    traced = resolve_tasks(settings.suite, settings.tasks) if settings.trace != OFF else []
    check_trace(settings.trace, traced, env_server=settings.env_server)  # an unknown mode: did you mean
    if settings.env_server and not dry_run:  # a wrong address or token: now, not in every episode
        from palaestra.server.auth import TOKEN_VARIABLE
        from palaestra.server.remote_check import check_server

        check_server(settings.env_server, os.environ.get(TOKEN_VARIABLE) or None)
    from palaestra.agents.registry import check_agent

    for agent in agents:  # fail now, with a did-you-mean, rather than in every worker
        check_agent(agent.name, agent.args_dict())
    from palaestra.agents.pricing import check_run_cost_budget

    check_run_cost_budget(settings.budget_cost, [(a.display, a.name, a.args_dict()) for a in agents])
    return RunConfig(settings=settings, agents=tuple(agents))
