"""`WebToolEnv`: a Palaestra episode acted on through tool calls, as TRL's GRPOTrainer calls them.

TRL probes the class for its tools (public functions other than ``reset`` and ``get_reward``),
turns each into a JSON schema with transformers' ``get_json_schema`` (which needs type hints and a
documented argument for every parameter), calls ``reset(**row)`` with the dataset row before a
rollout, the tools with the model's JSON arguments during it, and ``get_reward()`` after it. These
tests do the same by hand on MiniWoB++ pages in Chromium; `test_tool_env_grpo.py` lets TRL do it.
"""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
from pathlib import Path

import httpx
import numpy as np
import pytest

from palaestra.config import ConfigError
from palaestra.envs.tool_env import WebToolEnv
from palaestra.server.config import ServerConfig
from palaestra.server.run import ServerThread
from tests.envs.tool_schemas import trl_tools

TOOLS = {"click", "fill", "select_option", "press", "scroll", "send_message"}


def element_id(page: str, line: str) -> str:
    """The id the page's text gives the element whose line holds ``line`` (what a model reads)."""
    found = re.search(r"\[(\d+)\] " + re.escape(line), page)
    assert found, f"no element {line!r} in:\n{page}"
    return found.group(1)


def test_the_tools_are_what_trl_exposes_and_each_has_a_schema() -> None:
    tools = trl_tools(WebToolEnv)
    assert set(tools) == TOOLS
    for name, schema in tools.items():
        assert schema["name"] == name and schema["description"]
        params = schema["parameters"]
        arguments = set(inspect.signature(getattr(WebToolEnv, name)).parameters) - {"self"}
        assert set(params["required"]) == arguments
        assert all(p.get("description") for p in params["properties"].values()), schema


def test_a_tool_call_plays_the_episode_and_get_reward_scores_it() -> None:
    env = WebToolEnv()
    page = env.reset(task="miniwob.click-test", seed=3, prompt=[{"role": "user", "content": "x"}])
    assert "Goal: Click the button." in page and "click-test" not in page.lower()
    assert env.get_reward() == 0.0
    answer = env.click(element_id(page, "button 'Click Me!'"))
    assert answer == "The episode is over (reward 1): call no more tools."
    assert env.get_reward() == 1.0
    assert env.click("1") == answer  # nothing more is played, the reward is paid once
    assert env.get_reward() == 1.0


def test_a_bad_action_is_an_error_in_the_answer_and_the_episode_goes_on() -> None:
    env = WebToolEnv("miniwob.enter-text")
    page = env.reset(seed=1)
    answer = env.click("99999")
    assert answer.startswith("Error: No element with id '99999'") and "The page:\n" in answer
    assert env.get_reward() == 0.0
    wanted = re.search(r'Enter "([^"]+)"', page)
    assert wanted, page
    assert f"'{wanted.group(1)}'" in env.fill(element_id(page, "textbox"), wanted.group(1))
    assert env.click(element_id(page, "button 'Submit'")).startswith("The episode is over (reward 1)")


def test_the_step_limit_ends_the_episode_and_a_new_reset_starts_over() -> None:
    env = WebToolEnv("miniwob.click-test", max_steps=2)
    env.reset(seed=0)
    assert env.scroll(100).startswith("The page:")
    assert env.scroll(-100) == "The episode is over (reward 0): call no more tools."
    page = env.reset(seed=0)
    assert env.click(element_id(page, "button 'Click Me!'")).startswith("The episode is over (reward 1)")


def test_a_reset_without_a_task_names_the_fix() -> None:
    with pytest.raises(ConfigError, match="give the dataset a `task` column"):
        WebToolEnv().reset(seed=1)
    with pytest.raises(ConfigError, match="call reset"):
        WebToolEnv("miniwob.click-test").click("3")


def test_with_vision_every_answer_but_the_last_leads_with_the_screenshot() -> None:
    """As TRL's vision-language path takes a tool's answer: an image part, then the text part."""
    plain, marked = (
        WebToolEnv("miniwob.click-test", vision="screenshot"),
        WebToolEnv("miniwob.click-test", vision="som"),
    )
    first, with_marks = plain.reset(seed=5), marked.reset(seed=5)
    assert [p["type"] for p in first] == [p["type"] for p in with_marks] == ["image", "text"]
    assert isinstance(first, list) and isinstance(with_marks, list)
    shot, drawn = np.asarray(first[0]["image"]), np.asarray(with_marks[0]["image"])
    assert shot.shape == drawn.shape and shot.shape[2] == 3 and shot.std() > 0
    assert (shot != drawn).any()  # the marks are drawn over the same page
    button = element_id(first[1]["text"], "button 'Click Me!'")
    missed = marked.click("99999")
    assert isinstance(missed, list) and missed[1]["text"].startswith("Error: No element with id '99999'")
    assert marked.click(button) == "The episode is over (reward 1): call no more tools."
    with pytest.raises(ValueError, match="som"):
        WebToolEnv(vision="soms")


def test_arguments_of_the_wrong_type_are_an_error_the_model_reads_not_an_exception() -> None:
    """TRL passes the model's JSON as it is: a number may come as a string, or not be one at all."""
    env = WebToolEnv("miniwob.click-test")
    env.reset(seed=2)
    assert env.scroll("100").startswith("The page:")  # type: ignore[arg-type]
    answer = env.scroll("a lot")  # type: ignore[arg-type]
    assert answer.startswith("Error: scroll(): `pixels` must be a finite number, got 'a lot'"), answer
    assert "The page:\n" in answer
    assert env.fill("12", 5).startswith("Error: fill(): `text` must be a string")  # type: ignore[arg-type]


def test_a_refused_tool_call_is_told_in_the_tools_own_terms() -> None:
    """The error named the action string's signature (`Usage: select_option(id, options)`), which
    the policy never saw and cannot call; it names the tool's arguments and a call to copy."""
    env = WebToolEnv("miniwob.click-test")
    env.reset(seed=2)
    told = {
        "select_option(): `option` must be a string, got 3. "
        'Usage: select_option(element_id="12", option="Blue")': env.select_option("12", 3),  # type: ignore[arg-type]
        "click(): `element_id` must be an element id such as '12', got 12.5. "
        'Usage: click(element_id="12")': env.click(12.5),  # type: ignore[arg-type]
        "press(): `keys` must be a string, got ['a']. Usage: press(keys=\"Enter\")": env.press(["a"]),  # type: ignore[arg-type]
        "send_message(): `text` must be a string, got 7. "
        'Usage: send_message(text="The answer is 42.")': env.send_message(7),  # type: ignore[arg-type]
    }
    for expected, answer in told.items():
        assert isinstance(answer, str) and answer.startswith(f"Error: {expected}\n"), answer
    # the page's own refusal is not about the call's form; an id written as a number is that id
    assert env.click(99999).startswith("Error: No element with id '99999' on this page")  # type: ignore[arg-type]
    env._done = True
    assert env.scroll(None) == "The episode is over (reward 0): call no more tools."  # type: ignore[arg-type]


def test_a_trainer_that_exits_without_closing_leaves_no_session_open_on_the_server(tmp_path: Path) -> None:
    """TRL never closes its environment instances; a session left open would count against the
    server's limit until its idle timeout, refusing the next run's."""
    script = (
        "from palaestra.envs.tool_env import WebToolEnv\n"
        "env = WebToolEnv(server={url!r})\n"
        "env.reset(task='miniwob.click-test', seed=1)\n"
        "env.reset(task='miniwob.enter-text', seed=1)\n"
        "print(len(httpx.get({url!r} + '/sessions').json()['sessions']))\n"
    )
    with ServerThread(ServerConfig(env_options={"pages_ahead": 1})) as server:
        run = subprocess.run(
            [sys.executable, "-c", "import httpx\n" + script.format(url=server.url)],
            cwd=tmp_path, capture_output=True, text=True, timeout=300, check=True,
        )  # fmt: skip
        assert run.stdout.strip() == "1"  # the first task's session was closed at the switch
        assert httpx.get(f"{server.url}/sessions").json()["sessions"] == []


#: A trainer's process, reduced: a finalizer registered before Palaestra is imported (TRL's libraries
#: make some) runs after Palaestra's loop has stopped at exit, and with it the tool env's closing.
EXITING = """
import json, weakref
weakref.finalize(json, lambda: None)  # weakref's exit hook is registered before Palaestra's
from palaestra.envs.tool_env import WebToolEnv
env = WebToolEnv()
env.reset(task="miniwob.click-test", seed=1)
print("played")
"""


def test_a_process_holding_a_tool_env_exits_at_once() -> None:
    """The env is closed by a finalizer at exit; after the background loop stopped, that close waited
    for ever on it (the docs' GRPO example hung after printing its result)."""
    done = subprocess.run([sys.executable, "-c", EXITING], capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stdout) == (0, "played\n"), done.stderr
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr, done.stderr
