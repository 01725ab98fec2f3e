"""A live replay takes the run's own ``--action-set`` and ``--max-steps`` (`ui/replay.py`), over real
HTTP with real Chromium: a run that wrote BrowserGym's ``web`` actions on MiniWoB++ (``scroll_at``,
which MiniWoB++'s own set lacks) is replayed without every action refused, and the live episode
ends at the run's step limit. A limit that counted the agent's answers is not applied, and said."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from ui_support import ServedUi

from palaestra.cli import main
from palaestra.server import ServerConfig
from palaestra.testing import ScriptedLLMServer, reply_text
from palaestra.ui import UiRoots

KEY = "generic|miniwob.click-test|0"
#: A coordinate action of the `web` set only: under MiniWoB++'s own set it is an unknown action.
ACTION = "scroll_at(10, 10, 0, 50)"


@pytest.fixture(scope="module")
def web_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    run = tmp_path_factory.mktemp("replay_settings") / "runs" / "web"
    with ScriptedLLMServer(lambda _: reply_text(f"```\n{ACTION}\n```")) as llm:
        assert main(["eval", "--agent", "generic", "--agent-arg", "model=scripted-model",
                     "--agent-arg", f"base_url={llm.base_url}", "--tasks", "click-test",
                     "--seeds", "0", "--workers", "1", "--action-set", "web", "--max-steps", "3",
                     "--episode-timeout", "90", "--out", str(run)]) == 0  # fmt: skip
    yield run


def replay(http: httpx.Client, run: Path, steps: int | None = None) -> dict:
    asked: dict = {"run": str(run), "key": KEY, **({"steps": steps} if steps is not None else {})}
    answer = http.post("api/live", json={"replay": asked})
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_a_replay_uses_the_runs_action_set_and_ends_at_its_step_limit(web_run: Path) -> None:
    with (
        ServedUi(UiRoots.of([web_run.parent], []), ServerConfig(max_sessions=2)) as ui,
        httpx.Client(base_url=ui.url, timeout=120) as http,
    ):
        state = replay(http, web_run)
        assert state["action_set"] == "web"
        assert [s["error"] for s in state["replay"]["steps"]] == ["", "", ""]  # none refused
        assert state["replay"]["first_difference"] is None
        assert (state["done"], state["truncated"], state["steps"]) == (True, True, 3)  # as the run's
        assert state["replay"]["settings"] == (
            "Replayed with the run's --action-set web; the live episode ends at step 3 as the run's "
            "did (--max-steps 3)."
        )
        http.post(f"api/live/{state['id']}/close", json={})

        state = replay(http, web_run, steps=1)  # taken over at step 1: two steps left, as the agent had
        for expected_done in (False, True):
            stepped = http.post(f"api/live/{state['id']}/step", json={"action": ACTION, "by": "person"})
            assert stepped.status_code == 200, stepped.text
            assert (stepped.json()["done"], stepped.json()["last_action_error"]) == (expected_done, "")


def test_a_step_limit_that_counted_answers_is_not_applied_and_said(web_run: Path, tmp_path: Path) -> None:
    copy = tmp_path / "runs" / "answers"
    shutil.copytree(web_run, copy)
    with sqlite3.connect(copy / "results.sqlite") as db:
        extra = json.loads(db.execute("SELECT extra FROM episodes WHERE key = ?", (KEY,)).fetchone()[0])
        extra["step_limit_counts"] = "answers"  # as an agent whose answers hold several actions
        db.execute("UPDATE episodes SET extra = ? WHERE key = ?", (json.dumps(extra), KEY))
    with (
        ServedUi(UiRoots.of([tmp_path / "runs"], []), ServerConfig(max_sessions=1)) as ui,
        httpx.Client(base_url=ui.url, timeout=120) as http,
    ):
        state = replay(http, copy)
    assert (state["action_set"], state["done"], state["steps"]) == ("web", False, 3)
    assert (
        "--max-steps 3 counted the agent's answers, not its actions, so the live episode has no step limit"
        in (state["replay"]["settings"])
    )
