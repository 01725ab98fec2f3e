"""mousepad tasks: write and edit text files, judged by the saved file; change the editor's
settings, judged by its settings file (GSettings' keyfile in the episode's HOME)."""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Generator
from typing import Any

from palaestra.tasks.base import Evaluation
from palaestra.tasks.desktop.base import DesktopOutcome, DesktopSetup, DesktopTask, verdict
from palaestra.tasks.desktop.oracles import find, oracle, press_until_gone, quoted

WORDS = [
    "apple",
    "river",
    "stone",
    "cloud",
    "maple",
    "tiger",
    "lemon",
    "orbit",
    "piano",
    "quartz",
    "violet",
    "amber",
]
KEYFILE = ".config/glib-2.0/settings/keyfile"


def lines_of(text: str | None) -> list[str] | None:
    return None if text is None else text.rstrip("\n").split("\n")


class EditTask(DesktopTask):
    """Edit an open text file and save it; `transform` says what the new text must be."""

    short = ""
    instruction = ""

    def __init__(self) -> None:
        self.name = f"desktop.{self.short}"
        self.expected: list[str] = []
        self.file = "notes.txt"

    def setup(self, rng: random.Random) -> DesktopSetup:
        lines = [" ".join(rng.sample(WORDS, 3)) for _ in range(rng.randint(4, 7))]
        words = rng.sample([w for w in WORDS if any(w in line for line in lines)] or WORDS, 1) + rng.sample(
            WORDS, 1
        )
        goal = self.instruction.format(*words, file=self.file) + " Save the file (Ctrl+S)."
        self.expected = lines_of(TRANSFORMS[self.short]("\n".join(lines) + "\n", quoted(goal))) or []
        return DesktopSetup(
            goal=goal, apps=(("mousepad", f"~/{self.file}"),), files={self.file: "\n".join(lines) + "\n"}
        )

    def evaluate(self, outcome: DesktopOutcome) -> Evaluation:
        return verdict(lines_of(outcome.read_text(self.file)) == self.expected, expected=self.expected)


def _replace(text: str, q: list[str]) -> str:
    return text.replace(q[1], q[2])


def _delete_line(text: str, q: list[str]) -> str:
    return "".join(line for line in text.splitlines(keepends=True) if q[1] not in line)


def _append(text: str, q: list[str]) -> str:
    return text + q[1] + "\n"


TRANSFORMS: dict[str, Callable[[str, list[str]], str]] = {
    "editor-replace": _replace,
    "editor-delete-line": _delete_line,
    "editor-append": _append,
    "editor-sort": lambda text, q: "".join(sorted(text.splitlines(keepends=True))),
    "editor-reverse": lambda text, q: "".join(reversed(text.splitlines(keepends=True))),
    "editor-uppercase": lambda text, q: text.upper(),
    "editor-number": lambda text, q: "".join(
        f"{i}. {line}" for i, line in enumerate(text.splitlines(True), 1)
    ),
}


def _edit(short: str, instruction: str, doc: str) -> type[EditTask]:
    return type(f"Edit_{short}", (EditTask,), {"short": short, "instruction": instruction, "__doc__": doc})


EDITS = [
    _edit("editor-replace", "In '{file}', replace every '{0}' with '{1}'.", "Replace a word everywhere."),
    _edit(
        "editor-delete-line", "In '{file}', delete every line that contains '{0}'.", "Delete matching lines."
    ),
    _edit("editor-append", "At the end of '{file}', add the line '{0} {1}'.", "Append a line."),
    _edit("editor-sort", "Sort the lines of '{file}' alphabetically.", "Sort lines."),
    _edit("editor-reverse", "Reverse the order of the lines of '{file}'.", "Reverse lines."),
    _edit("editor-uppercase", "Turn all the text of '{file}' into upper case.", "Upper-case a file."),
    _edit(
        "editor-number",
        "Number the lines of '{file}': put '1. ' before the first, '2. ' before the second, and so on.",
        "Number lines.",
    ),
]


class NewFile(DesktopTask):
    """Write given lines into a new document and save it under a given name (the save dialog)."""

    short = "editor-new-file"

    def __init__(self) -> None:
        self.name = f"desktop.{self.short}"
        self.path, self.expected = "", list[str]()

    def setup(self, rng: random.Random) -> DesktopSetup:
        self.path = f"notes/{rng.choice(WORDS)}.txt"
        self.expected = [" ".join(rng.sample(WORDS, 3)) for _ in range(3)]
        shown = " / ".join(f"'{line}'" for line in self.expected)
        goal = (
            f"Write the three lines {shown} in the editor and save them as '{self.path}' in your home folder."
        )
        return DesktopSetup(goal=goal, apps=(("mousepad",),), dirs=("notes",))

    def evaluate(self, outcome: DesktopOutcome) -> Evaluation:
        return verdict(lines_of(outcome.read_text(self.path)) == self.expected, expected=self.expected)


class Setting(DesktopTask):
    """Switch on one of the editor's View options; judged in its settings file."""

    short = ""
    label = ""
    key = ""

    def __init__(self) -> None:
        self.name = f"desktop.{self.short}"

    def setup(self, rng: random.Random) -> DesktopSetup:
        goal = f"Turn on the '{self.label}' option of the text editor (in its menus)."
        return DesktopSetup(goal=goal, apps=(("mousepad",),))

    def evaluate(self, outcome: DesktopOutcome) -> Evaluation:
        text = outcome.read_text(KEYFILE) or ""
        found = re.search(rf"^{re.escape(self.key)}=true$", text, re.M) is not None
        return verdict(found, key=self.key, settings=[line for line in text.splitlines() if "=true" in line])


class LineNumbers(Setting):
    """Show line numbers."""

    short, label, key = "editor-line-numbers", "Line Numbers", "show-line-numbers"


class WordWrap(Setting):
    """Wrap long lines."""

    short, label, key = "editor-word-wrap", "Word Wrap", "word-wrap"


_ALL: list[type[EditTask] | type[NewFile] | type[Setting]] = [*EDITS, NewFile, LineNumbers, WordWrap]
TASKS: dict[str, type[DesktopTask]] = {cls.short: cls for cls in _ALL}


# Oracles ---------------------------------------------------------------------------------------


def edit_oracle(obs: dict[str, Any]) -> Generator[str, dict[str, Any], None]:
    goal = obs["goal"]
    short = next(s for s, cls in TASKS.items() if issubclass(cls, EditTask) and _same(cls.instruction, goal))
    text = next(e["value"] for e in obs["elements"] if e["role"] == "text") + "\n"
    new = TRANSFORMS[short](text, quoted(goal))
    yield f"hotkey('ctrl', 'a')\nwrite({new!r})\nhotkey('ctrl', 's')"


def _same(instruction: str, goal: str) -> bool:
    """Whether the goal was written from this instruction (its fixed words are all there)."""
    return all(part in goal for part in instruction.format("\0", "\0", file="\0").split("\0"))


def new_file_oracle(obs: dict[str, Any]) -> Generator[str, dict[str, Any], None]:
    *lines, path = quoted(obs["goal"])
    obs = yield f"write({chr(10).join(lines) + chr(10)!r})\nhotkey('ctrl', 's')"
    obs = yield f"write({path!r})"
    yield from press_until_gone(obs, "push button", "Save")


def setting_oracle(obs: dict[str, Any]) -> Generator[str, dict[str, Any], None]:
    label = quoted(obs["goal"])[0]
    for menu in ("View", "Document"):
        obs = yield f"click('{find(obs, 'menu', menu)}')"
        for _ in range(3):  # a menu's items reach the accessibility tree a moment after it opens
            items = [e for e in obs["elements"] if e["role"].endswith("menu item") and label in e["name"]]
            if items:
                yield f"click('{items[0]['id']}')"
                yield "wait(1)"  # GSettings writes its keyfile a moment later
                return
            obs = yield "wait(0.3)"
        obs = yield "press('escape')"


for _name, _cls in TASKS.items():
    oracle(_name)(
        new_file_oracle if _cls is NewFile else setting_oracle if issubclass(_cls, Setting) else edit_oracle
    )
