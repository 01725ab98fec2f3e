"""AgentLab's ``set_benchmark`` as its ``Study`` applies it, run by `palaestra eval --agent agentlab`:
on a MiniWoB++ run the prompt AgentLab sends the scripted model holds the page's HTML and MiniWoB's
action set; with ``set_benchmark=false`` it holds the preset's; presets and action sets that do not
fit are refused before the model is asked."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from palaestra.agents.foreign.agentlab_agent import AgentLabAgent, AgentLabConfig, agentlab_benchmark
from palaestra.cli import main
from palaestra.envs.actions.action_set import MINIWOB_ACTIONS, WEB_ACTIONS
from palaestra.errors import ConfigError
from palaestra.runs.results import load_rows
from palaestra.testing import Answer, ScriptedLLMServer, ScriptRequest, reply_text

AGENTLAB_PYTHON = Path(sys.prefix) / "share" / "palaestra" / "venv-browsergym" / "bin" / "python"
DRIVER = Path(__file__).resolve().parents[2] / "agents" / "foreign" / "agentlab_driver.py"
#: The heading AgentLab's prompt gives the page's HTML (``dynamic_prompting.HTML``).
HTML_HEADING = "HTML:"


def noop(_request: ScriptRequest) -> Answer:
    return reply_text("<think>\nI look at the page.\n</think>\n\n<action>\nnoop()\n</action>")


def eval_once(tmp_path: Path, llm: ScriptedLLMServer, *extra: str) -> dict[str, object]:
    argv = ["eval", "--agent", "agentlab", "--agent-arg", f"base_url={llm.base_url}", "--suite", "miniwob",
            "--tasks", "click-button", "--seeds", "1", "--workers", "1", "--max-steps", "1",
            "--no-screenshots", "--out", str(tmp_path / "run"), *extra]  # fmt: skip
    assert main(argv) == 0
    (row,) = load_rows(tmp_path / "run")
    return row


def test_set_benchmark_shows_miniwob_the_html_and_its_action_set(
    tmp_path: Path, make_llm_server: Callable[..., ScriptedLLMServer]
) -> None:
    llm = make_llm_server(noop)
    row = eval_once(tmp_path / "on", llm)
    assert row["status"] == "done", row
    (prompt,) = [r.last_user_text() for r in llm.chat_requests]
    assert HTML_HEADING in prompt and "<button" in prompt  # use_html, as set_benchmark sets for miniwob
    assert "mouse_click(" in prompt and "upload_file(" not in prompt  # BrowserGym's miniwob_all
    lines = (tmp_path / "on" / "run" / str(row["artifacts"]) / "trajectory.jsonl").read_text().splitlines()
    (step,) = [s for s in map(json.loads, lines) if s["type"] == "step"]
    assert step["action"] == "noop()" and not step["error"]
    sent = [m for m in step["messages"] if m["role"] == "user"]
    assert sent and HTML_HEADING in json.dumps(sent)  # the run records what the model was sent

    # Off, on the web action set: the preset's flags as they are (AXTree only, BrowserGym's bid set)
    off = make_llm_server(noop)
    row = eval_once(tmp_path / "off", off, "--agent-arg", "set_benchmark=false", "--action-set", "web")
    assert row["status"] == "done", row
    (plain,) = [r.last_user_text() for r in off.chat_requests]
    assert HTML_HEADING not in plain and "upload_file(" in plain and "mouse_click(" not in plain


def test_an_action_set_that_lacks_the_agents_actions_is_refused_before_the_model_is_asked(
    tmp_path: Path, make_llm_server: Callable[..., ScriptedLLMServer]
) -> None:
    llm = make_llm_server(noop)
    row = eval_once(tmp_path, llm, "--agent-arg", "set_benchmark=false")
    assert row["status"] == "error" and row["error_kind"] == "config_error", row
    message = str(row["error_message"])
    assert "upload_file" in message and "'miniwob'" in message and "--action-set web" in message
    assert not llm.chat_requests


def test_presets_whose_model_ignores_the_base_url_are_refused(
    make_llm_server: Callable[..., ScriptedLLMServer],
) -> None:
    llm = make_llm_server(noop)
    agent = AgentLabAgent(AgentLabConfig(flags="37_sonnet", base_url=llm.base_url))
    with pytest.raises(ConfigError, match=r"OpenRouterModelArgs.*Fix: a preset"):
        asyncio.run(agent.awarm())
    assert not llm.chat_requests


def test_the_benchmark_object_is_agentlabs_for_the_suite() -> None:
    assert agentlab_benchmark("miniwob", MINIWOB_ACTIONS) == {"name": "miniwob", "multi_tab": False}
    assert agentlab_benchmark("webarena-lite", WEB_ACTIONS) == {"name": "webarena_lite", "multi_tab": True}
    assert agentlab_benchmark("shop", WEB_ACTIONS) == {"name": "shop", "multi_tab": True}
    # What set_benchmark makes of a WebArena episode, in AgentLab's own venv
    script = (
        "import importlib.util, json, sys\n"
        f"spec = importlib.util.spec_from_file_location('driver', {str(DRIVER)!r})\n"
        "driver = importlib.util.module_from_spec(spec); spec.loader.exec_module(driver)\n"
        "driver.offline_defaults()\n"
        "benchmark, served = json.loads(sys.argv[1]), json.loads(sys.argv[2])\n"
        "args = driver.episode_args(driver.agent_args('4o_mini'), benchmark, served)\n"
        "f = args.flags\n"
        "print(json.dumps([f.obs.use_html, f.obs.use_tabs, list(f.action.action_set.subsets)]))\n"
    )
    benchmark = json.dumps(agentlab_benchmark("webarena", WEB_ACTIONS))
    served = json.dumps(sorted(WEB_ACTIONS.actions))
    done = subprocess.run(
        [str(AGENTLAB_PYTHON), "-c", script, benchmark, served],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.splitlines()[-1]) == [False, True, ["webarena"]]


def test_a_vision_preset_sends_the_screenshot_with_its_marks(
    tmp_path: Path, make_llm_server: Callable[..., ScriptedLLMServer]
) -> None:
    """AGENT_4o_MINI_VISION's screenshot and set-of-marks come from our BrowserGym observation."""
    llm = make_llm_server(noop)
    row = eval_once(tmp_path, llm, "--agent-arg", "flags=4o_mini_vision")
    assert row["status"] == "done", row
    (request,) = llm.chat_requests
    images = [
        part["image_url"]["url"]
        for message in request.messages
        if isinstance(message.get("content"), list)
        for part in message["content"]
        if part.get("type") == "image_url"
    ]
    assert len(images) == 1 and images[0].startswith("data:image/")
    pixels = Image.open(io.BytesIO(base64.b64decode(images[0].split(",", 1)[1])))
    assert pixels.size[0] > 100 and pixels.size[1] > 100
    assert "annotated with bounding boxes and corresponding bids" in json.dumps(request.messages)


def test_no_action_from_agentlab_ends_the_episode_as_browsergyms_loop_does(
    tmp_path: Path, make_llm_server: Callable[..., ScriptedLLMServer]
) -> None:
    """Answers AgentLab cannot parse, its retries spent: its None action ends the episode (a
    failure), the step that asked kept with its tokens."""
    llm = make_llm_server(reply_text("I am not sure what to do here."))
    row = eval_once(tmp_path, llm, "--max-steps", "3")
    assert row["status"] == "done" and row["outcome"] == "failure" and not row["success"], row
    asked = len(llm.chat_requests)
    assert asked > 1  # AgentLab asked again after each unparsable answer, then gave up
    lines = (tmp_path / "run" / str(row["artifacts"]) / "trajectory.jsonl").read_text().splitlines()
    (step,) = [s for s in map(json.loads, lines) if s["type"] == "step"]
    assert step["action"] == "" and step["error"] and step["tokens_in"] > 0
    assert row["steps"] == 1
