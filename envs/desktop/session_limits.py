"""The check of a `DesktopEnv`'s ``memory_limit_mb``, ``cpu_weight``, ``pids_limit`` and ``isolation``,
with the error that names what fits. The limits themselves are set in the session process (`cgroups`)."""

from __future__ import annotations

import os
from typing import Any

from palaestra.errors import ConfigError, check_choice

#: Below this, the session's own Xvfb, bus and window manager (about 60 MiB together) leave an app
#: no room to start.
MIN_MEMORY_MB = 128
#: cgroup v2's range for cpu.weight (100: an equal share with every other cgroup at the default).
CPU_WEIGHTS = (1, 10_000)
#: Processes and threads an episode may have at once unless told otherwise: about ten times what
#: the heaviest sessions measured use (docs/desktop.md), and far below the machine's pid_max, so a
#: fork bomb fills its episode and nothing else. Held where the session has a cgroup with the pids
#: controller; where it has none, this default goes without a warning (an explicit limit warns).
DEFAULT_PIDS_LIMIT = 2048
#: Fewer than this and a terminal with its shell and one command could not start.
MIN_PIDS_LIMIT = 16


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_limits(
    memory_limit_mb: Any, cpu_weight: Any, pids_limit: Any = DEFAULT_PIDS_LIMIT
) -> dict[str, int | None]:
    """The limits as `SessionClient` takes them, or a `ConfigError` that says what fits."""
    if memory_limit_mb is not None and not (_whole(memory_limit_mb) and memory_limit_mb >= MIN_MEMORY_MB):
        raise ConfigError(
            f"memory_limit_mb must be a whole number of MiB, at least {MIN_MEMORY_MB} (the session's "
            f"display and bus need about 60), or None for no limit; got {memory_limit_mb!r}."
        )
    low, high = CPU_WEIGHTS
    if cpu_weight is not None and not (_whole(cpu_weight) and low <= cpu_weight <= high):
        raise ConfigError(
            f"cpu_weight must be a whole number from {low} to {high} (100 is an equal share with "
            f"everything else on the machine; 50 half of it), or None; got {cpu_weight!r}."
        )
    if pids_limit is not None and not (_whole(pids_limit) and pids_limit >= MIN_PIDS_LIMIT):
        raise ConfigError(
            f"pids_limit must be a whole number of processes and threads, at least {MIN_PIDS_LIMIT} (a "
            f"terminal, its shell and a command), or None for no limit; the default is "
            f"{DEFAULT_PIDS_LIMIT}. Got {pids_limit!r}."
        )
    return {"memory_limit_mb": memory_limit_mb, "cpu_weight": cpu_weight, "pids_limit": pids_limit}


def asked_limits(limits: dict[str, int | None]) -> list[str]:
    """The limits asked for beyond the defaults (`DEFAULT_PIDS_LIMIT` is no request): those a
    session without a cgroup warns of, and ``isolation="off"`` refuses."""
    return [
        name
        for name, value in limits.items()
        if value is not None and not (name == "pids_limit" and value == DEFAULT_PIDS_LIMIT)
    ]


#: "on": each root session gets the namespaces and cgroup the kernel grants (a refused one is
#: shared, with a warning); "off": none are asked for, as a session not run by root has none: for
#: a bench's anchor, or to tell whether a layer is what breaks an app in some container.
ISOLATION_MODES = ("on", "off")
#: Its default when ``DesktopEnv(isolation=None)``; unset: "on".
ISOLATION_VARIABLE = "PALAESTRA_DESKTOP_ISOLATION"


def check_isolation(isolation: Any, limits: dict[str, int | None]) -> str:
    """``isolation`` ("on", "off"; None: `ISOLATION_VARIABLE`, else "on"), or a `ConfigError`: an
    unknown value (with the closest one), or limits asked for with no cgroup to hold them."""
    if isolation is None:
        where, isolation = ISOLATION_VARIABLE, os.environ.get(ISOLATION_VARIABLE) or "on"
    else:
        where = "isolation"
    check_choice(where, isolation, ISOLATION_MODES)
    if isolation == "off" and asked_limits(limits):
        raise ConfigError(
            "memory_limit_mb, cpu_weight and pids_limit need the session's cgroup, which isolation='off' "
            f"leaves out (asked: {', '.join(asked_limits(limits))}): drop the limits, or keep isolation on."
        )
    return str(isolation)
