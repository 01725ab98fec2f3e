"""Typed configuration from loose input (flags, run files, environment variables).

``build_config(SynapseConfig, {"model": "gpt-4o", "temperature": "0.2"})`` checks every key against
the dataclass's fields (unknown keys get a did-you-mean error) and converts strings to the field's
type, so ``--agent-arg temperature=0.2`` and ``temperature = 0.2`` in a TOML file mean the same.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

from palaestra.errors import ConfigError, did_you_mean

__all__ = ["ConfigError", "build_config", "check_tokens", "convert", "parse_assignments", "parse_seeds"]

C = TypeVar("C")


def check_tokens(tokens: Iterable[str], fix: str) -> None:
    """Refuse a bearer token that is empty or starts or ends with blanks, as every server of ours
    does: an unset variable in ``--token "$TOKEN"`` gives one, clients could not send it, and an
    empty one would require nothing. ``fix`` says what to do instead (the servers' flags differ)."""
    if any(not t.strip() or t != t.strip() for t in tokens):
        raise ConfigError(
            "A token is empty or starts or ends with blanks (an unset variable in "
            '`--token "$TOKEN"`?): clients could not send it, and an empty one would require '
            f"nothing. Fix: {fix}"
        )


def build_config(cls: type[C], values: Mapping[str, Any], where: str = "configuration") -> C:
    """An instance of the dataclass ``cls`` from ``values`` (strings are converted)."""
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls!r} is not a dataclass")
    hints = typing.get_type_hints(cls)
    known = [f.name for f in dataclasses.fields(cls) if f.init]
    kwargs: dict[str, Any] = {}
    for key, value in values.items():
        name = key.replace("-", "_")
        if name not in known:
            # A name from the harness the configuration follows gets its meaning here, not a guess.
            said = getattr(cls, "FOREIGN_NAMES", {}).get(name)
            hint = f" {said}" if said else did_you_mean(name, known)
            raise ConfigError(f"Unknown key `{key}` in {where}.{hint} Known keys: {', '.join(known)}.")
        kwargs[name] = convert(hints[name], value, f"{where}: `{key}`")
    return cls(**kwargs)


def parse_assignments(pairs: list[str], where: str = "arguments") -> dict[str, str]:
    """``["a=1", "b=x"]`` -> ``{"a": "1", "b": "x"}``, with an error naming a malformed pair."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"{where}: `{pair}` is not KEY=VALUE.")
        out[key.strip()] = value
    return out


def parse_seeds(text: str | int | Sequence[int]) -> list[int]:
    """Seeds from `"0-4"`, `"1,3,7-9"`, `5` or `[1, 2]` -> a sorted list of distinct seeds."""
    if isinstance(text, int):
        return [text]
    if not isinstance(text, str):
        return sorted({int(s) for s in text})
    seeds: set[int] = set()
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        low, dash, high = part.partition("-")
        try:
            seeds.update(range(int(low), int(high) + 1) if dash else [int(low)])
        except ValueError:
            raise ConfigError(
                f"seeds: `{part}` is not a seed or a range such as 0-9.{_range_hint(part)}"
            ) from None
    if not seeds:
        raise ConfigError(f"seeds: `{text}` names no seeds; write for example 0-9 or 1,3,5.")
    return sorted(seeds)


def _range_hint(part: str) -> str:
    """The range a seed text written as another language writes ranges means (`0..4`, `0...4`,
    `0 to 4`, `0–4`), as ours is written."""
    found = re.fullmatch(r"(\d+)(?:\.\.\.?|to|–|—)(\d+)", part)
    return f" Did you mean `{found.group(1)}-{found.group(2)}` (both ends included)?" if found else ""


def format_seeds(seeds: Sequence[int]) -> str:
    """Seeds as ranges in numeric order, the inverse of `parse_seeds`: [0, 1, 2, 5, 10] -> "0-2,5,10"."""
    ordered = sorted(set(seeds))
    runs: list[list[int]] = []
    for seed in ordered:
        if runs and seed == runs[-1][-1] + 1:
            runs[-1].append(seed)
        else:
            runs.append([seed])
    return ",".join(f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]) for run in runs)


def convert(hint: Any, value: Any, where: str) -> Any:
    """Convert ``value`` to the type ``hint`` (str, int, float, bool, Optional, tuple/list of those)."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(hint)
        empty = value is None or (isinstance(value, str) and value.lower() in ("none", "null", ""))
        if empty and type(None) in options:
            return None
        errors = []
        for option in options:
            if option is type(None):
                continue
            try:
                return convert(option, value, where)
            except ConfigError as exc:
                errors.append(str(exc))
        raise ConfigError(errors[0] if errors else f"{where}: cannot use {value!r}")
    if origin in (tuple, list):
        (item,) = typing.get_args(hint)[:1] or (str,)
        items = value.split(",") if isinstance(value, str) else list(value)
        converted = [convert(item, v.strip() if isinstance(v, str) else v, where) for v in items if v != ""]
        return tuple(converted) if origin is tuple else converted
    if hint is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("1", "true", "yes", "on"):
            return True
        if isinstance(value, str) and value.lower() in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"{where} must be true or false, got {value!r}.")
    if hint in (int, float):
        try:
            if isinstance(value, bool):
                raise ValueError
            return hint(value)
        except (TypeError, ValueError):
            kind = "a whole number" if hint is int else "a number"
            raise ConfigError(f"{where} must be {kind}, got {value!r}.") from None
    if hint is str:
        return str(value)
    return value
