"""The embedded model for real: Gemma 3 270M on llama.cpp, through the real ``openai`` SDK over HTTP
to ``palaestra llm serve``'s server, and in-process. Greedy decoding makes the answers exact.

Each test asks for a few tokens (a second or two each); the scripted-server tests stay for faults.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import subprocess
import sys
from collections.abc import Callable, Iterator

import openai
import pytest

from palaestra.agents import TaskInfo
from palaestra.agents.demos import record_episode
from palaestra.agents.llm import LLMConfigError
from palaestra.agents.llm.embedded import EmbeddedModel, LlamaRuntime, shared_runtime
from palaestra.agents.llm.embedded.server import ENV_TOKEN, EmbeddedServer, ServerThread, check_binding
from palaestra.agents.synapse import SynapseAgent, SynapseConfig
from palaestra.envs import BrowserEnv
from palaestra.memory import Exemplar, Hit
from palaestra.server.run import free_port
from palaestra.tasks.miniwob.oracles import ORACLES

PROMPT = """Example 1
Task: Enter "Agustina" into the text field and press Submit.
State:
[17] textbox ""
[18] button "Submit"
Action: fill('17', 'Agustina')
click('18')

Example 2
Task: Enter "Lyle" into the text field and press Submit.
State:
[21] textbox ""
[22] button "Submit"
Action:"""
STOPS = ["\nState:", "\nTask:", "\nExample", "\n\n"]
CLICK_TOOL = {
    "type": "function",
    "function": {
        "name": "click",
        "description": "Click an element by its id.",
        "parameters": {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]},
    },
}


class FixedSource:
    def __init__(self, exemplars: list[Exemplar]) -> None:
        self.exemplars = exemplars

    def search(self, goal: str, k: int) -> list[Hit]:
        return [(exemplar, 0.9) for exemplar in self.exemplars[:k]]


@pytest.fixture(scope="module")
def runtime() -> LlamaRuntime:
    return shared_runtime()


@pytest.fixture(scope="module")
def server(runtime: LlamaRuntime) -> Iterator[ServerThread]:
    with ServerThread(EmbeddedServer(runtime, token="s3cret")) as thread:
        yield thread


@pytest.fixture
def client(server: ServerThread) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=server.base_url, api_key="s3cret", max_retries=0, timeout=120) as sdk:
        yield sdk


def test_completion_continues_a_synapse_trajectory(client: openai.OpenAI) -> None:
    answer = client.completions.create(
        model="gemma-3-270m", prompt=PROMPT, max_tokens=24, temperature=0, stop=STOPS
    )
    assert answer.choices[0].text == " fill('21', 'Lyle')\nclick('22')"
    assert answer.choices[0].finish_reason == "stop" and answer.model == "gemma-3-270m"
    assert answer.usage is not None and answer.usage.prompt_tokens > 60 and answer.usage.completion_tokens > 5


def test_streamed_chat_equals_the_whole_answer(client: openai.OpenAI) -> None:
    messages = [{"role": "user", "content": "Name a colour of the sky."}]
    whole = client.chat.completions.create(model="m", messages=messages, max_tokens=6, temperature=0)
    chunks = list(
        client.chat.completions.create(
            model="m", messages=messages, max_tokens=6, temperature=0, stream=True,
            stream_options={"include_usage": True},
        )
    )  # fmt: skip
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert whole.choices[0].message.content and streamed.strip() == whole.choices[0].message.content
    assert (
        chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == whole.usage.completion_tokens
    )  # type: ignore[union-attr]


def test_a_required_tool_call_is_valid_json_for_its_schema(client: openai.OpenAI) -> None:
    answer = client.chat.completions.create(
        model="m", max_tokens=24, temperature=0, tools=[CLICK_TOOL], tool_choice="required",  # type: ignore[list-item]
        messages=[{"role": "user", "content": "State:\n[4] button OK\nClick the OK button."}],
    )  # fmt: skip
    [call] = answer.choices[0].message.tool_calls or []
    assert call.type == "function" and call.function.name == "click"  # type: ignore[union-attr]
    assert isinstance(json.loads(call.function.arguments)["id"], str)  # type: ignore[union-attr]
    assert answer.choices[0].finish_reason == "tool_calls"


def test_embeddings_are_unit_vectors_and_deterministic(client: openai.OpenAI) -> None:
    data = client.embeddings.create(model="m", input=["click the button", "click the button", "a cat"]).data
    first, again, other = (d.embedding for d in data)
    assert len(first) == 640 and math.isclose(math.fsum(x * x for x in first), 1.0, rel_tol=1e-3)
    assert first == again and first != other


def test_requests_need_the_token_and_bad_ones_say_why(server: ServerThread) -> None:
    with (
        openai.OpenAI(base_url=server.base_url, api_key="wrong", max_retries=0) as sdk,
        pytest.raises(openai.AuthenticationError, match="bearer token"),
    ):
        sdk.models.list()
    with openai.OpenAI(base_url=server.base_url, api_key="s3cret", max_retries=0) as sdk:
        [model] = sdk.models.list().data
        assert model.id == "gemma-3-270m" and "completion" in model.capabilities  # type: ignore[attr-defined]
        with pytest.raises(openai.BadRequestError, match="max_tokens"):
            sdk.completions.create(model="m", prompt="x", max_tokens=0)
    with pytest.raises(LLMConfigError, match="without a token"):
        check_binding("0.0.0.0", None)
    check_binding("0.0.0.0", "t")  # a token makes any address acceptable


def test_a_web_page_cannot_run_the_token_less_model(runtime: LlamaRuntime) -> None:
    """A page of any site may post `text/plain` to 127.0.0.1 without asking the server first: with no
    token, each such post ran the model (seconds of CPU each, a page can send them in a loop)."""
    import httpx

    body = json.dumps({"model": "m", "prompt": "Hello", "max_tokens": 2})
    with ServerThread(EmbeddedServer(runtime)) as local, httpx.Client(timeout=120) as http:
        form = http.post(
            f"{local.base_url}/completions", content=body, headers={"content-type": "text/plain"}
        )
        assert form.status_code == 415 and "application/json" in form.json()["error"]["message"]
        sent = http.post(
            f"{local.base_url}/completions", content=body, headers={"content-type": "application/json"}
        )
        assert sent.status_code == 200 and sent.json()["usage"]["completion_tokens"] >= 1


@pytest.mark.parametrize("token", ["", " ", " s3cret"])
def test_llm_serve_refuses_a_blank_token_as_palaestra_serve_does(token: str) -> None:
    """`--token ' '` once served on loopback with a token no client could send (and `--token ""`
    quietly served with none); `palaestra serve` refuses both, with the same words."""
    env = {k: v for k, v in os.environ.items() if k != ENV_TOKEN}
    command = [sys.executable, "-m", "palaestra.cli", "llm", "serve", "--port", str(free_port())]
    command += ["--token", token]
    proc = subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env)
    try:
        _, err = proc.communicate(timeout=120)  # serving instead of refusing would hang here
        assert proc.returncode == 2 and "token is empty" in err and "--token" in err
    finally:
        proc.kill()
        proc.wait(30)


def test_in_process_model_counts_usage(runtime: LlamaRuntime) -> None:
    model = EmbeddedModel(runtime, max_tokens=24)
    answer = asyncio.run(model.complete_text(PROMPT, stop=STOPS))
    assert answer.text == " fill('21', 'Lyle')\nclick('22')"
    assert model.usage.calls == 1 and model.usage.input_tokens == answer.input_tokens > 60


def test_synapse_solves_a_page_with_the_embedded_model(
    make_env: Callable[..., BrowserEnv], runtime: LlamaRuntime
) -> None:
    """Completion-style Synapse on real MiniWoB++ pages: the oracle's episode on seed 0 is the
    exemplar, and the model plays seed 1 (another name to type)."""
    env = make_env("miniwob.enter-text")
    demo = record_episode(env, ORACLES["enter-text"], seed=0)
    exemplar = Exemplar(goal=demo.goal, suite="miniwob", task="enter-text", trajectory=demo.steps)
    agent = SynapseAgent(
        SynapseConfig(max_tokens=32), model=EmbeddedModel(runtime), source=FixedSource([exemplar])
    )
    assert agent.style == "completion" and agent.refs and agent.constrained  # by reference, under a grammar
    obs, _ = env.reset(seed=1)
    agent.reset(TaskInfo(goal=obs["goal"], action_set=env.action_set))
    step = agent.act(obs)
    obs, _, terminated, _, info = env.step(step.action)
    assert terminated and info["success"], (step.raw_response, obs["last_action_error"])
    assert "[textbox" in step.raw_response and "[button Submit]" in step.raw_response
    assert step.tokens_in > 100 and step.messages[0]["content"].startswith("You control a web browser")
