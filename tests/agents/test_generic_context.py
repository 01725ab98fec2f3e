"""The generic agent against a model's context window and its response cache, on real MiniWoB++
pages in Chromium, over real HTTP to the scripted server.

Before: a prompt the model refused as too long ended the episode as a `model_request` error at the
first refusal (the agent never tried a shorter prompt), and an answer from the response cache was
recorded with the tokens of the call it was first bought with, so a rerun from the cache reported
the same spending as the paid run while the budget saw none.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from palaestra.agents import TaskInfo
from palaestra.agents.generic import GenericAgent, GenericConfig
from palaestra.agents.llm import ChatModel, LLMConfig, WhitespaceTokenCounter
from palaestra.cli import main
from palaestra.envs import BrowserEnv
from palaestra.runs.results import load_rows
from palaestra.testing import ScriptedLLMServer, ScriptRequest, context_length_exceeded, reply_text
from palaestra.testing.script import Answer, content_text
from palaestra.testing.wire import prompt_tokens

from .scripted_models import SmallWindow

TASK = "miniwob.social-media-all"  # one of the longest MiniWoB++ pages (58 lines)


def user_text(request: ScriptRequest) -> str:
    content = next(m["content"] for m in request.messages if m["role"] == "user")
    return content if isinstance(content, str) else content[0]["text"]


def click_nothing(_request: ScriptRequest) -> Answer:
    """Clicks an element that does not exist."""
    return reply_text("None of these.\n```\nclick('9999')\n```")


def test_a_prompt_past_the_window_is_sent_again_shorter_keeping_goal_and_last_error(
    make_env: Callable[..., BrowserEnv], make_llm_server: Callable[..., ScriptedLLMServer]
) -> None:
    model = SmallWindow(click_nothing)
    server = make_llm_server(model)
    env = make_env(TASK)
    llm = LLMConfig(model="scripted-model", base_url=server.base_url, api_key="k", max_retries=0)
    agent = GenericAgent(GenericConfig(obs_tokens=0), model=ChatModel(llm), counter=WhitespaceTokenCounter())
    obs, _ = env.reset(seed=0)
    agent.reset(TaskInfo(goal=obs["goal"], action_set=env.action_set))
    steps = []
    for _ in range(2):
        step = agent.act(obs)  # type: ignore[arg-type]
        steps.append(step)
        obs, *_ = env.step(step.action)
    assert all(s.action == "click('9999')" for s in steps)
    # Refused once, then sent shorter; the next step starts shorter (it is not refused first).
    assert [s.extra.get("context_shrinks") for s in steps] == [1, None]
    sizes = [prompt_tokens(r) for r in server.chat_requests]
    assert len(sizes) == 3 and sizes[0] > model.window and max(sizes[1:]) <= model.window
    last = user_text(server.chat_requests[-1])
    assert f"# Goal\n{obs['goal']}" in last  # the model still knows what to do,
    assert "lines below cut: the observation is limited to" in last  # that the page was cut,
    assert "1. click('9999')\n   error: " in last and "9999" in obs["last_action_error"]  # and what failed
    assert steps[1].messages[1]["content"] == server.chat_requests[-1].messages[1]["content"]  # as sent


def test_a_prompt_that_never_fits_ends_the_episode_as_context_length_with_the_fix(
    tmp_path: Path, make_llm_server: Callable[..., ScriptedLLMServer]
) -> None:
    server = make_llm_server(lambda request: context_length_exceeded(16, prompt_tokens(request)))
    run = tmp_path / "run"
    argv = ["eval", "--agent", "generic", "--agent-arg", "model=scripted-model", "--agent-arg",
            f"base_url={server.base_url}", "--tasks", "click-button", "--seeds", "0", "--workers", "1",
            "--max-steps", "2", "--out", str(run)]  # fmt: skip
    main(argv)
    (row,) = load_rows(run)
    assert row["error_kind"] == "context_length", row["error_message"]
    assert "context window" in row["error_message"] and "obs_tokens" in row["error_message"]
    sizes = [prompt_tokens(r) for r in server.chat_requests]
    assert len(sizes) == 4 and sizes == sorted(sizes, reverse=True) and sizes[-1] < sizes[0]


def test_answers_from_the_cache_are_marked_and_not_counted_as_spending(
    tmp_path: Path, make_llm_server: Callable[..., ScriptedLLMServer]
) -> None:
    server = make_llm_server(
        lambda request: reply_text("```\nclick('9999')\n```", prompt_tokens=1000, completion_tokens=100)
    )

    def run(out: Path) -> dict:
        argv = ["eval", "--agent", "generic", "--agent-arg", "model=scripted-model", "--agent-arg",
                f"base_url={server.base_url}", "--agent-arg", f"cache_dir={tmp_path / 'cache'}",
                "--agent-arg", "price_input_per_mtok=1", "--agent-arg", "price_output_per_mtok=2",
                "--tasks", "click-button", "--seeds", "0", "--workers", "1", "--max-steps", "2",
                "--out", str(out)]  # fmt: skip
        main(argv)
        (row,) = load_rows(out)
        return row

    paid = run(tmp_path / "paid")
    assert (paid["tokens_in"], paid["tokens_out"]) == (2000, 200) and paid["cost"] > 0
    again = run(tmp_path / "again")
    assert len(server.chat_requests) == 2  # the second run asked nothing
    assert (again["tokens_in"], again["tokens_out"], again["cost"]) == (0, 0, 0)
    steps = (tmp_path / "again").rglob("*.jsonl")
    assert any('"cached_calls": 1' in path.read_text(encoding="utf-8") for path in steps)


def bpe_like_tokens(request: ScriptRequest) -> int:
    """A chat model's count, as English BPE tokenizers come out: about four characters a token."""
    return sum((len(content_text(m.get("content"))) + 3) // 4 for m in request.messages)


def test_given_its_window_the_whole_prompt_is_fitted_before_anything_is_sent(
    make_env: Callable[..., BrowserEnv], make_llm_server: Callable[..., ScriptedLLMServer]
) -> None:
    """With `context_window`, no request goes out longer than the window minus `max_tokens`, though
    `obs_tokens` alone would have let the page through whole: the first prompt is not refused."""
    window, answer_room = 1000, 50
    refused: list[int] = []

    def small_window(request: ScriptRequest) -> Answer:
        size = bpe_like_tokens(request)
        if size > window:
            refused.append(size)
            return context_length_exceeded(window, size)
        return click_nothing(request)

    server = make_llm_server(small_window)
    env = make_env(TASK)
    llm = LLMConfig(model="scripted-model", base_url=server.base_url, api_key="k", max_retries=0)
    obs, _ = env.reset(seed=0)
    agents = [
        GenericAgent(
            GenericConfig(obs_tokens=0, context_window=size, max_tokens=answer_room),
            model=ChatModel(llm),
            counter=WhitespaceTokenCounter(),
        )
        for size in (0, window + answer_room)  # the window not known, and known
    ]
    for agent in agents:
        agent.reset(TaskInfo(goal=obs["goal"], action_set=env.action_set))
    whole = agents[0].build_messages(obs)
    assert sum((len(m["content"]) + 3) // 4 for m in whole) > window  # the page whole would not fit
    agent = agents[1]
    for _ in range(2):
        step = agent.act(obs)  # type: ignore[arg-type]
        assert step.action == "click('9999')" and "context_shrinks" not in step.extra
        obs, *_ = env.step(step.action)
    assert refused == [] and len(server.chat_requests) == 2
    sizes = [bpe_like_tokens(r) for r in server.chat_requests]
    assert window * 0.9 < max(sizes) <= window  # cut to fit, not to nothing
    last = user_text(server.chat_requests[-1])
    assert f"# Goal\n{obs['goal']}" in last and "lines below cut: the observation is limited to" in last
    assert "1. click('9999')\n   error: " in last  # the history and its error kept
