"""The Synapse agent end to end: the real openai SDK over real HTTP to the scripted server, on
real MiniWoB++ pages in Chromium."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from palaestra.agents import TaskInfo
from palaestra.agents.llm import BudgetExceeded, ChatModel, LLMConfig, WhitespaceTokenCounter
from palaestra.agents.synapse import SynapseAgent, SynapseConfig, extract_actions, until_repeated
from palaestra.agents.synapse_prompt import turn_messages
from palaestra.envs import BrowserEnv
from palaestra.memory import Exemplar, Hit
from palaestra.testing import ScriptedLLMServer, ScriptRequest, reply_text, server_error
from palaestra.testing.script import Answer


class FixedExemplars:
    def __init__(self, exemplars: list[Exemplar]) -> None:
        self.exemplars = exemplars

    def search(self, goal: str, k: int) -> list[Hit]:
        return [(exemplar, 0.9) for exemplar in self.exemplars[:k]]


def click_named_button(request: ScriptRequest) -> Answer:
    """A model that reads the prompt: click the button the task names, in the current state."""
    prompt = next(m["content"] for m in request.messages if m["role"] == "user")
    current = prompt.rsplit("Now\n", 1)[1]
    name = re.search(r'Click on the "([^"]+)" button', current)
    assert name, current
    state = current.rsplit("State:\n", 1)[1]
    match = re.search(r"^\[(\w+)\] button " + re.escape(name.group(1)) + "$", state, re.MULTILINE)
    return reply_text(f"Action: click('{match.group(1)}')" if match else "noop()")


def make_agent(
    server: ScriptedLLMServer, source: FixedExemplars | None = None, **config: object
) -> SynapseAgent:
    llm = LLMConfig(
        model="scripted-model",
        base_url=server.base_url,
        api_key="test",
        backoff_base=0.01,
        backoff_max=0.05,
        budget_tokens=config.pop("budget_tokens", None),
    )  # type: ignore[arg-type]
    return SynapseAgent(
        SynapseConfig(**config),
        model=ChatModel(llm),  # type: ignore[arg-type]
        source=source or FixedExemplars([]),
        counter=WhitespaceTokenCounter(),
    )


def play(env: BrowserEnv, agent: SynapseAgent, seed: int, max_steps: int = 3) -> tuple[bool, list[str]]:
    obs, _ = env.reset(seed=seed)
    agent.reset(TaskInfo(goal=obs["goal"], action_set=env.action_set))
    actions = []
    for _ in range(max_steps):
        step = agent.act(obs)
        actions.append(step.action)
        obs, _, terminated, truncated, info = env.step(step.action)
        if terminated or truncated:
            return bool(info["success"]), actions
    return False, actions


def test_succeeds_when_the_model_answers_well(
    make_env: Callable[..., BrowserEnv], make_llm_server: Callable[..., ScriptedLLMServer]
) -> None:
    server = make_llm_server(click_named_button)
    env = make_env("miniwob.click-button")
    agent = make_agent(server)
    for seed in (0, 1, 2):
        success, _ = play(env, agent, seed)
        assert success
    step = agent.history[-1]
    assert step.tokens_in > 0 and step.tokens_out > 0 and step.raw_response.startswith("Action:")
    assert step.messages[0]["role"] == "system" and "click(id" in step.messages[0]["content"]
    assert len(server.chat_requests) == 3


def test_exemplars_are_whole_trajectories_in_the_prompt(
    make_env: Callable[..., BrowserEnv], make_llm_server: Callable[..., ScriptedLLMServer]
) -> None:
    server = make_llm_server(click_named_button)
    exemplar = Exemplar(
        goal='Click on the "Okay" button.',
        task="click-button",
        trajectory=[{"state": "[9] button Okay", "action": "click('9')"}],
        id="okay-1",
    )
    agent = make_agent(server, FixedExemplars([exemplar]))
    success, _ = play(make_env("miniwob.click-button"), agent, 4)
    assert success
    # the step says which exemplars it was shown, by goal and by id (to look one up in the memory)
    assert agent.history[0].extra["exemplar_ids"] == ["okay-1"]
    assert agent.history[0].extra["exemplars"] == ['Click on the "Okay" button.']
    prompt = server.chat_requests[0].last_user_text()
    assert prompt.startswith(
        'Example 1\nTask: Click on the "Okay" button.\nState:\n[9] button Okay\nAction: click'
    )


def test_turns_prompt_chat_models_as_synapses_code_does(
    make_env: Callable[..., BrowserEnv], make_llm_server: Callable[..., ScriptedLLMServer]
) -> None:
    """`prompt_style=turns`: Synapse's own chat layout, each exemplar task a user turn, each state a
    user turn ending in `Action:`, each action an assistant turn in a code fence; the answer in a
    fence is read as Synapse read it."""

    def fenced(request: ScriptRequest) -> Answer:
        goal = next(m["content"] for m in reversed(request.messages) if m["content"].startswith("Task:"))
        name = re.search(r'Click on the "([^"]+)" button', goal)
        state = request.messages[-1]["content"]
        found = (
            re.search(r"^\[(\w+)\] button " + re.escape(name.group(1)) + "$", state, re.M) if name else None
        )
        return reply_text(f"```\nclick('{found.group(1)}')\n```" if found else "noop()")

    server = make_llm_server(fenced)
    exemplar = Exemplar(
        goal='Click on the "Okay" button.',
        task="click-button",
        trajectory=[{"state": "[9] button Okay", "action": "click('9')"}],
    )
    agent = make_agent(server, FixedExemplars([exemplar]), prompt_style="turns")
    success, _ = play(make_env("miniwob.click-button"), agent, 4)
    assert success
    messages = server.chat_requests[0].messages
    assert [m["role"] for m in messages] == ["system", "user", "user", "assistant", "user", "user"]
    assert "at each step the observation (" in messages[0]["content"]
    assert [m["content"] for m in messages[1:4]] == [
        'Task: Click on the "Okay" button.\nTrajectory:',
        "Observation:\n[9] button Okay\nAction:",
        "```\nclick('9')\n```",
    ]
    assert (
        messages[4]["content"].startswith("Task: Click on the")
        and messages[4]["content"] != messages[1]["content"]
    )
    assert messages[5]["content"].startswith("Observation:\n[") and messages[5]["content"].endswith(
        "\nAction:"
    )
    # a past step of the current episode is a pair of turns as well
    past = turn_messages([], "Do it.", [("[1] button A", "click('1')")], "[2] button B")
    assert [m["content"] for m in past] == [
        "Task: Do it.\nTrajectory:", "Observation:\n[1] button A\nAction:", "```\nclick('1')\n```",
        "Observation:\n[2] button B\nAction:",
    ]  # fmt: skip


def test_reasks_when_the_answer_is_not_an_action(
    make_env: Callable[..., BrowserEnv], make_llm_server: Callable[..., ScriptedLLMServer]
) -> None:
    calls = {"n": 0}

    def garbled_then_good(request: ScriptRequest) -> Answer:
        calls["n"] += 1
        return reply_text("I think I should click it!") if calls["n"] == 1 else click_named_button(request)

    server = make_llm_server(garbled_then_good)
    agent = make_agent(server)
    success, _ = play(make_env("miniwob.click-button"), agent, 1)
    assert success
    assert len(server.chat_requests) == 2
    assert "not a valid action" in server.chat_requests[1].last_user_text()
    assert agent.history[0].extra["parse_errors"]


#: Answers that once crashed the action parser (RecursionError, UnicodeEncodeError, MemoryError):
#: each is re-asked like any other answer that is not an action.
HOSTILE_ANSWERS = [
    "click(" + "-" * 9000 + "1)",
    "fill('1', '\ud800')",
    "+".join(["1"] * 4000),
    "click(" + "lambda:" * 1400 + "1)",
]


def test_answers_that_crash_parsers_are_reasked(
    make_env: Callable[..., BrowserEnv], make_llm_server: Callable[..., ScriptedLLMServer]
) -> None:
    calls = {"n": 0}

    def hostile_then_good(request: ScriptRequest) -> Answer:
        calls["n"] += 1
        if calls["n"] <= len(HOSTILE_ANSWERS):
            return reply_text(HOSTILE_ANSWERS[calls["n"] - 1])
        return click_named_button(request)

    server = make_llm_server(hostile_then_good)
    agent = make_agent(server, max_reasks=len(HOSTILE_ANSWERS))
    success, _ = play(make_env("miniwob.click-button"), agent, 1)
    assert success
    assert len(agent.history[0].extra["parse_errors"]) == len(HOSTILE_ANSWERS)
    assert all("not a valid action" in r.last_user_text() for r in server.chat_requests[1:])


def test_gives_up_cleanly_when_answers_never_parse(
    make_env: Callable[..., BrowserEnv], make_llm_server: Callable[..., ScriptedLLMServer]
) -> None:
    server = make_llm_server(lambda request: reply_text("no idea"))
    agent = make_agent(server, max_reasks=1)
    env = make_env("miniwob.click-button")
    success, actions = play(env, agent, 0, max_steps=2)
    assert not success and actions == ["noop(0)", "noop(0)"]
    assert len(server.chat_requests) == 4  # one ask and one re-ask per step


def test_server_errors_are_retried(
    make_env: Callable[..., BrowserEnv], make_llm_server: Callable[..., ScriptedLLMServer]
) -> None:
    calls = {"n": 0}

    def flaky(request: ScriptRequest) -> Answer:
        calls["n"] += 1
        return server_error(503) if calls["n"] <= 2 else click_named_button(request)

    server = make_llm_server(flaky)
    success, _ = play(make_env("miniwob.click-button"), make_agent(server), 2)
    assert success and calls["n"] == 3


def test_retries_are_agent_arguments_and_do_not_pin_the_run(
    make_llm_server: Callable[..., ScriptedLLMServer],
) -> None:
    """The `model_unavailable` message says to raise `max_retries` / `backoff_max`: they are
    arguments of the agent, and changing them resumes a run rather than starting another."""
    from palaestra.agents.llm import LLMUnavailableError
    from palaestra.agents.registry import make_agent as build
    from palaestra.envs.actions import MINIWOB_ACTIONS
    from palaestra.runs.spec import AgentEntry

    server = make_llm_server(server_error(503))
    args = {"model": "scripted-model", "base_url": server.base_url, "api_key": "k", "backoff_max": "0.01"}
    agent = build("synapse", {**args, "max_retries": "1", "timeout": "5"})
    assert isinstance(agent, SynapseAgent)
    agent.reset(TaskInfo(goal="Click the button.", action_set=MINIWOB_ACTIONS))
    with pytest.raises(LLMUnavailableError):
        agent.act({"axtree": "", "elements": [], "goal": "Click the button."})
    assert len(server.chat_requests) == 2  # one ask, one retry
    pinned = AgentEntry("synapse", (("model", "m"),)).config_hash
    assert (
        AgentEntry("synapse", (("model", "m"), ("max_retries", "9"), ("timeout", "5"))).config_hash == pinned
    )


def test_budget_stops_the_agent_with_a_typed_error(
    make_env: Callable[..., BrowserEnv], make_llm_server: Callable[..., ScriptedLLMServer]
) -> None:
    server = make_llm_server(lambda request: reply_text("noop()"))
    agent = make_agent(server, budget_tokens=50)
    env = make_env("miniwob.click-button")
    obs, _ = env.reset(seed=0)
    agent.reset(TaskInfo(goal=obs["goal"], action_set=env.action_set))
    agent.act(obs)  # the first call spends more than the budget
    sent = len(server.chat_requests)
    with pytest.raises(BudgetExceeded):
        agent.act(obs)
    assert len(server.chat_requests) == sent


def test_context_budget_drops_exemplars_before_the_current_state(
    make_llm_server: Callable[..., ScriptedLLMServer],
) -> None:
    from palaestra.envs.actions import MINIWOB_ACTIONS

    server = make_llm_server(lambda request: reply_text("noop()"))
    big = Exemplar(goal="Long example", task="x", trajectory=[{"state": "word " * 3000, "action": "noop()"}])
    small = Exemplar(goal="Short example", task="x", trajectory=[{"state": "[1] button", "action": "noop()"}])
    agent = make_agent(server, FixedExemplars([big, small]), context_window=2000, max_tokens=100)
    agent.reset(TaskInfo(goal="Click the button.", action_set=MINIWOB_ACTIONS))
    agent.choose_exemplars({"elements": []})
    assert [e.goal for e in agent.exemplars] == ["Long example", "Short example"]
    messages = agent.build_messages("[4] button Go")
    user = messages[1]["content"]
    assert "Long example" not in user and "Short example" in user and "[4] button Go" in user


def test_extract_actions() -> None:
    assert extract_actions("Action: click('3')\nState:\n[4] x") == "click('3')"
    assert extract_actions("```\nfill('2', 'a')\nclick('3')\n```") == "fill('2', 'a')\nclick('3')"
    # a model that goes on writing the next state stops at its first element line
    assert extract_actions(" click('18')\n[19] button next\nAction: click('20')") == "click('18')"
    assert extract_actions("I would click it") == "I would click it"  # left for the parser to refuse
    assert until_repeated("click('3')\nclick('4')\nclick('3')\nclick('5')") == "click('3')\nclick('4')"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"prompt_style": "completions"}, "prompt_style must be one of `auto`, `chat`, `completion`"),
        ({"exemplars": "-1"}, "exemplars must be 0 or more, got -1"),
        ({"retrieve": "2"}, "retrieve=2 fetches fewer candidates than exemplars=3"),
        ({"max_tokens": "0"}, "max_tokens must be 1 or more"),
        ({"context_window": "512"}, "context_window=512 leaves no room for a prompt"),
        ({"give_up_factor": "-1"}, "give_up_factor must be 0 or more"),
    ],
)
def test_bad_arguments_are_refused_before_any_episode(
    make_llm_server: Callable[..., ScriptedLLMServer], args: dict[str, str], message: str
) -> None:
    """What `palaestra eval` checks before its first episode: an argument that would fail every
    episode (an unknown prompt style) or quietly change the method (exemplars=-1 dropped the
    closest exemplar) is refused, naming it."""
    from palaestra.agents.registry import check_agent
    from palaestra.config import ConfigError

    endpoint = {"model": "scripted-model", "base_url": make_llm_server().base_url}
    with pytest.raises(ConfigError, match=re.escape(message)):
        check_agent("synapse", {**endpoint, **args})
    check_agent("synapse", {**endpoint, "exemplars": "0"})  # zero-shot is fine


def test_an_endpoint_that_refuses_connections_is_refused_before_any_episode(
    make_llm_server: Callable[..., ScriptedLLMServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A model server not started yet: said at once, with the fix, instead of every episode spending
    its retries (about 30 s each) before erroring as `model_unavailable`."""
    from palaestra.agents.registry import check_agent
    from palaestra.config import ConfigError

    server = make_llm_server()
    url = server.base_url
    server.stop()  # its port now refuses connections
    with pytest.raises(
        ConfigError, match=re.escape(f"nothing answers at the model endpoint {url}")
    ) as caught:
        check_agent("synapse", {"model": "scripted-model", "base_url": url})
    assert "from base_url" in str(caught.value) and "palaestra llm serve" in str(caught.value)
    monkeypatch.setenv("PALAESTRA_LLM_BASE_URL", url)
    monkeypatch.setenv("PALAESTRA_LLM_MODEL", "scripted-model")
    with pytest.raises(ConfigError, match="from PALAESTRA_LLM_BASE_URL"):
        check_agent("synapse", {})
    live = make_llm_server()
    monkeypatch.setenv("PALAESTRA_LLM_BASE_URL", live.base_url)
    check_agent("synapse", {})


@pytest.mark.parametrize(
    ("key", "meaning"),
    [
        ("memory_path", "Synapse's `--memory_path` is `memory=DIR` here"),
        ("no_memory", "Leave `memory` unset for a zero-shot agent"),
        ("no_filter", "the state is always abstracted"),
        ("memroy", "Did you mean: `memory`?"),  # a typo still gets the closest name
    ],
)
def test_synapses_own_argument_names_are_translated(key: str, meaning: str) -> None:
    """A researcher types the arguments of Synapse's `run_miniwob.py`: `no_memory` was answered
    "Did you mean: `memory`?", the opposite of what it asks for."""
    from palaestra.agents.registry import check_agent
    from palaestra.config import ConfigError

    with pytest.raises(ConfigError, match=re.escape(meaning)) as caught:
        check_agent("synapse", {key: "x"})
    assert "Known keys: model, base_url" in str(caught.value)
    if key == "no_memory":
        assert "Did you mean" not in str(caught.value)
