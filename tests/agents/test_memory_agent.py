"""The offline memory agent end to end: oracle demonstrations recorded into a real FAISS memory
with real MiniLM embeddings, then replayed on unseen seeds in Chromium."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from palaestra.agents import TaskInfo
from palaestra.agents.exemplars import MemoryExemplars, build_from_oracles
from palaestra.agents.grounding import Alignment
from palaestra.agents.memory_agent import MemoryAgent, MemoryAgentConfig
from palaestra.envs import BrowserEnv
from palaestra.memory import ExemplarMemory, SentenceTransformerEmbedder

TASKS = ("click-button", "enter-text", "click-checkboxes", "login-user")


@pytest.fixture(scope="module")
def memory_dir(tmp_path_factory: pytest.TempPathFactory, minilm: SentenceTransformerEmbedder) -> Path:
    path = tmp_path_factory.mktemp("memory") / "miniwob"
    memory = build_from_oracles(path, list(TASKS), [0, 1, 2], embedder=minilm)
    assert len(memory) == 3 * len(TASKS)
    return path


def play(env: BrowserEnv, agent: MemoryAgent, seed: int) -> bool:
    obs, _ = env.reset(seed=seed)
    agent.reset(TaskInfo(goal=obs["goal"], action_set=env.action_set))
    for _ in range(10):
        step = agent.act(obs)
        obs, _, terminated, truncated, info = env.step(step.action)
        if terminated or truncated:
            return bool(info["success"])
        if step.extra.get("exhausted"):
            return False
    return False


@pytest.mark.parametrize("task", TASKS)
def test_replays_demonstrations_on_unseen_seeds(
    task: str, memory_dir: Path, minilm: SentenceTransformerEmbedder, make_env: Callable[..., BrowserEnv]
) -> None:
    agent = MemoryAgent(MemoryAgentConfig(), source=MemoryExemplars(ExemplarMemory.open(memory_dir, minilm)))
    env = make_env(f"miniwob.{task}")
    wins = [play(env, agent, seed) for seed in range(100, 105)]
    assert agent.exemplar is not None and agent.exemplar.family == task  # retrieval found the family
    assert sum(wins) >= 4, wins


def test_without_exemplars_it_does_nothing_harmful(make_env: Callable[..., BrowserEnv]) -> None:
    class Empty:
        def search(self, goal: str, k: int) -> list:  # type: ignore[type-arg]
            return []

    agent = MemoryAgent(MemoryAgentConfig(), source=Empty())
    assert not play(make_env("miniwob.click-test"), agent, 0)
    assert agent.history[-1].action == "noop(0)" and agent.history[-1].extra["exhausted"]


def test_goal_alignment_substitutes_arguments() -> None:
    alignment = Alignment.between('Enter "Kasey" and press Submit.', 'Enter "Lyle" and press Submit.')
    assert alignment.apply("fill('3', 'Kasey')") == "fill('3', 'Lyle')"
    dates = Alignment.between("Select 10/16/2016 as the date.", "Select 11/03/2016 as the date.")
    assert dates.apply("October 16") == "November 3"
    assert dates.apply("10/16/2016") == "11/03/2016"
