"""pcmanfm tasks: organise files and folders in the file manager, judged on the file system."""

from __future__ import annotations

import random
from collections.abc import Callable, Generator
from typing import Any

from palaestra.tasks.base import Evaluation
from palaestra.tasks.desktop.base import DesktopOutcome, DesktopSetup, DesktopTask, verdict
from palaestra.tasks.desktop.oracles import find, has, oracle, quoted

WORDS = ["apple", "river", "stone", "cloud", "maple", "tiger", "lemon", "orbit", "piano", "quartz"]
FOLDER = "Documents"


class FileTask(DesktopTask):
    """A file manager task in ~/Documents; subclasses draw the files and say what must hold."""

    short, template = "", ""

    def __init__(self) -> None:
        self.name = f"desktop.{self.short}"
        self.a, self.b = "", ""

    def setup(self, rng: random.Random) -> DesktopSetup:
        names = rng.sample(WORDS, 4)
        self.a, self.b = f"{names[0]}.txt", names[1]
        files: dict[str, bytes | str] = {f"{FOLDER}/{n}.txt": f"{n}\n" for n in names[:1] + names[2:]}
        if self.short in ("files-move", "files-copy"):
            files[f"{FOLDER}/{self.b}/.keep"] = ""
        goal = self.template.format(a=self.a, b=self.b) + " Use the file manager."
        return DesktopSetup(goal=goal, apps=(("pcmanfm", "--no-desktop", f"~/{FOLDER}"),), files=files)

    def evaluate(self, outcome: DesktopOutcome) -> Evaluation:
        here = outcome.path(FOLDER)
        a, b = here / self.a, here / self.b
        checks = {
            "files-new-folder": b.is_dir(),
            "files-rename": not a.exists() and (here / f"{self.b}.txt").is_file(),
            "files-delete": not a.exists(),
            "files-move": not a.exists() and (b / self.a).is_file(),
            "files-copy": a.is_file() and (b / self.a).is_file(),
        }
        return verdict(checks[self.short], a=self.a, b=self.b)


def _task(short: str, template: str, doc: str) -> type[FileTask]:
    return type(f"Files_{short}", (FileTask,), {"short": short, "template": template, "__doc__": doc})


TASKS: dict[str, type[DesktopTask]] = {
    cls.short: cls
    for cls in (
        _task("files-new-folder", "Create a folder named '{b}' in the open folder.", "Create a folder."),
        _task("files-rename", "Rename the file '{a}' to '{b}.txt'.", "Rename a file."),
        _task("files-delete", "Delete the file '{a}'.", "Delete a file (to the trash)."),
        _task("files-move", "Move the file '{a}' into the folder '{b}'.", "Move a file into a folder."),
        _task(
            "files-copy", "Copy the file '{a}' into the folder '{b}', keeping the original.", "Copy a file."
        ),
    )
}


# Oracles ---------------------------------------------------------------------------------------


def _confirm(obs: dict[str, Any]) -> Generator[str, dict[str, Any], dict[str, Any]]:
    """Answer a dialog by its affirmative button, if one is up."""
    for label in ("OK", "Yes", "Move to Trash", "Delete", "Rename"):
        if has(obs, "push button", label):
            obs = yield f"click('{find(obs, 'push button', label)}')"
    return obs


def files_oracle(obs: dict[str, Any]) -> Generator[str, dict[str, Any], None]:
    goal, params = obs["goal"], quoted(obs["goal"])
    if goal.startswith("Create a folder"):
        obs = yield "hotkey('ctrl', 'shift', 'n')"
        field = next(
            e["id"] for e in obs["elements"] if e["role"] == "text" and e["editable"] and e["value"] == "New"
        )
        obs = yield f"tripleClick('{field}')\nwrite({params[0]!r})\npress('enter')"
        yield from _confirm(obs)
        return
    icon = find(obs, "icon", value=params[0])
    if goal.startswith("Rename"):
        obs = yield f"click('{icon}')\npress('f2')"
        field = next(e["id"] for e in obs["elements"] if e["role"] == "text" and e["value"] == params[0])
        obs = yield f"tripleClick('{field}')\nhotkey('ctrl', 'a')\nwrite({params[1]!r})\npress('enter')"
        yield from _confirm(obs)
    elif goal.startswith("Delete"):
        obs = yield f"click('{icon}')\npress('delete')"
        yield from _confirm(obs)
    else:
        cut = "x" if goal.startswith("Move") else "c"
        obs = yield f"click('{icon}')\nhotkey('ctrl', '{cut}')"
        obs = yield f"doubleClick('{find(obs, 'icon', value=params[1])}')"
        # pcmanfm opens the folder and pastes when it gets to it: a loaded machine needs more than
        # one fixed wait, so watch the screen (the folder's own icon gone, then the file's shown).
        obs = yield from _wait_until(obs, lambda o: not has(o, "icon", value=params[1]))
        obs = yield "hotkey('ctrl', 'v')"
        yield from _wait_until(obs, lambda o: has(o, "icon", value=params[0]))


def _wait_until(
    obs: dict[str, Any], shown: Callable[[dict[str, Any]], bool], tries: int = 8
) -> Generator[str, dict[str, Any], dict[str, Any]]:
    """Wait half a second at a time, at most ``tries`` times, until ``shown(obs)`` holds."""
    for _ in range(tries):
        if shown(obs):
            break
        obs = yield "wait(0.5)"
    return obs


for _name in TASKS:
    oracle(_name)(files_oracle)
