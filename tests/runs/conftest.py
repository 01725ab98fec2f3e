"""Fixtures of the run tests: run directories built without a browser.

`make_run` writes a run the way a real one is written, through `RunStore.record(EpisodeOutcome)`,
with the artifacts the runner leaves (a small JPEG screenshot and an observation file per step,
`trajectory.jsonl`) and a reproducibility record, so the report and the comparison read
exactly what `palaestra eval` produces, in milliseconds.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from palaestra.runs.artifacts import episode_dir
from palaestra.runs.observations import observation_record, record_name, save_observation
from palaestra.runs.records import FAILURE, SUCCESS, EpisodeOutcome, StepRecord
from palaestra.runs.store import RunStore
from palaestra.runs.trajectory import TRAJECTORY_FILE
from palaestra.testing import ScriptedLLMServer
from palaestra.testing.script import ScriptRequest
from tests.runs.export_runs import click_the_button, run_oracle_and_generic, run_reasked_vision_agent

#: One episode per seed: True a success, False a failure, a string an error of that kind.
Outcome = bool | str
#: `"k/n"` (k successes, then n - k failures) or one outcome per seed.
Results = str | Sequence[Outcome]
MakeRun = Callable[..., Path]

SHOT_SIZE = (64, 40)


def _outcomes(spec: Results) -> list[Outcome]:
    if isinstance(spec, str):
        k, n = (int(part) for part in spec.split("/"))
        return [True] * k + [False] * (n - k)
    return list(spec)


def default_record(seeds: Sequence[int]) -> dict[str, Any]:
    return {
        "argv": ["palaestra", "eval", "--agent", "test", "--seeds", f"0-{max(seeds, default=0)}"],
        "config": {"settings": {"max_steps": 30}},  # as `palaestra eval` with its defaults records it
        "agents": [{"label": "test", "name": "test", "args": {}, "config_hash": "abc123", "model": ""}],
        "seeds": list(seeds),
        "packages": {"palaestra": "0.1.0", "playwright": "1.0"},
        "git": {"commit": "0123456789abcdef0123456789abcdef01234567", "dirty": True},
        "python": "3.11.7",
        "platform": "Linux-test",
        "browser": "Chromium 999.0 (test)",
    }


def build_run(
    run_dir: Path,
    results: Mapping[str | tuple[str, str], Results],
    *,
    agent: str = "agent",
    agent_names: Mapping[str, str] | None = None,
    goals: Mapping[str, str] | None = None,
    steps: int = 2,
    record: dict[str, Any] | None = None,
    config_hash: str | Mapping[str, str] = "abc123",
    extras: Mapping[str, dict[str, Any]] | None = None,
) -> Path:
    """Write a run to `run_dir` and return it.

    `results` maps `(agent label, task)` (or a task, played by `agent`) to `"k/n"` or a list of
    outcomes, one per seed. `agent_names` maps labels to registered names (default: the label, so a
    label "oracle" is the privileged oracle). `goals` maps tasks to goals. Every finished episode
    takes `steps` steps, an errored one a single step. `config_hash` is every agent's configuration
    hash, or maps labels to theirs. `extras` maps episode keys (`"label|task|seed"`) to
    their outcome's `extra` (WebArena's evaluator columns, for one).
    """
    names, goal_of = agent_names or {}, goals or {}
    n_seeds = max((len(_outcomes(spec)) for spec in results.values()), default=0)
    with RunStore(run_dir) as store:
        invocation = store.begin_invocation(record or default_record(range(n_seeds)))
        for key, spec in results.items():
            label, task = key if isinstance(key, tuple) else (agent, key)
            for seed, outcome in enumerate(_outcomes(spec)):
                goal = goal_of.get(task, f"Solve {task} (seed {seed}).")
                episode = _episode(run_dir, label, names.get(label, label), task, seed, outcome, goal, steps)
                episode.agent_hash = config_hash if isinstance(config_hash, str) else config_hash[label]
                episode.extra.update((extras or {}).get(episode.key, {}))
                store.record(episode, invocation)
        store.end_invocation(invocation, "complete")
    return run_dir


def _episode(
    run_dir: Path, label: str, name: str, task: str, seed: int, outcome: Outcome, goal: str, steps: int
) -> EpisodeOutcome:
    folder = episode_dir(run_dir, label, task, seed, fresh=True)
    out = EpisodeOutcome(
        key=f"{label}|{task}|{seed}", agent=label, agent_name=name, agent_hash="abc123", task=task,
        seed=seed, goal=goal, reset_s=0.25, artifacts=str(folder.relative_to(run_dir)), worker="w0",
        started=1_700_000_000.0 + seed, finished=1_700_000_003.0 + seed,
    )  # fmt: skip
    errored = isinstance(outcome, str)
    log = []
    for index in range(1 if errored else steps):
        last = index == steps - 1 and not errored
        color = (40 * index % 256, 160, 0 if outcome is True else 200)
        Image.new("RGB", SHOT_SIZE, color).save(folder / f"shot-{index:03d}.jpg", format="JPEG")
        (folder / f"obs-{index:03d}.txt").write_text(
            f"goal: {goal}\nurl: file:///{task}.html\n[{index}] button\n"
        )
        page = {"goal": goal, "url": f"file:///{task}.html", "axtree": f"[{index}] button", "elements": []}
        save_observation(observation_record(page), folder / record_name(f"obs-{index:03d}.txt"))
        out.steps.append(
            StepRecord(
                index=index, action=f"click('{10 + index}')", error="" if index else "no element 9",
                reward=1.0 if last and outcome is True else 0.0, env_s=0.5, agent_s=1.5, overhead_s=0.01,
                tokens_in=100, tokens_out=20, cost=0.001, screenshot=f"shot-{index:03d}.jpg",
                observation=f"obs-{index:03d}.txt",
            )
        )  # fmt: skip
        thoughts = f"thinking about step {index}"
        log.append(
            {"type": "step", "index": index, "action": out.steps[-1].action, "thoughts": thoughts,
             "extra": {}, "messages": [{"role": "user", "content": goal}], "raw_response": f"RAW-{index}",
             "observation": f"obs-{index:03d}.txt", "screenshot": f"shot-{index:03d}.jpg"}
        )  # fmt: skip
    header = {"type": "episode", "format": 1, "task": task, "seed": seed, "goal": goal, "source": "run"}
    (folder / TRAJECTORY_FILE).write_text("".join(json.dumps(line) + "\n" for line in [header, *log]))
    if errored:
        out.error_kind, out.error_message = str(outcome), f"{outcome}: the browser went away\nTraceback…"
    else:
        out.success, out.reward = outcome is True, 1.0 if outcome is True else 0.0
        out.outcome = SUCCESS if outcome is True else FAILURE
    out.elapsed_s = 3.0
    return out


@pytest.fixture
def make_run(tmp_path: Path) -> MakeRun:
    """`make_run(results, name="run", **options)`: a run in `tmp_path/name` (see `build_run`)."""

    def factory(results: Mapping[str | tuple[str, str], Results], name: str = "run", **options: Any) -> Path:
        return build_run(tmp_path / name, results, **options)

    return factory


def columns_extra(paper: float | None, corrected: float | None, verified: float | None) -> dict[str, Any]:
    return {"columns": {"paper": paper, "corrected": corrected, "verified": verified}}


#: A WebArena-style run: agent "a" on two official tasks (one errored episode, without columns),
#: agent "b" on one, and a MiniWoB task whose episodes carry no columns. Verified could not judge
#: `a|webarena.1|1` (None), so its mean for that row is over 2 episodes.
COLUMN_RESULTS: dict[Any, Results] = {
    ("a", "webarena.1"): [True, False, False],
    ("a", "webarena.2"): [True, "browser_crashed"],
    ("b", "webarena.1"): [True, False],
    ("b", "miniwob.click-test"): "1/1",
}
COLUMN_EXTRAS = {
    "a|webarena.1|0": columns_extra(1.0, 1.0, 1.0),
    "a|webarena.1|1": columns_extra(0.0, 1.0, None),
    "a|webarena.1|2": columns_extra(0.0, 0.0, 1.0),
    "a|webarena.2|0": columns_extra(1.0, 1.0, 0.0),
    "b|webarena.1|0": columns_extra(1.0, 0.0, 1.0),
    "b|webarena.1|1": columns_extra(0.0, 0.0, 0.0),
}


@pytest.fixture(scope="session")
def export_server() -> Iterator[ScriptedLLMServer]:
    """The scripted model of `export_run`'s generic agent (its requests are the run's alone)."""
    with ScriptedLLMServer(click_the_button) as running:
        yield running


@pytest.fixture(scope="session")
def export_run(tmp_path_factory: pytest.TempPathFactory, export_server: ScriptedLLMServer) -> Path:
    """The oracle and the generic agent, each on three tasks, seeds 0-1 (12 episodes), which the
    export tests of three modules read (see `export_runs`)."""
    return run_oracle_and_generic(tmp_path_factory.mktemp("export") / "run", export_server)


@pytest.fixture(scope="session")
def reasked_vision_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[ScriptRequest]]:
    """The generic agent with the screenshot, asked again once (`run_reasked_vision_agent`), and
    the requests its model got."""
    out = tmp_path_factory.mktemp("export-reasked") / "run"
    return out, run_reasked_vision_agent(out)
