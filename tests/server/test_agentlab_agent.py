"""AgentLab's own GenericAgent (agentlab 0.4.2, in the venv ``scripts/setup`` makes for BrowserGym
and AgentLab) solves a MiniWoB++ task served by our environment server, its model a scripted
OpenAI-compatible server answering as GPT-4 answers AgentLab's prompt."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from palaestra.server.run import ServerThread
from palaestra.testing import Answer, ScriptedLLMServer, ScriptRequest, reply_text

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
