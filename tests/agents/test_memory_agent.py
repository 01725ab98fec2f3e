"""The offline memory agent end to end: oracle demonstrations recorded into a real FAISS memory
with real MiniLM embeddings, then replayed on unseen seeds in Chromium.

One memory holds every family below, siblings included (enter-text / enter-text-2 / enter-password,
choose-date-easy / enter-date, click-option / click-checkboxes), so each test also exercises the
retrieval: the agent must pick its task's own family without being told the task's name.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from palaestra.agents import TaskInfo
from palaestra.agents.demos import record_oracles
from palaestra.agents.grounding import Alignment
from palaestra.agents.memory_agent import MemoryAgent, MemoryAgentConfig
from palaestra.agents.retrieval import MemoryExemplars, vote
from palaestra.envs import BrowserEnv
from palaestra.memory import ExemplarMemory, SentenceTransformerEmbedder
from palaestra.runs.memory_cli import add_to_memory

TASKS = ("click-button", "enter-text", "click-checkboxes", "login-user")
#: Families whose goals read like another's: the goal's embedding alone confuses them.
SIBLINGS = ("enter-text-2", "enter-password", "choose-date-easy", "enter-date", "click-option", "click-link")
#: Each needs one of the ways an exemplar is carried over beyond plain substitution.
CARRIED = {
    "use-colorwheel-2": "the colour is read off the page's swatch, where the exemplar read its own",
    "enter-time": "9:37 PM was typed 21:37: the new time is typed in 24-hour form too",
    "social-media": "the button is found under the tweet of the user the goal names",
    "navigate-tree": "folders are opened until the named file shows, wherever it sits",
    "click-scroll-list": "the page's options say how the goal's list splits into items",
    "click-widget": "the goal names the element's kind: a button widget, where a checkbox was",
}
SEEDS = [0, 1, 2, 3, 4]


@pytest.fixture(scope="module")
def memory_dir(tmp_path_factory: pytest.TempPathFactory, minilm: SentenceTransformerEmbedder) -> Path:
    path = tmp_path_factory.mktemp("memory") / "miniwob"
    families = [*TASKS, *SIBLINGS, *CARRIED]
    memory, _ = add_to_memory(path, record_oracles(families, SEEDS), embedder=minilm)
    recorded = [memory.get(i).task for i in memory.ids()]
    assert set(recorded) == set(families) and len(recorded) >= len(SEEDS) * len(families) - 3
    return path


@pytest.fixture
def agent(memory_dir: Path, minilm: SentenceTransformerEmbedder) -> MemoryAgent:
    return MemoryAgent(MemoryAgentConfig(), source=MemoryExemplars(ExemplarMemory.open(memory_dir, minilm)))


def play(env: BrowserEnv, agent: MemoryAgent, seed: int, max_steps: int = 30) -> bool:
    obs, _ = env.reset(seed=seed)
    agent.reset(TaskInfo(goal=obs["goal"], action_set=env.action_set))
    for _ in range(max_steps):
        step = agent.act(obs)
        obs, _, terminated, truncated, info = env.step(step.action)
        if terminated or truncated:
            return bool(info["success"])
        if step.extra.get("exhausted"):
            return False
    return False


def play_seeds(env: BrowserEnv, agent: MemoryAgent, seeds: range) -> list[bool]:
    """Whether each episode was won; the environment is told the seeds to come, as the run's
    workers tell theirs, so that it prepares no page for a seed it will not play."""
    wins = []
    for number, seed in enumerate(seeds):
        env.expect_seeds(seeds[number + 1 :])
        wins.append(play(env, agent, seed))
    return wins


@pytest.mark.parametrize("task", TASKS + SIBLINGS)
def test_replays_demonstrations_on_unseen_seeds(
    task: str, agent: MemoryAgent, make_env: Callable[..., BrowserEnv]
) -> None:
    env = make_env(f"miniwob.{task}")
    wins = play_seeds(env, agent, range(100, 105))
    assert agent.exemplar is not None and agent.exemplar.family == task  # retrieval found the family
    assert sum(wins) >= 4, wins


@pytest.mark.parametrize("task", sorted(CARRIED))
def test_carries_the_exemplar_over_beyond_substitution(
    task: str, agent: MemoryAgent, make_env: Callable[..., BrowserEnv]
) -> None:
    env = make_env(f"miniwob.{task}")
    wins = play_seeds(env, agent, range(100, 105))
    assert sum(wins) >= 4, (CARRIED[task], wins)


def test_the_first_page_tells_apart_families_the_goal_does_not(
    agent: MemoryAgent, make_env: Callable[..., BrowserEnv]
) -> None:
    """Where the goal's embedding alone (the Synapse-style vote over the nearest goals) picks a
    sibling family, the agent, which also weighs the goal's template and the first page's make-up,
    picks the task's own. The task's name is never given to it."""
    confused = []
    for task in ("choose-date-easy", "click-option", "enter-text"):
        env = make_env(f"miniwob.{task}")
        for seed in range(100, 103):
            env.expect_seeds(range(seed + 1, 103))
            obs, _ = env.reset(seed=seed)
            agent.reset(TaskInfo(goal=obs["goal"], action_set=env.action_set))
            by_goal = vote(agent.source.search(obs["goal"], 10))
            confused += [task] if by_goal and by_goal[0][0].family != task else []
            agent.act(obs)
            assert agent.exemplar is not None and agent.exemplar.family == task, (task, seed)
    assert confused, "the goals alone were enough here: the test would not show what the page adds"


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


def test_warming_up_loads_the_embedding_model_before_any_episode(memory_dir: Path) -> None:
    agent = MemoryAgent(MemoryAgentConfig(memory=str(memory_dir)))
    embedder = agent.source.memory.embedder  # type: ignore[attr-defined]
    assert embedder._model is None  # opening a memory loads no model
    asyncio.run(agent.awarm())
    assert embedder._model is not None
