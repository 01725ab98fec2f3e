"""The bundled LibreOffice Calc and Writer tasks (in OSWorld's format; Impress's are in
test_osworld_impress_episodes) on a real Xvfb with the real office: in one episode each, waiting
scores 0 (the file as it was fails the judge), then the oracle edits and scores 1, saving through
the keep-format dialog itself or, for calc-line-totals, saying done and leaving the save to the
task's OSWorld postconfig. One desktop session serves them all, and each task gets one episode: a
LibreOffice episode costs seconds."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from palaestra.envs.desktop import DesktopEnv
from palaestra.tasks.desktop.oracles import play_oracle
from palaestra.tasks.desktop.osworld import BUNDLED, load_folder
from palaestra.tasks.desktop.osworld.oracles import ORACLES

OFFICE = {
    t.spec.id: t
    for t in load_folder(BUNDLED)
    if any(a in ("libreoffice_calc", "libreoffice_writer") for a in t.spec.related_apps)
}


@pytest.fixture(scope="module")
def env() -> Iterator[DesktopEnv]:
    shared = DesktopEnv(OFFICE["calc-line-totals"])
    yield shared
    shared.close()


def test_the_office_tasks_are_calc_and_writer_ones() -> None:
    assert sorted(OFFICE) == ["calc-line-totals", "calc-rename-sheet", "writer-move-meeting"]


@pytest.mark.parametrize("task_id", sorted(OFFICE))
def test_waiting_fails_and_the_oracle_solves_it(env: DesktopEnv, task_id: str) -> None:
    env.task = OFFICE[task_id]
    obs, _info = env.reset(seed=0)
    assert obs["focused_window"].endswith(("LibreOffice Calc", "LibreOffice Writer")), obs["focused_window"]
    obs, reward, terminated, _truncated, info = env.step("wait(0.2)")
    assert reward == 0.0 and not terminated and not info["success"], info["task_info"]
    (obs, reward, _, _, info), errors = play_oracle(env, ORACLES[task_id], obs)
    assert errors == []
    assert reward == 1.0 and info["success"], (info["task_info"], obs["axtree"][-3000:])
    if task_id == "calc-line-totals":  # saved by OSWorld's own postconfig: Ctrl+S, Enter keeps xlsx
        assert [step["do"] for step in info["task_info"]["final_steps"]] == [
            "window",
            "sleep",
            "run",
            "sleep",
        ]
