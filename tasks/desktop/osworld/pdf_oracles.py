"""Scripted solutions of the bundled PDF tasks (``data/pdf-*.json``), through Evince's own GTK 3
interface as an agent would use it. Evince puts a form's text fields in the accessibility tree as
``entry`` elements (unnamed: a field's tooltip name is not given), each page on screen as a
``page`` element whose value is the page's text, and its find bar's search field as ``text``
"Search"; its Save As (Ctrl+S) is GTK's file dialog, whose name field takes a path.
"""

from __future__ import annotations

import re

from palaestra.tasks.desktop.oracles import find, quoted
from palaestra.tasks.desktop.osworld.oracles import Obs, Plan, await_element

#: Evince's window title begins with its document's file name.
EVINCE_TITLE = re.compile(r".+\.pdf( \u2014 .*)?")


def pdf_fill_form(obs: Obs) -> Plan:
    """Click the form's text field, type the name (Tab leaves the field, which commits it), then
    Save As (Ctrl+S) with the goal's file name typed over the dialog's suggestion."""
    _field, value, file_name = quoted(obs["goal"])
    entry = next(e["id"] for e in obs["elements"] if e["role"] == "entry" and e["editable"])
    obs = yield f"click('{entry}')\nwrite({value!r})\npress('tab')"
    obs = yield "hotkey('ctrl', 's')"
    obs, _label = yield from await_element(obs, "label", re.compile("Name:"))
    name = next(e["id"] for e in obs["elements"] if _is_pdf_name(e))
    obs = yield f"tripleClick('{name}')\nwrite({f'~/Desktop/{file_name}'!r})\npress('enter')"
    for _ in range(10):
        if EVINCE_TITLE.fullmatch(obs["focused_window"]):
            break
        obs = yield "wait(0.5)"
    yield "done()"


def _is_pdf_name(element: dict[str, object]) -> bool:
    """The Save As dialog's name field, which suggests the document's own name."""
    return element["role"] == "text" and bool(element["editable"]) and str(element["value"]).endswith(".pdf")


def _box_point_outside(box: list[int], cover: list[int]) -> tuple[int, int]:
    """A point inside ``box`` (x, y, width, height) that ``cover`` does not hide: its left strip,
    else its bottom strip (the windows here overlap at a corner)."""
    x, y, width, height = box
    if cover[0] > x + 20:
        return x + min(20, (cover[0] - x) // 2), y + height // 2
    return x + width // 2, y + height - 10


def pdf_note_answer(obs: Obs) -> Plan:
    """Click Evince's Find button (it shows over the editor's corner; the click brings Evince to
    the front too), search for the topic, read the running time off the text of the page found,
    then click into the editor's text (where Evince does not cover it), type it and save."""
    topic = re.findall(r"running time of ([\w ]+?)\.", obs["goal"])[0]
    obs = yield f"click('{find(obs, 'toggle button', 'Find')}')"
    obs, search = yield from await_element(obs, "text", re.compile("Search"))
    obs = yield f"click('{search}')\nwrite({topic!r})\npress('enter')"
    answer = ""
    for _ in range(10):
        pages = [str(e["value"]) for e in obs["elements"] if e["role"] == "page"]
        found = [m for page in pages if topic.lower() in page.lower() for m in TIME.findall(page)]
        if found:
            answer = found[0]
            break
        obs = yield "wait(0.5)"
    if not answer:
        raise LookupError(f"no page on screen gives the running time of {topic}")
    frames = {str(e["name"]): list(e["bbox"]) for e in obs["elements"] if e["role"] == "frame"}
    evince = next(box for title, box in frames.items() if EVINCE_TITLE.fullmatch(title))
    editor = next(box for title, box in frames.items() if title.endswith(" - Mousepad"))
    x, y = _box_point_outside(editor, evince)
    obs = yield f"click({x}, {y})"
    yield f"write({answer!r})\nhotkey('ctrl', 's')"
    yield "wait(0.3)"


#: A running time as the notes write it, after "Running time:".
TIME = re.compile(r"Running time: (O\([^)]*\))")

ORACLES = {"pdf-fill-form": pdf_fill_form, "pdf-note-answer": pdf_note_answer}
