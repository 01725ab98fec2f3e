"""Scripted solutions of the bundled VS Code tasks (``data/vscode-*.json``), through the workbench
as an agent would use it (code-server's, in a Chromium window; its widgets are in the accessibility
tree): the editor's Find and Replace widget (Ctrl+H) with its fields clicked by element id, and the
Settings editor (Ctrl+,), searched, its setting's field clicked and typed into; the command
palette and VS Code's own file and folder dialogs.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Generator

from palaestra.tasks.desktop.oracles import find, has, quoted
from palaestra.tasks.desktop.osworld.oracles import Obs, Plan, await_element


def vscode_replace_text(obs: Obs) -> Plan:
    """Ctrl+H, the old word in Find, the new one in Replace, Replace All (Ctrl+Alt+Enter in the
    Replace field), Ctrl+S; the task's postconfig saves again, as OSWorld's does."""
    old, new = quoted(obs["goal"])[:2]
    obs = yield "hotkey('ctrl', 'h')"
    obs, find_field = yield from await_element(obs, "entry", re.compile("Find"))
    obs, replace_field = yield from await_element(obs, "entry", re.compile("Replace"))
    obs = yield f"click('{find_field}')\nhotkey('ctrl', 'a')\nwrite({old!r})"
    obs = yield f"click('{replace_field}')\nhotkey('ctrl', 'a')\nwrite({new!r})"
    obs = yield "hotkey('ctrl', 'alt', 'enter')"
    obs = yield "press('escape')\nhotkey('ctrl', 's')\nwait(0.5)"
    yield "done()"


def vscode_line_length(obs: Obs) -> Plan:
    """The Settings editor (Ctrl+,), searched for the wrap column's setting, its number field set
    to the length the goal names; VS Code writes the user's settings.json as the field changes."""
    length = re.findall(r"\b(\d+) characters", obs["goal"])[0]
    obs = yield "hotkey('ctrl', ',')"
    obs, search = yield from await_element(obs, "entry", re.compile("Search settings.*"))
    obs = yield f"click('{search}')\nwrite('editor.wordWrapColumn')"
    obs, field = yield from await_element(obs, "spin button", re.compile(re.escape("editor.wordWrapColumn")))
    obs = yield f"click('{field}')\nhotkey('ctrl', 'a')\nwrite({length!r})\npress('tab')\nwait(2)"
    yield "done()"


OPEN_VSIX = "write('Extensions: Install from VSIX')"


def vscode_install_vsix(obs: Obs) -> Plan:
    """The command palette (Ctrl+Shift+P), "Extensions: Install from VSIX...", and the file picked
    in VS Code's own file dialog (it opens in HOME, where the file is); then a moment for the
    install to finish."""
    name = posixpath.basename(quoted(obs["goal"])[0])
    command = re.compile(re.escape("Extensions: Install from VSIX..."))
    for attempt in range(3):  # keys typed before the palette was up went elsewhere: open it again
        obs = yield "press('escape')\nhotkey('ctrl', 'shift', 'p')\nwait(1)\n" + OPEN_VSIX
        try:
            obs, _command = yield from await_element(obs, "list item", command, tries=6)
            break
        except LookupError:
            if attempt == 2:
                raise
    obs = yield "press('enter')"
    obs, item = yield from await_element(obs, "list item", re.compile(re.escape(name)))
    obs = yield f"click('{item}')"
    obs, _done = yield from await_element(obs, "list item", re.compile("Completed installing.*"), tries=20)
    yield "done()"


def vscode_open_project(obs: Obs) -> Plan:
    """File > Open Folder (Ctrl+K Ctrl+O), and in VS Code's own dialog (it opens in HOME) the
    folder's entry clicked, then OK; the window reloads on that folder (its title then starts
    with the folder's name). Each part waits on what the screen shows, as a loaded machine needs
    (measured at load 4 on 2 cores: a path typed into the dialog's field came out jumbled by its
    completion in one try of two, the reload took up to 12 s): the dialog must be Open Folder's
    (the chord's Ctrl+K lost opens Open File's, with the same field), the field must show the
    folder before OK, and the dialog gone before the wait for the reload."""
    name = quoted(obs["goal"])[0]
    title = f"{name} - Visual Studio Code"
    for attempt in range(3):
        obs = yield from _folder_dialog(obs)
        obs = yield from _into_folder(obs, name)
        obs = yield f"click('{find(obs, 'push button', 'OK')}')"
        obs = yield from _waited(obs, lambda o: not _dialog_open(o) or o["focused_window"] == title, 6)
        if not _dialog_open(obs):
            break
        if attempt == 2:
            raise LookupError(f"VS Code's Open Folder dialog did not take {name!r}")
    obs = yield from _waited(obs, lambda o: o["focused_window"] == title, RELOAD_WAITS, "wait(1)")
    yield "done()"


#: How many one-second waits the window gets to reload on the opened folder (up to 12 s measured
#: at load 4 on 2 cores, each wait's step taking 1.5-5 s there).
RELOAD_WAITS = 15
OPEN_FOLDER = "press('escape')\nhotkey('ctrl', 'k')\nhotkey('ctrl', 'o')"


def _dialog_open(obs: Obs) -> bool:
    """Whether one of VS Code's file dialogs (its path field) is on screen."""
    return has(obs, "combo box", "input")


def _folder_dialog(obs: Obs) -> Generator[str, Obs, Obs]:
    """Open VS Code's Open Folder dialog: the observation showing it. Another dialog with the same
    field (Open File's, when the chord's Ctrl+K was lost) is closed and the chord sent again."""
    for _ in range(3):
        obs = yield OPEN_FOLDER
        obs = yield from _waited(obs, _dialog_open, 10)
        if has(obs, "static", "Open Folder") and _dialog_open(obs):
            return obs
    raise LookupError("VS Code's Open Folder dialog did not open (Ctrl+K Ctrl+O)")


def _into_folder(obs: Obs, name: str) -> Generator[str, Obs, Obs]:
    """Step the dialog into HOME's folder ``name`` by clicking its entry (typing the path races the
    field's completion): the observation whose field shows that folder. When the dialog opened
    elsewhere, ``~/`` (HOME; two keys the completion cannot jumble) is typed first."""
    obs = yield from _waited(obs, lambda o: has(o, "list item", name), 6)
    if not has(obs, "list item", name):
        obs = yield "hotkey('ctrl', 'a')\nwrite('~/')"
        obs = yield from _waited(obs, lambda o: has(o, "list item", name), 10)
    inside = f"/{name}/"
    for _ in range(3):
        obs = yield f"click('{find(obs, 'list item', name)}')"
        obs = yield from _waited(obs, lambda o: _field(o).endswith(inside), 6)
        if _field(obs).endswith(inside):
            return obs
        if not has(obs, "list item", name):  # the click took, but the field is slow to show it
            break
    raise LookupError(
        f"VS Code's Open Folder dialog did not step into {name!r}: its field shows {_field(obs)!r}"
    )


def _field(obs: Obs) -> str:
    """The dialog's path field's text ("" without a dialog)."""
    return next(
        (str(e["value"]) for e in obs["elements"] if e["role"] == "combo box" and e["name"] == "input"), ""
    )


def _waited(
    obs: Obs, ready: Callable[[Obs], bool], tries: int, wait: str = "wait(0.5)"
) -> Generator[str, Obs, Obs]:
    """Wait (``wait`` a step, at most ``tries`` steps) until ``ready`` holds: the observation then,
    or the last one (the caller checks it)."""
    for _ in range(tries):
        if ready(obs):
            break
        obs = yield wait
    return obs


ORACLES = {
    "vscode-replace-text": vscode_replace_text,
    "vscode-line-length": vscode_line_length,
    "vscode-install-vsix": vscode_install_vsix,
    "vscode-open-project": vscode_open_project,
}
