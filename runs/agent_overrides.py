"""`palaestra eval --config RUN --override-arg LABEL.KEY=VALUE`: one argument of one agent changed.

`--agent` replaces every agent a run file or recorded run holds, so a rerun that should differ in
one setting of one agent (another model, a larger budget, a key the record could not keep) would
have to spell every agent again. An override names the agent by its label in that run (what
`palaestra show` lists; a label defaults to the agent's name) and the key, and changes only that.

Why a flag of its own rather than `--agent-arg LABEL.KEY=VALUE`: `--agent-arg` belongs to the
`--agent` before it, and its values may hold dots and `=` (a URL, a path); a separate flag cannot be
read two ways. Agent argument keys are identifiers, so the label ends at the last dot before `=`
(`gpt-4.1.model=x` is the label `gpt-4.1`, the key `model`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from palaestra.errors import ConfigError, UnknownNameError, did_you_mean

FLAG = "--override-arg"


@dataclass(frozen=True)
class AgentOverride:
    """One argument (`key`) of the agent labelled `label`, set to `value`."""

    label: str
    key: str
    value: str


def parse_overrides(pairs: Iterable[str]) -> list[AgentOverride]:
    """``["generic.model=gpt-4o"]`` -> overrides, with an error naming a pair of another shape."""
    overrides = []
    for pair in pairs:
        target, sep, value = pair.partition("=")
        label, dot, key = target.strip().rpartition(".")
        if not sep or not dot or not label or not key.isidentifier():
            raise ConfigError(
                f"{FLAG} `{pair}` is not LABEL.KEY=VALUE: the agent's label in the run (`palaestra show` "
                f"lists them), a dot, the argument, `=` and its value, e.g. {FLAG} generic.model=gpt-4o."
            )
        overrides.append(AgentOverride(label, key, value))
    return overrides


def apply_overrides(agents: Sequence[Any], overrides: Sequence[AgentOverride], where: str) -> list[Any]:
    """The run's agent entries (``{"name", "args", "label"}``) with each override's argument set.

    An override naming no agent of the run, or a key its agent does not take, is refused with the
    closest names; the entries are copied, never changed in place.
    """
    entries = [_entry(agent) for agent in agents]
    for override in overrides:
        entry = _target(entries, override, where)
        _check_key(entry["name"], override, where)
        entry["args"][override.key] = override.value
    return entries


def _entry(agent: Any) -> dict[str, Any]:
    if isinstance(agent, str):
        return {"name": agent, "args": {}, "label": ""}
    if not isinstance(agent, Mapping) or "name" not in agent:
        return dict(agent) if isinstance(agent, Mapping) else agent  # left for `agents_from` to refuse
    args = agent.get("args") or {}
    if isinstance(args, list):  # `["k=v", ...]`, as a run file may give them
        args = dict(str(a).partition("=")[::2] for a in args)
    return {**agent, "args": {str(k): v for k, v in args.items()}}


def _target(entries: list[Any], override: AgentOverride, where: str) -> dict[str, Any]:
    """The entry labelled `override.label`, or else the one agent of that name."""
    dicts = [e for e in entries if isinstance(e, dict) and "name" in e]
    labels = [str(e.get("label") or e["name"]) for e in dicts]
    for entry, label in zip(dicts, labels, strict=True):
        if label == override.label:
            return entry
    named = [e for e in dicts if e["name"] == override.label]
    if len(named) == 1:
        return named[0]
    hint = f"{FLAG} names an agent of {where} by its label ({', '.join(f'`{x}`' for x in labels) or 'none'})."
    if len(named) > 1:
        hint += f" Several agents are `{override.label}`: name one by its label."
    raise UnknownNameError("agent", override.label, labels, hint=hint)


def _check_key(agent: str, override: AgentOverride, where: str) -> None:
    """A key the agent's configuration does not have is refused here, naming the flag."""
    from palaestra.agents.registry import get_agent_spec

    config_cls = get_agent_spec(agent).config_cls
    if not dataclasses.is_dataclass(config_cls):
        return
    known = [f.name for f in dataclasses.fields(config_cls) if f.init]
    if override.key in known:
        return
    raise ConfigError(
        f"{FLAG} {override.label}.{override.key}: agent `{agent}` of {where} takes no argument "
        f"`{override.key}`.{did_you_mean(override.key, known)} Known keys: {', '.join(known)}."
    )
