"""The bundled LibreOffice Impress tasks (in OSWorld's format) on a real Xvfb with the real office:
an episode that says done at once scores 0 (the deck as it was, saved by the postconfig where the
task has one, fails the judge), then the oracle's episode scores 1: impress-retitle saving through
the keep-format dialog itself and judged by compare_pptx_files's defaults, impress-portrait saying
done and leaving the save to its OSWorld postconfig. One desktop session serves both: a
LibreOffice episode costs seconds."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from palaestra.envs.desktop import DesktopEnv
from palaestra.tasks.desktop.oracles import play_oracle
from palaestra.tasks.desktop.osworld import BUNDLED, load_folder
from palaestra.tasks.desktop.osworld.oracles import ORACLES

IMPRESS = {t.spec.id: t for t in load_folder(BUNDLED) if "libreoffice_impress" in t.spec.related_apps}


@pytest.fixture(scope="module")
def env() -> Iterator[DesktopEnv]:
    shared = DesktopEnv(IMPRESS["impress-retitle"])
    yield shared
    shared.close()


def test_the_impress_tasks() -> None:
    assert sorted(IMPRESS) == ["impress-portrait", "impress-retitle"]


@pytest.mark.parametrize("task_id", sorted(IMPRESS))
def test_waiting_fails_and_the_oracle_solves_it(env: DesktopEnv, task_id: str) -> None:
    env.task = IMPRESS[task_id]
    obs, _info = env.reset(seed=0)
    assert obs["focused_window"].endswith(".pptx - LibreOffice Impress"), obs["focused_window"]
    obs, reward, terminated, _truncated, info = env.step("done()")
    assert reward == 0.0 and terminated and not info["success"], info["task_info"]
    obs, _info = env.reset(seed=0)
    (obs, reward, _, _, info), errors = play_oracle(env, ORACLES[task_id], obs)
    assert errors == []
    assert reward == 1.0 and info["success"], (info["task_info"], obs["axtree"][-3000:])
    if task_id == "impress-portrait":  # saved by OSWorld's own postconfig: Ctrl+S, Enter keeps pptx
        assert [step["do"] for step in info["task_info"]["final_steps"]] == [
            "window",
            "sleep",
            "run",
            "sleep",
        ]
