"""Scripted solutions of the bundled OSWorld-format tasks (``data/``), by task id.

Like the desktop oracles (`palaestra.tasks.desktop.oracles`), each sees only what an agent sees
(the goal and the observation) and acts through action strings; each proves its task solvable
on this desktop. Tasks from other folders have no oracle.
"""

from __future__ import annotations

import re
from collections.abc import Generator
from pathlib import Path
from typing import Any

from palaestra.tasks.desktop.oracles import Oracle, find, press_until_gone, quoted
from palaestra.tasks.desktop.sheet import sheet_oracle

Obs = dict[str, Any]
Plan = Generator[str, Obs, None]


def _text(obs: Obs) -> str:
    """The editor's text, ending in one newline (AT-SPI's value leaves the last one out)."""
    text = str(next(e["value"] for e in obs["elements"] if e["role"] == "text" and e["editable"]))
    return text.rstrip("\n") + "\n"


def fix_typo(obs: Obs) -> Plan:
    fixed = re.sub(r"\blovly\b", "lovely", _text(obs))
    yield f"hotkey('ctrl', 'a')\nwrite({fixed!r})\nhotkey('ctrl', 's')"
    yield "wait(0.3)"


def append_todo(obs: Obs) -> Plan:
    line = quoted(obs["goal"])[0]
    yield f"hotkey('ctrl', 'end')\nwrite({line + chr(10)!r})\nhotkey('ctrl', 's')"
    yield "wait(0.3)"


def edit_memo(obs: Obs) -> Plan:
    """Edit, and leave the saving to the task's postconfig (it presses ctrl+s before the verdict)."""
    old, new = quoted(obs["goal"])
    yield f"hotkey('ctrl', 'a')\nwrite({_text(obs).replace(old, new)!r})"
    yield "done()"


def terminal(command: str) -> Oracle:
    """Type ``command`` (formatted with the goal's quoted words) into the terminal."""

    def play(obs: Obs) -> Plan:
        line = command.format(*quoted(obs["goal"]))
        yield f"write({line + chr(10)!r})"
        yield "wait(0.3)"

    return play


def calculate(operator: str, end: str = "") -> Oracle:
    """Press the goal's first two numbers on the calculator with ``operator`` between, then ``=``
    (and ``end``: done() for a task judged at the end)."""

    def play(obs: Obs) -> Plan:
        a, b = re.findall(r"\d+", obs["goal"])[:2]
        keys = [*a, operator, *b, "="]
        yield "\n".join(f"click('{find(obs, 'toggle button', k)}')" for k in keys)
        if end:
            yield end

    return play


def file_away(obs: Obs) -> Plan:
    name, folder = quoted(obs["goal"])
    obs = yield f"click('{find(obs, 'icon', value=name)}')\nhotkey('ctrl', 'x')"
    obs = yield f"doubleClick('{find(obs, 'icon', value=folder)}')"
    yield "hotkey('ctrl', 'v')"
    yield "wait(0.5)"


def sheet_total(obs: Obs) -> Plan:
    """The desktop sheet oracle's moves, with the goal's cell, function and range."""
    cell, column = re.findall(r"\b[A-Z]\d+(?::[A-Z]\d+)?\b", obs["goal"])[:2]
    yield from sheet_oracle(dict(obs, goal=f"'{cell}' 'SUM' '{column}'"))


#: The button of LibreOffice's "Confirm File Format" dialog that keeps an xlsx, docx or pptx file's
#: format.
KEEP_FORMAT = re.compile(r"Use (Excel|Word|PowerPoint) .*")


def save_keeping_format(obs: Obs) -> Plan:
    """Ctrl+S, then keep the file's format in LibreOffice's dialog (OSWorld's VM asks the same; its
    own post-config answers with Enter on the default button, which is this one)."""
    obs = yield "hotkey('ctrl', 's')"
    keep = next(
        (
            e["name"]
            for e in obs["elements"]
            if e["role"] == "push button" and KEEP_FORMAT.fullmatch(e["name"])
        ),
        None,
    )
    if keep is not None:
        obs = yield from press_until_gone(obs, "push button", keep)
    yield "wait(0.5)"


def calc_line_totals(obs: Obs) -> Plan:
    """Go to the column's first cell through the Name Box, type a formula per row, and say done:
    the task's postconfig saves (Ctrl+S, Enter: keep the format), as OSWorld's Calc tasks do."""
    column, first, last = re.findall(r"\(([A-Z])(\d+):[A-Z](\d+)\)", obs["goal"])[0]
    name_box = next(
        e["id"]
        for e in obs["elements"]
        if e["role"] == "text" and re.fullmatch(r"\$?[A-Z]+\$?\d+", e["value"])
    )
    obs = yield f"tripleClick('{name_box}')\nwrite({column + first + chr(10)!r})"
    formulas = "".join(f"=B{row}*C{row}\n" for row in range(int(first), int(last) + 1))
    obs = yield f"write({formulas!r})"
    yield "done()"


def calc_rename_sheet(obs: Obs) -> Plan:
    """Double-click the sheet's tab (Rename Sheet dialog), type the new name, OK, save."""
    old, new = quoted(obs["goal"])[:2]
    obs = yield f"doubleClick('{find(obs, 'page tab', old)}')"
    obs = yield f"hotkey('ctrl', 'a')\nwrite({new!r})"
    obs = yield from press_until_gone(obs, "push button", "OK")
    yield from save_keeping_format(obs)


def writer_move_meeting(obs: Obs) -> Plan:
    """Click into the paragraph that says the old word, select its line, type it anew, save."""
    old, new = quoted(obs["goal"])[:2]
    paragraph = next(e for e in obs["elements"] if e["role"] == "paragraph" and old in str(e["value"]))
    obs = yield f"click('{paragraph['id']}')\npress('home')\nhotkey('shift', 'end')"
    obs = yield f"write({str(paragraph['value']).replace(old, new)!r})"
    yield from save_keeping_format(obs)


def impress_retitle(obs: Obs) -> Plan:
    """Show the slide whose title is the old one (a click on its thumbnail in the slide pane), click
    into its title's text (editing it), select the text, type the new title, leave the text, and
    save keeping the format."""
    old, new = quoted(obs["goal"])[:2]
    obs = yield f"click('{find(obs, 'panel', old)}')"
    obs = yield f"click('{find(obs, 'paragraph', value=old)}')"
    obs = yield "hotkey('ctrl', 'a')"
    obs = yield f"write({new!r})\npress('escape')"
    yield from save_keeping_format(obs)


def impress_portrait(obs: Obs) -> Plan:
    """Slide > Slide Properties, Portrait, OK (answering the question about scaling the objects
    with its default), and say done: the task's postconfig saves."""
    obs = yield f"click('{find(obs, 'menu', 'Slide')}')"
    obs = yield f"click('{find(obs, 'menu item', 'Slide Properties...')}')"
    obs = yield f"click('{find(obs, 'radio button', 'Portrait')}')"
    obs = yield from press_until_gone(obs, "push button", "OK")
    yield "done()"


def await_element(
    obs: Obs, role: str, name: re.Pattern[str], tries: int = 10
) -> Generator[str, Obs, tuple[Obs, str]]:
    """Wait (half a second a step) until an element of ``role`` whose name matches shows up: the
    browser draws a settings page's sections, or a dialog, a moment after the key that asked."""
    for _ in range(tries):
        found = [e["id"] for e in obs["elements"] if e["role"] == role and name.fullmatch(e["name"])]
        if found:
            return obs, str(found[0])
        obs = yield "wait(0.5)"
    raise LookupError(f"no {role} {name.pattern!r} on screen")


DO_NOT_TRACK = re.compile(r'Send a "Do Not Track" request.*')


def chrome_do_not_track(obs: Obs) -> Plan:
    """Open the cookie settings by their address, switch the Do Not Track toggle on and confirm;
    the task's postconfig quits the browser, which writes the setting to its profile."""
    obs = yield "hotkey('ctrl', 'l')\nwrite('chrome://settings/cookies\\n')"
    obs, toggle = yield from await_element(obs, "toggle button", DO_NOT_TRACK)
    for _ in range(3):  # a click the page took before it was ready leaves the toggle off: again
        obs = yield f"click('{toggle}')"
        obs = yield from press_until_gone(obs, "push button", "Confirm")
        obs, toggle = yield from await_element(obs, "toggle button", DO_NOT_TRACK)
        if _is_on(obs, toggle):
            break
    yield "done()"


def _is_on(obs: Obs, element_id: str) -> bool:
    states = next(e for e in obs["elements"] if e["id"] == element_id)["attributes"]["states"].split()
    return "checked" in states or "pressed" in states


def chrome_bookmark_page(obs: Obs) -> Plan:
    """Ctrl+D, put the bookmark in the bookmarks bar folder (a fresh profile offers "Other
    bookmarks"), Done; the task's postconfig quits the browser, which writes its Bookmarks file."""
    obs = yield "hotkey('ctrl', 'd')"
    obs, folder = yield from await_element(obs, "combo box", re.compile("Folder"))
    obs = yield f"click('{folder}')"
    obs, bar = yield from await_element(obs, "check menu item", re.compile("Bookmarks bar"))
    obs = yield f"click('{bar}')"
    obs, done = yield from await_element(obs, "push button", re.compile("Done"))
    obs = yield f"click('{done}')"
    yield "done()"


def chrome_link_in_new_tab(obs: Obs) -> Plan:
    """Ctrl+click the link the goal names: the page opens in a new tab behind the current one."""
    link = quoted(obs["goal"])[0]
    yield f"keyDown('ctrl')\nclick('{find(obs, 'link', link)}')\nkeyUp('ctrl')"
    yield "wait(0.5)"


def retouch_photo(obs: Obs) -> Plan:
    yield "fail('there is no holiday.png on this desktop')"


ORACLES: dict[str, Oracle] = {
    "fix-typo": fix_typo,
    "append-todo": append_todo,
    "make-folders": terminal("mkdir -p {0}"),
    "script-executable": terminal("chmod u+x {0}"),
    "multiply": calculate("*"),
    "edit-memo": edit_memo,
    "add-on-display": calculate("+", "done()"),
    "sheet-total": sheet_total,
    "file-away": file_away,
    "retouch-photo": retouch_photo,
    "calc-line-totals": calc_line_totals,
    "calc-rename-sheet": calc_rename_sheet,
    "writer-move-meeting": writer_move_meeting,
    "impress-retitle": impress_retitle,
    "impress-portrait": impress_portrait,
    "chrome-do-not-track": chrome_do_not_track,
    "chrome-bookmark-page": chrome_bookmark_page,
    "chrome-link-in-new-tab": chrome_link_in_new_tab,
}


def _app_oracles() -> dict[str, Oracle]:
    from palaestra.tasks.desktop.osworld.chrome_oracles import ORACLES as CHROME
    from palaestra.tasks.desktop.osworld.gimp_oracles import ORACLES as GIMP
    from palaestra.tasks.desktop.osworld.pdf_oracles import ORACLES as PDF
    from palaestra.tasks.desktop.osworld.thunderbird_oracles import ORACLES as THUNDERBIRD
    from palaestra.tasks.desktop.osworld.vlc_oracles import ORACLES as VLC
    from palaestra.tasks.desktop.osworld.vscode_oracles import ORACLES as VSCODE

    return {**CHROME, **GIMP, **PDF, **THUNDERBIRD, **VLC, **VSCODE}


ORACLES.update(_app_oracles())


def oracles_for(task: str) -> dict[str, Oracle]:
    """The oracles of ``task`` (``osworld-json.<id>``) by short name: those of the bundled tasks when
    the suite plays the bundled file, none for a file of another folder that reuses an id."""
    from palaestra.tasks.desktop.osworld import BUNDLED
    from palaestra.tasks.registry import get_task_spec

    path = Path(str(get_task_spec(task).kwargs.get("path", ""))).resolve()
    return dict(ORACLES) if path.is_relative_to(BUNDLED.resolve()) else {}
