"""A fingerprint of the task definitions a run played, per suite, for its reproducibility record.

Package versions and the commit say which code defined the built-in tasks, but not which task
files a run read: WebArena-format files named by `PALAESTRA_WEBARENA_TASKS`, OSWorld's task JSON
from a folder of one's own. Two runs of `webarena-json.12` can be two different tasks. Each suite's
digest hashes, for every task played, its name, its factory and its arguments, with an argument
that names a file replaced by the file's content hash (a folder by its name alone): the same files
on two machines, under different paths, give the same digest; an edited file, another.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any


def suite_digests(tasks: Iterable[str]) -> dict[str, dict[str, Any]]:
    """``{suite: {"tasks": n, "sha256": ...}}`` over the registered ``tasks`` ({} if none resolve)."""
    from palaestra.tasks.registry import get_task_spec

    by_suite: dict[str, list[str]] = defaultdict(list)
    for name in sorted(set(tasks)):
        try:
            spec = get_task_spec(name)
        except Exception:  # a record must not stop a run; the task's own error comes later
            continue
        factory = spec.factory if isinstance(spec.factory, str) else _qualified(spec.factory)
        kwargs = {k: _content(v) for k, v in sorted(spec.kwargs.items())}
        parts = [name, factory, kwargs, _webarena_config(factory, spec.kwargs)]
        by_suite[spec.suite].append(json.dumps(parts, sort_keys=True, default=str))
    return {
        suite: {"tasks": len(lines), "sha256": hashlib.sha256("\n".join(lines).encode()).hexdigest()}
        for suite, lines in sorted(by_suite.items())
    }


def _webarena_config(factory: str, kwargs: Any) -> Any:
    """A WebArena-format task's definition as read now (its file may be one's own, named by
    `PALAESTRA_WEBARENA_TASKS`, whose path is not among the task's arguments); None for others."""
    if not factory.endswith("webarena.official:make_official_task"):
        return None
    from palaestra.tasks.webarena.official import benchmark_configs

    try:
        return dataclasses.asdict(benchmark_configs(kwargs["benchmark"])[str(kwargs["task_id"])])
    except Exception:  # unreadable now: the run's own error will say why
        return None


def _qualified(target: Any) -> str:
    return f"{getattr(target, '__module__', '')}:{getattr(target, '__qualname__', repr(target))}"


def _content(value: Any) -> Any:
    """A file argument as its content's hash, a folder as its name; anything else as it is."""
    if isinstance(value, str | Path) and str(value).startswith("/"):
        path = Path(value)
        try:
            if path.is_file():
                return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
            if path.is_dir():
                return f"folder:{path.name}"
        except OSError:
            return str(value)
    return value
