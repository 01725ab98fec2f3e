"""A task's ``pkill``/``killall`` kept to its own episode when sessions share a user.

Run by root, each session has a user of its own (`user_pool`), and a kill reaches no other session's
processes: the kernel refuses it. When sessions share a user (Palaestra not run as root, or
PALAESTRA_DESKTOP_USER set), OSWorld's ``pkill -f gnome-keyring-daemon`` or ``killall gimp`` would
end every session's matching process, and the session's own daemons. So there a task's kill command
becomes a ``pkill`` limited to the session IDs of the episode's processes (``--session``; every app
and command starts a session of its own, and whatever they start stays in it or in one of its
descendants', all of them the session process's children). killall's options are read into
pkill's; one with no pkill equivalent is refused, as a command-line error, rather than run unscoped.

Part of the session process (imported beside `session`, not through Palaestra).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from typing import Any

KILLERS = frozenset({"pkill", "killall"})
#: killall's options that need no counterpart here (pkill is quiet and matches exact names below).
KILLALL_IGNORED = frozenset({"-q", "--quiet", "-e", "--exact"})
#: A signal as an option of its own: ``-9``, ``-KILL``, ``-SIGTERM``.
SIGNAL_OPTION = re.compile(r"-(\d+|[A-Z][A-Z0-9+-]*)")
#: The longest process name the kernel keeps (``comm``), which pkill -x matches against.
COMM_LENGTH = 15


class UnscopableKill(ValueError):
    """A kill command with an option that could not be kept to the episode."""


def is_kill(argv: list[str]) -> bool:
    return bool(argv) and posixpath.basename(argv[0]) in KILLERS


def scoped(argv: list[str], sessions: set[int]) -> list[list[str]]:
    """The pkill commands that do what ``argv`` asks, among ``sessions`` only (none: nothing of the
    episode runs, so nothing is killed)."""
    limit = ["pkill", "--session", ",".join(str(s) for s in sorted(sessions))]
    if posixpath.basename(argv[0]) == "pkill":
        for arg in argv[1:]:
            if arg.startswith("--session") or re.fullmatch(r"-[a-rt-z]*s[a-z]*", arg):
                raise UnscopableKill(f"pkill: {arg!r} (session IDs) is the session's own to set here")
        return [limit + argv[1:]] if sessions else []
    options: list[str] = []
    names: list[str] = []
    rest = iter(argv[1:])
    for arg in rest:
        if arg in ("-s", "--signal"):
            options += ["--signal", next(rest, "")]
        elif arg.startswith("--signal="):
            options += ["--signal", arg.partition("=")[2]]
        elif SIGNAL_OPTION.fullmatch(arg):
            options += ["--signal", arg[1:]]
        elif arg in ("-I", "--ignore-case"):
            options.append("--ignore-case")
        elif arg in KILLALL_IGNORED:
            continue
        elif arg.startswith("-"):
            raise UnscopableKill(
                f"killall: option {arg!r} is not supported where sessions share a user; "
                "use -s SIGNAL, -SIGNAL, -q, -e or -I, or run Palaestra as root"
            )
        else:
            names.append(arg)
    if not sessions:
        return []
    return [[*limit, *options, "--exact", _literal(name[:COMM_LENGTH])] for name in names]


def run_scoped(
    run: Callable[[list[str]], dict[str, Any]], argv: list[str], sessions: set[int]
) -> dict[str, Any]:
    """``argv``, a kill command, run as `scoped` pkill commands: status 0 when each matched, 1 when
    one did not (as killall says of a name it found nothing for), 2 when it was refused."""
    try:
        commands = scoped(argv, sessions)
    except UnscopableKill as exc:
        return {"returncode": 2, "stdout": "", "stderr": str(exc), "timed_out": False}
    results = [run(command) for command in commands]
    return {
        "returncode": max((r["returncode"] for r in results), default=1),
        "stdout": "".join(r["stdout"] for r in results),
        "stderr": "".join(r["stderr"] for r in results),
        "timed_out": any(r["timed_out"] for r in results),
    }


def _literal(name: str) -> str:
    """``name`` as a POSIX extended regular expression that matches only itself."""
    return re.sub(r"([.^$*+?()\[\]{}|\\])", r"\\\1", name)
