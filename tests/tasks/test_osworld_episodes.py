"""The bundled OSWorld-format tasks on a real Xvfb with real apps: each is solved by its oracle and
failed by an agent that does nothing and says it is done. One desktop session serves them all."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import gymnasium as gym
import pytest

from palaestra.envs.desktop import DesktopEnv
from palaestra.tasks.desktop.oracles import play_oracle
from palaestra.tasks.desktop.osworld import BUNDLED, OSWorldTask, load_folder
from palaestra.tasks.desktop.osworld.oracles import ORACLES

TASKS = {t.spec.id: t for t in load_folder(BUNDLED)}
#: Apps whose tasks are played in a test file of their own, one episode each (they cost seconds):
#: the LibreOffice tasks in test_osworld_office_episodes, the others in test_osworld_<app>_episodes.
OWN_TEST_FILE = ("chrome", "gimp", "pdf", "thunderbird", "vlc", "vscode")
PLAYED_HERE = sorted(
    k
    for k, t in TASKS.items()
    if not any(a.startswith("libreoffice") or a in OWN_TEST_FILE for a in t.spec.related_apps)
)


@pytest.fixture(scope="module")
def env() -> Iterator[DesktopEnv]:
    shared = DesktopEnv(TASKS["multiply"])
    yield shared
    shared.close()


def play(env: DesktopEnv, task: OSWorldTask, seed: int) -> None:
    """Start ``task`` on the shared session (the environment plays one task; tests swap it)."""
    env.task = task
    env.reset(seed=seed)


@pytest.mark.parametrize("task_id", PLAYED_HERE)
def test_the_oracle_solves_it_and_doing_nothing_fails_it(env: DesktopEnv, task_id: str) -> None:
    task = TASKS[task_id]
    play(env, task, 0)
    obs, reward, terminated, _truncated, info = env.step("wait(0.2)")
    assert reward == 0.0 and not terminated and not info["success"]
    obs, reward, terminated, _truncated, info = env.step("done()")
    assert terminated and reward == 0.0 and not info["success"], info["task_info"]

    play(env, task, 1)
    obs = env._last_obs
    assert obs is not None and obs["goal"] == task.spec.instruction
    (_, reward, _, _, info), errors = play_oracle(env, ORACLES[task_id], obs, max_steps=10)
    assert errors == []
    assert reward == 1.0 and info["success"], info["task_info"]


def test_gym_make_builds_the_suite_task_and_the_setup_command_ran(env: DesktopEnv) -> None:
    made = gym.make("palaestra/osworld-json.append-todo")
    try:
        assert (
            isinstance(made.unwrapped, DesktopEnv) and made.unwrapped.task.name == "osworld-json.append-todo"
        )
    finally:
        made.close()
    env.task = TASKS["append-todo"]
    _obs, info = env.reset(seed=0)
    assert env._home is not None
    (ran,) = info["setup_commands"]  # the setup's shell line, with /home/user mapped onto HOME
    assert (
        ran["returncode"] == 0
        and ran["argv"][2] == f"printf 'buy bread\\ncall the plumber\\n' > {env._home}/todo.txt"
    )
    assert (Path(env._home) / "todo.txt").read_text() == "buy bread\ncall the plumber\n"


def test_palaestra_eval_plays_the_suite_with_its_oracles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from palaestra.cli import main
    from palaestra.runs.results import load_rows

    monkeypatch.chdir(tmp_path)
    argv = [
        "eval",
        "--agent",
        "oracle",
        "--suite",
        "osworld-json",
        "--tasks",
        "multiply",
        "--tasks",
        "retouch-*",
        "--tasks",
        "edit-memo",
    ]
    assert main([*argv, "--workers", "1", "--out", "run", "--no-screenshots"]) == 0
    rows = load_rows(tmp_path / "run")
    assert sorted((r["task"], r["seed"]) for r in rows) == [
        ("osworld-json.edit-memo", 0),  # judged at its end, after its postconfig saved the file
        ("osworld-json.multiply", 0),
        ("osworld-json.retouch-photo", 0),
    ]
    assert all(r["status"] == "done" and r["success"] for r in rows), rows
