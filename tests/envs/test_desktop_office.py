"""LibreOffice Calc on the real desktop: launched with a fresh profile of the episode's own (no
first-start dialogs), observed through AT-SPI without walking its sheet's 2^31 cells (the active
cell, with its formula, stands in for them), acted on by element ids that land where LibreOffice
draws (its own boxes are 25 px off), and killed with every process it forked when the episode ends.
One episode: a LibreOffice start costs seconds."""

from __future__ import annotations

import io
import random
import re
from typing import Any

import openpyxl
import psutil

from palaestra.envs.desktop import DesktopEnv
from palaestra.tasks.base import Evaluation
from palaestra.tasks.desktop.base import DesktopOutcome, DesktopSetup, DesktopTask, verdict


def workbook() -> bytes:
    wb = openpyxl.Workbook()
    wb.active.title = "Sales"
    for row in (["Item", "Price"], ["pen", 2.5], ["cup", 4]):
        wb.active.append(row)
    data = io.BytesIO()
    wb.save(data)
    return data.getvalue()


class OpenWorkbook(DesktopTask):
    """A workbook open in Calc; nothing to achieve (the test reads the observations)."""

    name = "office-probe"

    def setup(self, rng: random.Random) -> DesktopSetup:
        return DesktopSetup(
            goal="Look.", apps=(("soffice", "--calc", "~/book.xlsx"),), files={"book.xlsx": workbook()}
        )

    def evaluate(self, outcome: DesktopOutcome) -> Evaluation:
        return verdict(False)


class Calculator(DesktopTask):
    name = "calculator"

    def setup(self, rng: random.Random) -> DesktopSetup:
        return DesktopSetup(goal="Nothing.", apps=(("galculator",),))

    def evaluate(self, outcome: DesktopOutcome) -> Evaluation:
        return verdict(False)


def element(
    obs: dict[str, Any], role: str, name: str | None = None, value: str | None = None
) -> dict[str, Any]:
    for e in obs["elements"]:
        if e["role"] == role and name in (None, e["name"]) and value in (None, e["value"]):
            return dict(e)
    raise AssertionError(f"no {role} named {name!r} valued {value!r} in:\n{obs['axtree']}")


def inside(inner: tuple[int, ...], outer: tuple[int, ...]) -> bool:
    return (
        outer[0] <= inner[0]
        and outer[1] <= inner[1]
        and inner[0] + inner[2] <= outer[0] + outer[2]
        and inner[1] + inner[3] <= outer[1] + outer[3]
    )


def office_processes(base: str) -> list[psutil.Process]:
    """The LibreOffice processes with their profile in this session's folder (not other sessions')."""
    found = []
    for proc in psutil.process_iter(["name", "cmdline"]):
        if f"-env:UserInstallation=file://{base}" in " ".join(proc.info["cmdline"] or []):
            found.append(proc)
    return found


def test_calc_launches_observes_acts_and_ends_with_all_its_processes() -> None:
    env = DesktopEnv(OpenWorkbook())
    try:
        obs, _ = env.reset(seed=0)
        base, home = env.session_info["base"], str(env._home)
        # A fresh profile in HOME, seeded: the document, no tip-of-the-day or recovery dialog.
        assert obs["focused_window"] == "book.xlsx - LibreOffice Calc"
        assert "dialog" not in obs["axtree"], obs["axtree"]
        assert (
            "ShowTipOfTheDay"
            in (env._home / ".config/libreoffice/4/user/registrymodifications.xcu").read_text()
        )
        [office] = [p for p in office_processes(base) if p.info["name"] == "soffice.bin"]
        assert f"-env:UserInstallation=file://{home}/.config/libreoffice/4" in office.info["cmdline"]
        # The tree: the sheet without its cells but with the active one; paths said from HOME.
        cell = element(obs, "table cell")
        assert (cell["name"], cell["value"], cell["focused"]) == ("A1", "Item", True)
        assert len(obs["elements"]) < 400 and base not in obs["axtree"] and "'~/book.xlsx" in obs["axtree"]
        assert element(obs, "push button", "Save")["value"] == ""  # LibreOffice's buttons all say 0; left out
        # LibreOffice's own boxes are moved where it draws: around GTK's Name Box, which is right.
        name_box = element(obs, "text", value="A1")
        assert inside(name_box["bbox"], element(obs, "tool bar", "Formula Tool Bar")["bbox"])
        assert inside(cell["bbox"], element(obs, "table", "Sheet Sales")["bbox"])

        # Typing through the Name Box: the active cell shows its formula and the value it gives.
        obs, *_ = env.step(f"tripleClick('{name_box['id']}')\nwrite('C2\\n')")
        obs, *_ = env.step("write('=B2*2\\n')\npress('up')")
        assert obs["last_action_error"] == ""
        cell = element(obs, "table cell")
        assert (cell["name"], cell["value"]) == ("C2 =B2*2", "5"), obs["axtree"]
        # An element id of LibreOffice's own drawing lands: a double click on the tab renames it.
        obs, *_ = env.step(f"doubleClick('{element(obs, 'page tab', 'Sales')['id']}')")
        assert re.search(r"dialog 'Rename Sheet'", obs["axtree"]), obs["axtree"]
        obs, *_ = env.step("hotkey('ctrl', 'a')\nwrite('Costs')")
        for _ in range(3):  # GTK's dialogs may let the first click go by
            if not any(e["role"] == "push button" and e["name"] == "OK" for e in obs["elements"]):
                break
            obs, *_ = env.step(f"click('{element(obs, 'push button', 'OK')['id']}')")
        for _ in range(3):  # under load the new name may reach the tree a step late
            if any(e["role"] == "page tab" and e["name"] == "Costs" for e in obs["elements"]):
                break
            obs, *_ = env.step("wait(0.5)")
        assert element(obs, "page tab", "Costs")["selected"]

        # The episode's end kills the office and every process it forked.
        assert {p.info["name"] for p in office_processes(base)} == {"oosplash", "soffice.bin"}
        env.task = Calculator()
        obs, _ = env.reset(seed=0)
        assert obs["focused_window"] == "galculator" and office_processes(base) == []
    finally:
        env.close()
