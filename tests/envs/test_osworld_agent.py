"""OSWorldObservation on a real Xvfb and galculator, read and played by OSWorld's own PromptAgent
(desktop-env 1.0.2's ``mm_agents.agent``, in the venv ``scripts/setup`` makes for it), by hand and
as the registered agent `osworld-prompt` in `palaestra eval`, through the scripted
OpenAI-compatible server: the model sees only what the agent sends it."""

from __future__ import annotations

import asyncio
import io
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gymnasium as gym
import pytest
from PIL import Image

from palaestra.agents.foreign.osworld_agent import OSWorldPrompt, linearize
from palaestra.cli import main
from palaestra.envs.desktop import DesktopEnv, OSWorldObservation
from palaestra.envs.obs import ObsConfig
from palaestra.errors import ConfigError
from palaestra.runs.results import load_rows
from palaestra.server.config import ServerConfig
from palaestra.server.run import ServerThread
from palaestra.server.view_wire import view_from_json
from palaestra.testing import Reply, ScriptedLLMServer, ScriptRequest, reply_text
from palaestra.testing.script import content_text
from tests.server.view_agents import SEEN, seen_views

HEADER = "tag\tname\ttext\tclass\tdescription\tposition (top-left x&y)\tsize (w&h)"
#: A model OSWorld's PromptAgent does not send to an OpenAI-compatible server by itself.
QWEN = "Qwen/Qwen2.5-7B-Instruct"
ROW = re.compile(r"^([\w-]+)\t(.*?)\t(.*?)\t(.*?)\t(.*?)\t\((\d+), (\d+)\)\t\((\d+), (\d+)\)$", re.MULTILINE)


@pytest.fixture
def calc() -> Iterator[OSWorldObservation]:
    env = OSWorldObservation(gym.make("palaestra/desktop.calc-add"))
    yield env
    env.close()


def buttons(table: str) -> dict[str, tuple[int, int, int, int]]:
    """The table's buttons by name: their box (x, y, w, h) as OSWorld's linearized tree gives it."""
    return {
        row[1]: (int(row[5]), int(row[6]), int(row[7]), int(row[8]))
        for row in ROW.findall(table)
        if row[0].endswith("button") and row[1]
    }


def test_osworld_linearizes_our_tree_with_our_boxes(calc: OSWorldObservation) -> None:
    obs, _ = calc.reset(seed=3)
    assert calc.observation_space.contains(obs)
    assert obs["screenshot"].startswith(b"\x89PNG") and obs["terminal"] is None
    assert obs["instruction"].startswith("Use the calculator to compute")
    table = linearize(obs["accessibility_tree"])
    assert table.splitlines()[0] == HEADER
    assert calc.palaestra_obs is not None
    ours = {e["name"]: e for e in calc.palaestra_obs["elements"] if e["role"] == "toggle button"}
    listed = buttons(table)
    assert {"7", "+", "="} <= set(listed)
    assert all(listed[name] == tuple(ours[name]["bbox"]) for name in listed if name in ours)
    # Every enabled button is listed; OSWorld's filter leaves the disabled ones (MR, M+) out.
    enabled = {name for name, e in ours.items() if "enabled" in e["attributes"]["states"].split()}
    assert enabled <= set(listed) and "MR" in set(ours) - enabled - set(listed)


def model(request: ScriptRequest) -> Reply:
    """A model answering PromptAgent from its prompt alone: first code that does not parse and code
    that is no action, then an answer with no code, then the clicks on the buttons of the sum,
    found in the linearized tree."""
    if request.index == 0:
        return reply_text("```python\npyautogui.click(12,\n```\n```python\nimport os\nos.system('true')\n```")
    if request.index == 1:
        return reply_text("I will look at the calculator first.")
    task = re.search(r"compute (\d+) \+ (\d+)", content_text(request.messages[0]["content"]))
    assert task is not None
    found = buttons(request.last_user_text())
    clicks = []
    for key in f"{task[1]}+{task[2]}=":
        x, y, w, h = found[key]
        clicks.append(f"pyautogui.click({x + w // 2}, {y + h // 2})")
    return reply_text("```python\n" + "\ntime.sleep(0.5)\n".join(clicks) + "\n```")


def test_osworld_prompt_agent_solves_a_desktop_task(calc: OSWorldObservation) -> None:
    with ScriptedLLMServer(model) as server:
        env = {"PATH": os.environ["PATH"], "OPENAI_BASE_URL": server.url, "OPENAI_API_KEY": "scripted"}
        with OSWorldPrompt(env, model="gpt-4o", observation_type="a11y_tree") as agent:
            obs, _ = calc.reset(seed=5)
            played: list[dict[str, Any]] = []
            reward, terminated = 0.0, False
            for _ in range(3):
                _response, actions = agent.predict(obs["instruction"], obs)
                assert actions is not None
                played.append({"actions": actions})
                for action in actions:  # none: OSWorld's loop asks again, as here
                    obs, reward, terminated, _, _ = calc.step(action)
                    assert calc.palaestra_obs is not None
                    played[-1].setdefault("errors", []).append(calc.palaestra_obs["last_action_error"])
            prompts = [r.last_user_text() for r in server.chat_requests]
            assert {r.model for r in server.chat_requests} == {"gpt-4o"}  # OSWorld's own branch
    syntax, not_an_action = played[0]["errors"]  # errors in the observation, no crash
    assert "Cannot parse the script" in syntax and "not an action call" in not_an_action
    assert played[1] == {"actions": []}  # no code: no step
    assert played[2]["errors"] == [""] and terminated and reward == 1.0
    assert len(prompts) == 3 and all(HEADER in p for p in prompts)
    assert calc.palaestra_obs is not None
    seven = next(e for e in calc.palaestra_obs["elements"] if e["name"] == "7")
    x, y, w, h = seven["bbox"]
    assert f'toggle-button\t7\t""\t\t\t({x}, {y})\t({w}, {h})' in prompts[0]


def test_palaestra_eval_runs_osworlds_prompt_agent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each of an answer's actions is a step; an answer with no code is a step whose error says so.
    The model is no gpt one (OSWorld's agent would send it to DashScope's SDK): it is served
    behind the OpenAI-compatible URL, and every request names it exactly."""
    monkeypatch.chdir(tmp_path)
    with ScriptedLLMServer(model) as server:
        argv = ["eval", "--agent", "osworld-prompt", "--agent-arg", f"base_url={server.url}",
                "--agent-arg", f"model={QWEN}",
                "--suite", "desktop", "--tasks", "calc-add", "--seeds", "5", "--workers", "1",
                "--max-steps", "5", "--out", "run", "--no-screenshots"]  # fmt: skip
        assert main(argv) == 0
        assert [r.model for r in server.chat_requests] == [QWEN] * 3
    (row,) = load_rows(tmp_path / "run")
    assert row["status"] == "done" and row["success"], row
    lines = (tmp_path / "run" / row["artifacts"] / "trajectory.jsonl").read_text().splitlines()
    syntax, not_an_action, no_code, clicks = [s for s in map(json.loads, lines) if s["type"] == "step"]
    assert "Cannot parse the script" in syntax["error"] and "not an action call" in not_an_action["error"]
    assert no_code["action"] == "" and no_code["error"] and no_code["thoughts"].startswith("I will look")
    assert clicks["action"].startswith("pyautogui.click(") and not clicks["error"] and clicks["success"]
    # Tokens as the server's usage reported them, on the step that asked; none on a queued action
    assert syntax["tokens_in"] > 0 and syntax["tokens_out"] > 0 and not_an_action["tokens_in"] == 0
    assert row["tokens_in"] == syntax["tokens_in"] + no_code["tokens_in"] + clicks["tokens_in"] > 0


def test_osworld_prompt_agent_stops_at_its_token_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The run's ledger is charged with the tokens the agent's answers reported: past its budget,
    the next answer is not asked for."""
    monkeypatch.chdir(tmp_path)
    with ScriptedLLMServer(model) as server:
        argv = ["eval", "--agent", "osworld-prompt", "--agent-arg", f"base_url={server.url}",
                "--agent-arg", "budget_tokens=10", "--suite", "desktop", "--tasks", "calc-add",
                "--seeds", "5", "--workers", "1", "--max-steps", "5", "--out", "run",
                "--no-screenshots"]  # fmt: skip
        assert main(argv) == 0
        assert len(server.chat_requests) == 1  # the first answer's two actions played, then refused
    (row,) = load_rows(tmp_path / "run")
    assert row["error_kind"] == "budget_exceeded" and "budget" in row["error_message"], row


def test_palaestra_eval_runs_osworlds_prompt_agent_on_a_served_desktop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, calc: OSWorldObservation
) -> None:
    """With --env-server, the server's session makes OSWorld's dict (`osworld_observation`, as
    in-process runs do) and the agent is handed the one served: the same as the in-process one on
    the same seed, and what its model is shown."""
    monkeypatch.syspath_prepend(str(Path(__file__).parents[1] / "server"))  # workers import `view_agents`
    monkeypatch.setenv(SEEN, str(tmp_path / "seen.jsonl"))
    monkeypatch.chdir(tmp_path)
    with ServerThread(ServerConfig()) as env_server, ScriptedLLMServer(model) as llm:
        argv = ["eval", "--agent", "view_agents:RecordingOSWorldPrompt", "--agent-arg", f"base_url={llm.url}",
                "--suite", "desktop", "--tasks", "calc-add", "--seeds", "5", "--workers", "1",
                "--max-steps", "5", "--out", "run", "--no-screenshots",
                "--env-server", env_server.url]  # fmt: skip
        assert main(argv) == 0
        prompts = [r.last_user_text() for r in llm.chat_requests]
        assert env_server.context.sessions.opened >= 1
    (row,) = load_rows(tmp_path / "run")
    assert row["status"] == "done" and row["success"], row
    assert len(prompts) == 3
    first = view_from_json("osworld", seen_views(str(tmp_path / "seen.jsonl"))[0]["osworld"])
    assert set(first) == {"screenshot", "accessibility_tree", "terminal", "instruction"}
    assert first["instruction"].startswith("Use the calculator to compute") and first["terminal"] is None
    with Image.open(io.BytesIO(first["screenshot"])) as screen:  # the PNG bytes, decoded from the wire
        assert screen.format == "PNG" and screen.size[0] > 0
    here, _ = calc.reset(seed=5)
    assert first["instruction"] == here["instruction"]
    assert linearize(first["accessibility_tree"]) == linearize(here["accessibility_tree"])
    with Image.open(io.BytesIO(here["screenshot"])) as local_screen:
        assert screen.size == local_screen.size
    table = linearize(first["accessibility_tree"])
    seven = next(line for line in table.splitlines() if line.startswith("toggle-button\t7\t"))
    assert seven in prompts[0]  # the served tree is what the model was shown


def test_only_a_desktop_with_screenshot_and_tree_is_wrapped() -> None:
    with pytest.raises(ConfigError, match="ObsConfig\\(screenshot=True\\)"):
        OSWorldObservation(DesktopEnv("desktop.calc-add", obs_config=ObsConfig(screenshot=False)))
    no_tree = DesktopEnv("desktop.calc-add", obs_config=ObsConfig(axtree=False, elements=False))
    with pytest.raises(ConfigError, match="require_a11y_tree=False"):
        OSWorldObservation(no_tree)
    assert OSWorldObservation(no_tree, require_a11y_tree=False).require_a11y_tree is False


def test_terminal_holds_the_focused_terminals_text_in_the_async_face() -> None:
    env = OSWorldObservation(DesktopEnv("desktop.term-mkdir"), require_terminal=True)

    async def play() -> tuple[dict[str, Any], dict[str, Any]]:
        try:
            first, _ = await env.areset(seed=1)
            typed, *_ = await env.astep("pyautogui.typewrite('echo palaestra-$((6*7))\\n')")
            return first, typed
        finally:
            await env.aclose()

    first, typed = asyncio.run(play())
    assert env.observation_space.contains(typed)
    assert first["terminal"] is not None and "palaestra-42" not in first["terminal"]
    assert typed["terminal"] is not None and "palaestra-42" in typed["terminal"].splitlines()[-2]
    assert "<terminal " in str(typed["accessibility_tree"])


def three_moves(request: ScriptRequest) -> Reply:
    """A model whose every answer is three code blocks, each one action."""
    return reply_text("\n".join(f"```python\npyautogui.moveTo({x}, {x})\n```" for x in (10, 20, 30)))


def test_the_step_limit_counts_answers_as_osworlds_loop_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """By default --max-steps 2 is two answers, all six of their actions played, then the step
    limit, as OSWorld's ``max_steps`` means; counted as actions (``step_limit_counts=actions``),
    two actions of the first answer and the model asked once. Both counts are recorded and shown."""
    monkeypatch.chdir(tmp_path)
    rows = {}
    for counted in ("answers", "actions"):
        with ScriptedLLMServer(three_moves) as server:
            # Answers are the default; actions are asked for.
            chosen = ["--agent-arg", "step_limit_counts=actions"] if counted == "actions" else []
            argv = ["eval", "--agent", "osworld-prompt", "--agent-arg", f"base_url={server.url}", *chosen,
                    "--suite", "desktop", "--tasks", "calc-add", "--seeds", "5", "--workers", "1",
                    "--max-steps", "2", "--out", counted, "--no-screenshots"]  # fmt: skip
            assert main(argv) == 0
            asked = len(server.chat_requests)
        (rows[counted],) = load_rows(tmp_path / counted)
        rows[counted]["asked"] = asked
    answers, actions = rows["answers"], rows["actions"]
    assert answers["outcome"] == "step_limit" and answers["steps"] == 6 and answers["asked"] == 2, answers
    assert json.loads(answers["extra"])["answers"] == 2
    assert actions["outcome"] == "step_limit" and actions["steps"] == 2 and actions["asked"] == 1, actions
    assert json.loads(actions["extra"])["answers"] == 1
    lines = (tmp_path / "answers" / answers["artifacts"] / "trajectory.jsonl").read_text().splitlines()
    played = [s for s in map(json.loads, lines) if s["type"] == "step"]
    assert [s["action"] for s in played] == [f"pyautogui.moveTo({x}, {x})" for x in (10, 20, 30)] * 2
    capsys.readouterr()
    assert main(["show", "answers"]) == 0
    header, _, row = capsys.readouterr().out.splitlines()[:3]
    assert header.split()[-1] == "answers" and row.split()[-1] == "2.0"
