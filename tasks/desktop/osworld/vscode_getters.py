"""OSWorld's ``vscode_config`` getter: a command of a VS Code extension the task installed (OSWorld's
own "eval" extension, ``eval-0.0.1.vsix``, e.g. ``OpenProject``, which writes the open folder's name)
is run in the episode's editor, and the getter gives the file it writes (``path``).

OSWorld's getter types the command into the command palette and fetches the file a second later.
Here the judge's command `vscode_command` does the same in the live session, as the desktop user,
under the judge's command timeout, but first checks that an installed extension contributes the
command, removes any old file at ``path`` (a file the agent wrote never counts), and waits for the
new one (bounded). What goes wrong is a typed `VSCodeCommandError` naming what is missing, and the
check scores 0 with that error in its details; the episode goes on to its verdict.

The getter types into the editor's window, so a task that uses it is judged once, at the end of the
episode (`Getter.at_end`), never after every step while the agent works.
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any

from palaestra.tasks.desktop.base import CommandResult, DesktopOutcome
from palaestra.tasks.desktop.osworld import vscode_command
from palaestra.tasks.desktop.osworld.errors import OSWorldTaskError
from palaestra.tasks.desktop.osworld.getters import FilePath, Getter, Place
from palaestra.tasks.desktop.osworld.paths import home_relative

#: The judge's command (`vscode_command`), run by the session's ``python3``.
SCRIPT = Path(vscode_command.__file__)
#: What a command name may hold: it is typed into the palette, so no control characters.
TYPABLE = set(string.ascii_letters + string.digits + string.punctuation + " ")


class VSCodeCommandError(RuntimeError):
    """The editor did not give the getter its file; ``kind`` says why, for code that branches on it:
    ``no_extension``, ``no_window``, ``no_file``, ``timeout`` or ``not_run``."""

    def __init__(self, kind: str, message: str) -> None:
        self.kind = kind
        super().__init__(message)


#: What each exit status of `vscode_command` means, and what would fix it.
FAILURES = {
    vscode_command.NO_EXTENSION: (
        "no_extension",
        "no installed VS Code extension contributes the command {name!r}: the task's config installs "
        "it (`code --install-extension FILE.vsix`, the .vsix from OSWorld's cache or the task folder)",
    ),
    vscode_command.NO_WINDOW: (
        "no_window",
        "no VS Code window was open to run {name!r} in (the agent closed the editor, or it never started)",
    ),
    vscode_command.NO_FILE: (
        "no_file",
        "VS Code ran no {name!r} that wrote {path} (the palette did not find it, or the command failed)",
    ),
}


def command_failure(result: CommandResult | None, name: str, path: str) -> VSCodeCommandError | None:
    """The typed error for how the judge's command ended; None when it gave the file."""
    if result is None:
        return VSCodeCommandError("not_run", f"the judge's command for {name!r} did not run")
    if result.timed_out:
        return VSCodeCommandError("timeout", f"running {name!r} in VS Code took longer than its timeout")
    if result.returncode == 0:
        return None
    kind, text = FAILURES.get(result.returncode or 0, ("", ""))
    if not kind:
        detail = result.stderr.strip().splitlines()[-1:] or [f"exit status {result.returncode}"]
        return VSCodeCommandError("no_file", f"running {name!r} in VS Code failed: {detail[0]}")
    return VSCodeCommandError(kind, text.format(name=name, path=path))


def vscode_config(spec: dict[str, Any], place: Place) -> Getter:
    name = spec.get("vscode_extension_command")
    if not isinstance(name, str) or not name.strip() or not set(name) <= TYPABLE:
        raise OSWorldTaskError(
            place.source,
            place.where,
            '`vscode_config` needs "vscode_extension_command": the name of an extension\'s command '
            f"(printable text, as typed into the command palette), got {name!r}",
        )
    path = spec.get("path")
    relative = home_relative(path, place.source, place.where)
    argv = ("python3", str(SCRIPT), name.strip(), f"~/{relative}")

    def read(outcome: DesktopOutcome) -> FilePath:
        error = command_failure(outcome.command_results.get(argv), name.strip(), str(path))
        if error is not None:
            raise error
        file = outcome.path(relative)
        if not file.is_file():
            raise VSCodeCommandError("no_file", f"{path} is gone after {name!r} wrote it")
        return FilePath(file)

    return Getter("vscode_config", read, (argv,), at_end=True)


GETTERS = {"vscode_config": vscode_config}
