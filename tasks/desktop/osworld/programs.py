"""Which programs a task's commands run that this desktop does not have, or cannot serve: a task that
loads may still be unplayable (OSWorld's 28cc3b7e judges the volume with ``pactl``, which is not
installed here; a4d98375 reads GNOME Shell's favourite apps with ``gsettings``, which is installed,
but GNOME Shell's settings schema is not; ``timedatectl`` asks systemd, which this desktop does not
run), so it scores 0 whatever the agent does. `python -m palaestra.tasks.desktop.osworld` says so
beside "ok". A note, not a refusal: the program names come from shell text read by `shlex` (the
first word of each command in a pipeline or list, ``$(...)`` included), which is a fair guess, not
a parse of everything a shell accepts.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from palaestra.tasks.desktop.live_steps import RunCommand
from palaestra.tasks.desktop.osworld.task import OSWorldTask

#: Shell words that are not programs to look for (keywords, builtins, test brackets).
SHELL_WORDS = frozenset({
    "!", "[", "[[", "{", "}", ".", ":", "alias", "case", "cd", "do", "done", "echo", "elif", "else",
    "esac", "eval", "exec", "exit", "export", "false", "fi", "for", "function", "if", "in", "local",
    "printf", "pwd", "read", "return", "set", "shift", "source", "then", "test", "time", "trap", "true",
    "type", "ulimit", "umask", "unset", "until", "wait", "while",
})  # fmt: skip
#: What a task's commands find on their PATH beside the machine's (`envs/desktop/commands.py`).
OURS = frozenset({"python", "python3", "sudo"})
SHELLS = frozenset({"sh", "bash", "dash"})
#: Words whose next word (past its options) is again a program: ``sudo -S apt-get ...``.
PREFIXES = frozenset({"sudo", "exec", "time", "nohup", "env", "then", "do", "else", "!"})
#: Options of sudo (and env) that take a value: ``sudo -u root CMD``.
VALUED_OPTIONS = frozenset({"-u", "-g", "-p", "-C", "-D", "-h", "-r", "-t", "-T", "-U"})
#: Shell words followed by arguments, not by a program.
ARGUMENTS_FOLLOW = frozenset({"[", "[[", "test", "echo", "printf", "cd", "export", "read", "set", "source"})
#: What a program's name looks like (not ``=``, ``$VAR`` or a path).
_NAME = re.compile(r"[A-Za-z0-9_][\w.+-]*")
_OPERATORS = frozenset({";", "|", "||", "&", "&&", "(", ")", "$(", "`"})


def command_words(argv: Iterable[str]) -> list[str]:
    """The programs a command runs: its first word, and for ``sh -c TEXT`` those of ``TEXT``."""
    argv = list(argv)
    if len(argv) >= 3 and argv[0] in SHELLS and argv[1] == "-c":
        return shell_words(argv[2])
    return argv[:1]


def shell_words(text: str) -> list[str]:
    """The first word of each command in shell ``text`` (assignments such as ``X=1`` skipped)."""
    lexer = shlex.shlex(text.replace("\n", ";"), posix=True, punctuation_chars=";|&()`")
    lexer.whitespace_split = True
    words, at_start, skip = [], True, False
    try:
        for token in lexer:
            if token in _OPERATORS or set(token) <= set(";|&()`"):
                at_start, skip = True, False
                continue
            if skip:  # the value of a prefix's option (sudo -u root)
                skip = False
                continue
            if at_start and ("=" in token or token.startswith("-")) and not token.startswith("="):
                skip = token in VALUED_OPTIONS
                continue  # VAR=value before a command, or an option of a prefix such as sudo's
            if at_start:
                words.append(token)
            at_start = token in PREFIXES or (token in SHELL_WORDS and token not in ARGUMENTS_FOLLOW)
    except ValueError:  # unbalanced quotes: the shell would refuse it too; nothing to say here
        return words
    return words


def task_commands(task: OSWorldTask) -> list[tuple[str, ...]]:
    """Every command the task's setup, final steps and judge run, as argument lists."""
    spec = task.spec
    argvs = [*spec.plan.commands, *spec.judge.commands]
    argvs += [s.argv for s in (*spec.plan.after_apps, *spec.judge.final_steps) if isinstance(s, RunCommand)]
    return [tuple(argv) for argv in argvs]


def missing_programs(task: OSWorldTask) -> list[str]:
    """The programs the task's setup, final steps and judge run that are not on this machine."""
    names = {w for argv in task_commands(task) for w in command_words(argv)}
    wanted = {n for n in names if _NAME.fullmatch(n) and n not in SHELL_WORDS | OURS}
    return sorted(n for n in wanted if shutil.which(n) is None)


#: gsettings commands whose next word is a schema (``SCHEMA`` or ``SCHEMA:PATH``).
_SCHEMA_COMMANDS = frozenset({
    "get", "set", "reset", "range", "describe", "writable", "monitor", "list-keys", "list-children",
    "list-recursively", "reset-recursively",
})  # fmt: skip
#: What exists when systemd is the init system (``sd_booted``'s test).
SYSTEMD_RUNNING = "/run/systemd/system"


def gsettings_schemas(argv: Iterable[str]) -> list[str]:
    """The settings schemas a command's ``gsettings`` calls name (``sh -c`` text included)."""
    argv = list(argv)
    text = argv[2] if len(argv) >= 3 and argv[0] in SHELLS and argv[1] == "-c" else shlex.join(argv)
    lexer = shlex.shlex(text, posix=True, punctuation_chars=";|&()`")
    lexer.whitespace_split = True
    try:
        words = list(lexer)
    except ValueError:  # unbalanced quotes: the shell refuses it too
        return []
    schemas = []
    for i, word in enumerate(words[:-2]):
        if word == "gsettings" and words[i + 1] in _SCHEMA_COMMANDS:
            schemas.append(words[i + 2].split(":")[0])  # options such as --schemadir: not guessed
    return schemas


@cache
def installed_schemas() -> frozenset[str]:
    """The settings schemas this machine has (``gsettings list-schemas``), read once."""
    if shutil.which("gsettings") is None:
        return frozenset()
    names: set[str] = set()
    for listing in ("list-schemas", "list-relocatable-schemas"):
        listed = subprocess.run(["gsettings", listing], capture_output=True, text=True, timeout=30)
        names.update(listed.stdout.split())
    return frozenset(names)


def unplayable_notes(task: OSWorldTask) -> list[str]:
    """Why the task's commands fail on this desktop, one sentence each (none: they can run)."""
    notes = []
    missing = missing_programs(task)
    if missing:
        notes.append(f"its commands run {', '.join(missing)}, not installed here (they fail)")
    argvs = task_commands(task)
    if "gsettings" not in missing:
        schemas = sorted({s for argv in argvs for s in gsettings_schemas(argv)} - installed_schemas())
        if schemas:
            notes.append(
                f"its commands read settings schema {', '.join(schemas)}, not installed here "
                "(gsettings fails: no such schema)"
            )
    runs = {w for argv in argvs for w in command_words(argv)}
    if "timedatectl" in runs and "timedatectl" not in missing and not Path(SYSTEMD_RUNNING).exists():
        notes.append(
            "its commands run timedatectl, which asks systemd; this desktop does not run it (it fails)"
        )
    return notes
