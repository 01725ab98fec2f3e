"""Scripted solutions of the bundled VS Code tasks (``data/vscode-*.json``), through the workbench
as an agent would use it (code-server's, in a Chromium window; its widgets are in the accessibility
tree): the editor's Find and Replace widget (Ctrl+H) with its fields clicked by element id, and the
Settings editor (Ctrl+,), searched, its setting's field clicked and typed into; the command
palette and VS Code's own file and folder dialogs.
"""

from __future__ import annotations

import posixpath
import re

from palaestra.tasks.desktop.oracles import quoted
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
    """File > Open Folder (Ctrl+K Ctrl+O): in VS Code's own dialog, ``~/FOLDER/`` typed into its
    path field (it reads ~ as HOME and shows the whole path) and taken with Enter; the window
    reloads on that folder (its title starts with the folder's name). Keys the dialog was not yet
    ready for are lost or jumbled by its completion, so the path and the Enter are sent again
    until they took."""
    name = quoted(obs["goal"])[0]
    obs = yield "press('escape')\nhotkey('ctrl', 'k')\nhotkey('ctrl', 'o')"
    obs, _field = yield from await_element(obs, "combo box", re.compile("input"))
    path = f"~/{name}/"  # the dialog reads ~ as HOME
    for _ in range(5):
        obs = yield f"hotkey('ctrl', 'a')\nwrite({path!r})\nwait(0.5)"
        if any(e["role"] == "combo box" and str(e["value"]).endswith(f"/{name}/") for e in obs["elements"]):
            break
    title = f"{name} - Visual Studio Code"
    for _ in range(5):
        obs = yield "wait(1)\npress('enter')\nwait(1)"
        if obs["focused_window"] == title or not any(e["role"] == "combo box" for e in obs["elements"]):
            break
    for _ in range(10):
        if obs["focused_window"] == title:
            break
        obs = yield "wait(0.5)"
    yield "done()"


ORACLES = {
    "vscode-replace-text": vscode_replace_text,
    "vscode-line-length": vscode_line_length,
    "vscode-install-vsix": vscode_install_vsix,
    "vscode-open-project": vscode_open_project,
}
