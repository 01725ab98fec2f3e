"""``sheet_print`` end to end, on a real Xvfb with the real Calc: the bundled calc-line-totals task,
judged instead as OSWorld's sheet_print tasks are. Its postconfig saves the workbook and then runs
OSWorld's ``libreoffice --convert-to csv:...`` while Calc still has the file open (the running
office writes the export); the rule compares that CSV with the gold workbook's, exported the same
way by a headless LibreOffice here. Saying done at once exports the unchanged sheet and scores 0;
the oracle's formulas score 1."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from palaestra.envs.desktop import DesktopEnv
from palaestra.tasks.desktop.oracles import play_oracle
from palaestra.tasks.desktop.osworld import BUNDLED, load_task
from palaestra.tasks.desktop.osworld.oracles import ORACLES

from .test_osworld_calc_convert import CSV_FILTER, soffice

EXPORT = ["libreoffice", "--convert-to", CSV_FILTER, "--outdir", "/home/user", "/home/user/sales.xlsx"]


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DesktopEnv]:
    folder = tmp_path_factory.mktemp("print")
    data = json.loads((BUNDLED / "calc-line-totals.json").read_text())
    evaluator = data["evaluator"]
    evaluator["postconfig"] += [{"type": "execute", "parameters": {"command": EXPORT}}]
    evaluator["result"] = {
        "type": "vm_file",
        "path": ["/home/user/sales.xlsx", "/home/user/sales-Sales.csv"],
        "dest": ["sales.xlsx", "sales-Sales.csv"],
        "multi": True,
    }
    evaluator["expected"] = {
        "type": "cloud_file",
        "path": ["files/sales_expected.xlsx", "files/sales_expected-Sales.csv"],
        "dest": ["sales_expected.xlsx", "sales_expected-Sales.csv"],
        "multi": True,
    }
    evaluator["options"] = {"rules": [{"type": "sheet_print", "sheet_idx0": 0, "sheet_idx1": "EI0"}]}
    files = folder / "files"
    files.mkdir()
    for name in ("sales.xlsx", "sales_expected.xlsx"):
        shutil.copy(BUNDLED / "files" / name, files / name)
    soffice(folder, "--convert-to", CSV_FILTER, "--outdir", str(files), str(files / "sales_expected.xlsx"))
    assert (files / "sales_expected-Sales.csv").read_text().splitlines()[1] == "pen,2.5,10,25"
    (folder / "task.json").write_text(json.dumps(data))
    shared = DesktopEnv(load_task(folder / "task.json"))
    yield shared
    shared.close()


def test_the_postconfig_exports_the_open_sheet_and_sheet_print_judges_it(env: DesktopEnv) -> None:
    obs, _info = env.reset(seed=0)
    assert obs["focused_window"].endswith("LibreOffice Calc"), obs["focused_window"]
    obs, reward, terminated, _truncated, info = env.step("done()")
    assert terminated and reward == 0.0, info["task_info"]
    home: Path = env._home
    exported = (home / "sales-Sales.csv").read_text(encoding="utf-8").splitlines()
    assert exported[:2] == ["Item,Price,Qty,Total", "pen,2.5,10,"], exported  # no totals yet
    obs, _info = env.reset(seed=0)
    (obs, reward, _, _, info), errors = play_oracle(env, ORACLES["calc-line-totals"], obs)
    assert errors == []
    assert reward == 1.0 and info["success"], info["task_info"]
