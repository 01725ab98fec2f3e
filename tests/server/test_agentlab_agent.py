"""AgentLab's own GenericAgent (agentlab 0.4.2, in the venv ``scripts/setup`` makes for BrowserGym
and AgentLab) solves a MiniWoB++ task served by our environment server, and as the registered
agent `agentlab` in `palaestra eval`, its model a scripted OpenAI-compatible server answering as
GPT-4 answers AgentLab's prompt."""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from palaestra.cli import main
from palaestra.envs import BrowserEnv
from palaestra.envs.browsergym_compat import BrowserGymObservation
from palaestra.runs.results import load_rows
from palaestra.server.run import ServerThread
from palaestra.server.view_wire import view_from_json
from palaestra.testing import Answer, ScriptedLLMServer, ScriptRequest, reply_text
from tests.server.browsergym_support import same_page_in_two_browsers
from tests.server.conftest import ENV_OPTIONS
from tests.server.view_agents import SEEN, seen_views

AGENTLAB_PYTHON = Path(sys.prefix) / "share" / "palaestra" / "venv-browsergym" / "bin" / "python"
DRIVER = Path(__file__).resolve().parents[2] / "testing" / "agentlab_driver.py"
#: A bid no page has: the model's mistake, which must come back as the next observation's error.
MISSING_BID = "zz404"
#: AgentLab's model for AGENT_4o_MINI: what its OpenAIModelArgs sends.
AGENT_4O_MINI_MODEL = "gpt-4o-mini-2024-07-18"


def answer_as_gpt4(request: ScriptRequest) -> Answer:
    """GPT-4's way with AgentLab's prompt: a ``<think>`` then one ``<action>``, the bids read from
    the AXTree the prompt shows. First a click on a bid that does not exist, then the task."""
    prompt = request.last_user_text()
    textbox = re.search(r"\[(\w+)\] textbox", prompt)
    submit = re.search(r"\[(\w+)\] button 'Submit'", prompt)
    word = re.search(r'Enter "([^"]+)" into', prompt)
    if request.index == 0:
        think, action = "The submit button is probably this one.", f"click('{MISSING_BID}')"
    elif request.index == 1 and textbox and word:
        think, action = "That bid did not exist. I type the word first.", f"fill('{textbox[1]}', '{word[1]}')"
    elif request.index == 2 and submit:
        think, action = "The word is in the field; now I submit.", f"click('{submit[1]}')"
    else:  # the prompt lacked what a model needs: a harmless action, and the test fails on reward
        think, action = "I cannot find the elements.", "noop()"
    return reply_text(f"<think>\n{think}\n</think>\n\n<action>\n{action}\n</action>")


def run_driver(server: ServerThread, llm: ScriptedLLMServer, task: str, seed: int) -> list[dict[str, Any]]:
    assert AGENTLAB_PYTHON.exists(), f"{AGENTLAB_PYTHON} is missing: run scripts/setup"
    env = {
        **os.environ,
        "OPENAI_BASE_URL": llm.base_url,
        "OPENAI_API_KEY": "key-for-the-scripted-server",
    }
    done = subprocess.run(
        [str(AGENTLAB_PYTHON), str(DRIVER), "--server", server.url, "--task", task, "--seed", str(seed),
         "--max-steps", "5"],
        capture_output=True, text=True, env=env, check=False, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-4000:]
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def test_agentlabs_generic_agent_solves_a_served_task(
    server: ServerThread, make_llm_server: Callable[..., ScriptedLLMServer]
) -> None:
    llm = make_llm_server(answer_as_gpt4)
    records = run_driver(server, llm, "miniwob.enter-text", seed=4)
    *steps, outcome = records
    assert outcome == {"done": True, "steps": 3, "reward": 1.0, "terminated": True, "truncated": False}
    assert not llm.script_errors

    prompts = [r.last_user_text() for r in llm.chat_requests]
    assert len(prompts) == 3  # one answer per step, none refused by AgentLab's parser
    assert all(r.model == AGENT_4O_MINI_MODEL for r in llm.chat_requests)
    textbox = re.search(r"\[(\w+)\] textbox", prompts[0])
    submit = re.search(r"\[(\w+)\] button 'Submit'", prompts[0])
    assert textbox and submit, prompts[0]
    assert "# Goal" in prompts[0] and re.search(r'Enter "[^"]+" into', prompts[0])

    wrong, fill, click = steps
    assert wrong["action"] == f"click('{MISSING_BID}')" and wrong["reward"] == 0.0
    error = wrong["came_back"]["last_action_error"]
    assert MISSING_BID in error and not wrong["terminated"]
    # ...the agent received it, showed it to the model, and went on
    assert fill["saw"]["last_action_error"] == error
    assert error in prompts[1] and error not in prompts[0]
    # The bids AgentLab printed from our objects are our element ids: the environment acted on them.
    assert fill["action"].startswith(f"fill('{textbox[1]}', ")
    assert fill["came_back"] == {"last_action_error": "", "focused": textbox[1]}
    assert f"[{textbox[1]}] textbox" in prompts[1]  # the page again, after the error
    assert click["action"] == f"click('{submit[1]}')"
    assert click["reward"] == 1.0 and click["success"] and click["terminated"]


#: The key the run is given: it must reach the model's server and no file of the run.
SECRET_KEY = "sk-palaestra-test-7f3a9c"


def test_palaestra_eval_runs_agentlab_resumably_without_recording_its_key(
    tmp_path: Path, make_llm_server: Callable[..., ScriptedLLMServer], monkeypatch: Any
) -> None:
    llm = make_llm_server(answer_as_gpt4)
    monkeypatch.chdir(tmp_path)
    argv = ["eval", "--agent", "agentlab", "--agent-arg", f"base_url={llm.base_url}",
            "--agent-arg", f"api_key={SECRET_KEY}", "--suite", "miniwob", "--tasks", "enter-text",
            "--seeds", "4", "--workers", "1", "--max-steps", "5", "--out", "run"]  # fmt: skip
    assert main(argv) == 0
    (row,) = load_rows(tmp_path / "run")
    assert row["status"] == "done" and row["success"], row
    assert len(llm.chat_requests) == 3 and not llm.script_errors
    assert all(r.headers.get("authorization") == f"Bearer {SECRET_KEY}" for r in llm.chat_requests)
    lines = (tmp_path / "run" / row["artifacts"] / "trajectory.jsonl").read_text().splitlines()
    wrong, fill, click = [s for s in map(json.loads, lines) if s["type"] == "step"]
    # AgentLab's action, its think and the model's answer are the step's; the bad bid is its error
    assert wrong["action"] == f"click('{MISSING_BID}')" and MISSING_BID in wrong["error"]
    assert wrong["thoughts"] == "The submit button is probably this one."
    assert "<action>" in wrong["raw_response"] and wrong["tokens_in"] > 0
    assert fill["action"].startswith("fill(") and not fill["error"] and click["success"]

    assert main(argv) == 0  # resumed: nothing left to run, the model is not asked again
    assert len(llm.chat_requests) == 3 and len(load_rows(tmp_path / "run")) == 1
    for path in (tmp_path / "run").rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            data = gzip.decompress(data) if path.suffix == ".gz" else data
            assert SECRET_KEY.encode() not in data, path


def test_palaestra_eval_runs_agentlab_on_a_served_environment(
    server: ServerThread,
    tmp_path: Path,
    make_llm_server: Callable[..., ScriptedLLMServer],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With --env-server, the server's session makes BrowserGym's dict and the run hands the agent
    the one served: the same dict, key by key, as the in-process converter makes on the same seed."""
    monkeypatch.syspath_prepend(str(Path(__file__).parent))  # `view_agents` resolves in the workers
    monkeypatch.setenv(SEEN, str(tmp_path / "seen.jsonl"))
    llm = make_llm_server(answer_as_gpt4)
    monkeypatch.chdir(tmp_path)
    argv = ["eval", "--agent", "view_agents:RecordingAgentLab", "--agent-arg", f"base_url={llm.base_url}",
            "--suite", "miniwob", "--tasks", "enter-text", "--seeds", "4", "--workers", "1",
            "--max-steps", "5", "--env-server", server.url, "--out", "run"]  # fmt: skip
    assert main(argv) == 0
    (row,) = load_rows(tmp_path / "run")
    assert row["status"] == "done" and row["success"], row
    assert len(llm.chat_requests) == 3 and not llm.script_errors
    assert server.context.sessions.opened >= 1 and server.context.sessions.sessions == {}
    # the reset's view, then one per step the episode went on after
    seen = seen_views(str(tmp_path / "seen.jsonl"))
    first, after_wrong, _ = [view_from_json("browsergym", v["browsergym"]) for v in seen]
    local = BrowserGymObservation(BrowserEnv("miniwob.enter-text", **ENV_OPTIONS))
    try:
        here, _ = local.reset(seed=4)
        same_page_in_two_browsers(first, here)
        wrong, *_ = local.step(f"click('{MISSING_BID}')")
        same_page_in_two_browsers(after_wrong, wrong)
    finally:
        local.close()
    assert MISSING_BID in after_wrong["last_action_error"]
    assert after_wrong["last_action_error"] in llm.chat_requests[1].last_user_text()
