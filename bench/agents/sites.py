"""Agents on the site suites: the state abstraction on the sites' pages, and the offline memory agent
with demonstrations of other instantiations of each template (part of ``bench.speed.sites --agents``).

For every template with two or more tasks, the oracle plays all but the first; those episodes are
written into an exemplar memory (family: the template) and, step by step, measured like
``bench.agents.abstraction`` (tokens of the abstracted state against the full AXTree text, whether the
oracle's target is kept, whether an answer the oracle read off the page is in the state). The memory
agent then plays each template's first task, which no demonstration shows: the same template, another
product, order, customer, topic, ticket or article. Every figure is given per suite and overall; the
memory agent's episodes (its actions, errors and final answer) go into the report for reading.

    python -m bench.agents.sites [--suites code,wiki] [--json out.json]
"""

from __future__ import annotations

import argparse
import re
import shutil
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import emit, log

OUT = Path(".cache/bench/sites")


def split_by_template(suites: Iterable[str]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(demonstrated, held out) lists of (task name, template key)."""
    from palaestra.tasks.webarena import suite_configs

    by_template: dict[str, list[str]] = defaultdict(list)
    for suite in suites:
        for name, config in suite_configs(suite).items():
            by_template[config.extra["template"]].append(f"{suite}.{name}")
    demos, held = [], []
    for key, tasks in by_template.items():
        if len(tasks) >= 2:
            held.append((tasks[0], key))
            demos += [(t, key) for t in tasks[1:]]
    return demos, held


def answer_text(action: str) -> str:
    """The answer an information-seeking oracle sends ("" for other actions and for "Done.")."""
    match = re.fullmatch(r"send_msg_to_user\((['\"])(.*)\1\)", action.strip(), re.S)
    answer = match.group(2) if match else ""
    return "" if answer in ("Done.", "") or answer.startswith("N/A") else answer


@dataclass
class PageCounts:
    """The abstraction's counts over one suite's (or every suite's) oracle steps."""

    demonstrations: int = 0
    of: int = 0
    pages: int = 0
    ax_tokens: int = 0
    state_tokens: int = 0
    steps_with_target: int = 0
    kept: int = 0
    answers: int = 0
    answers_in_state: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, other: PageCounts) -> None:
        for name, value in vars(other).items():
            if name != "misses":
                setattr(self, name, getattr(self, name) + value)
        self.misses += other.misses[: max(0, 12 - len(self.misses))]

    def summary(self) -> dict[str, Any]:
        return {
            "demonstrations": self.demonstrations, "of": self.of, "steps_with_target": self.steps_with_target,
            "token_ratio": round(self.state_tokens / max(1, self.ax_tokens), 3),
            "target_kept": round(self.kept / max(1, self.steps_with_target), 4),
            "axtree_tokens_per_page": round(self.ax_tokens / max(1, self.pages)),
            "answers": self.answers,
            "answer_in_state": round(self.answers_in_state / max(1, self.answers), 3), "misses": self.misses,
        }  # fmt: skip


def record(demos: list[tuple[str, str]], memory_dir: Path) -> dict[str, Any]:
    """Oracle episodes into a memory, with the abstraction measured at every step."""
    from bench.agents.abstraction import target_ids
    from palaestra.agents.abstraction import AbstractionConfig, abstract_state
    from palaestra.agents.demos import Demonstration, record_step
    from palaestra.agents.llm import MiniLMTokenCounter
    from palaestra.envs import BrowserEnv, ObsConfig
    from palaestra.memory import ExemplarMemory, SentenceTransformerEmbedder
    from palaestra.tasks.webarena import site_oracle

    config, counter = AbstractionConfig(), MiniLMTokenCounter()
    memory = ExemplarMemory.create(memory_dir, embedder=SentenceTransformerEmbedder(num_threads=1))
    by_suite: dict[str, PageCounts] = defaultdict(PageCounts)
    for task, key in demos:
        log(f"demonstration {task}")
        counts = by_suite[task.split(".")[0]]
        counts.of += 1
        env = BrowserEnv(task, obs_config=ObsConfig(screenshot=False), pages_ahead=0)
        try:
            obs, _ = env.reset(seed=0)
            demo = Demonstration(goal=obs["goal"])
            plan = site_oracle(task)(obs)
            try:
                action = next(plan)
                while len(demo.steps) < 40:
                    state = abstract_state(obs, config, counter.count)
                    counts.pages += 1
                    counts.ax_tokens += counter.count(obs["axtree"])
                    counts.state_tokens += counter.count(state.text)
                    targets = target_ids(obs, action)
                    if answer := answer_text(action):  # is what the oracle read off the page in the state?
                        counts.answers += 1
                        counts.answers_in_state += answer.lower() in state.text.lower()
                    if targets:
                        counts.steps_with_target += 1
                        if all(state.represents(t) for t in targets):
                            counts.kept += 1
                        elif len(counts.misses) < 12:
                            counts.misses.append(f"{task}: {action.splitlines()[0]!r}")
                    demo.steps.append(record_step(obs, action))
                    obs, reward, terminated, truncated, info = env.step(action)
                    demo.reward, demo.success = float(reward), bool(info.get("success"))
                    if terminated or truncated:
                        break
                    action = plan.send(obs)
            except StopIteration:
                pass
        finally:
            env.close()
        if demo.success:
            memory.add([demo.to_exemplar(task.split(".")[0], key, "oracle")])
            counts.demonstrations += 1
    memory.save()
    memory.close()
    total = PageCounts()
    for counts in by_suite.values():
        total.add(counts)
    return total.summary() | {"by_suite": {s: c.summary() for s, c in by_suite.items()}}


def play_held_out(task: str, key: str, source: Any) -> dict[str, Any]:
    """One episode of the memory agent on a held-out task: its outcome and its trace."""
    from palaestra.agents import TaskInfo
    from palaestra.agents.memory_agent import MemoryAgent, MemoryAgentConfig
    from palaestra.envs import BrowserEnv, ObsConfig

    agent = MemoryAgent(MemoryAgentConfig(), source=source)
    env = BrowserEnv(task, obs_config=ObsConfig(screenshot=False), pages_ahead=0)
    success, steps, end, verdict = False, [], "steps", None
    try:
        obs, _ = env.reset(seed=0)
        agent.reset(TaskInfo(goal=obs["goal"], action_set=env.action_set))
        goal = obs["goal"]
        for _ in range(30):
            step = agent.act(obs)
            obs, _, terminated, truncated, info = env.step(step.action)
            steps.append({"action": step.action, "error": obs.get("last_action_error") or "",
                          "url": obs.get("url", "")})  # fmt: skip
            if terminated or truncated:
                success, end = bool(info["success"]), "terminated" if terminated else "truncated"
                verdict = info.get("task_info")  # the evaluator's details, for reading the failures
                break
            if step.extra.get("exhausted"):
                end = "exemplar exhausted"
                break
    finally:
        env.close()
    exemplar = agent.exemplar
    return {
        "task": task, "template": key, "success": success, "end": end, "goal": goal,
        "exemplar_goal": exemplar.goal if exemplar else None,
        "own_template": exemplar is not None and exemplar.family == key, "steps": steps,
        "verdict": verdict,
    }  # fmt: skip


def evaluate(held: list[tuple[str, str]], memory_dir: Path) -> dict[str, Any]:
    from palaestra.agents.retrieval import MemoryExemplars
    from palaestra.memory import ExemplarMemory, SentenceTransformerEmbedder

    source = MemoryExemplars(ExemplarMemory.open(memory_dir, SentenceTransformerEmbedder(num_threads=1)))
    episodes = []
    for task, key in held:
        log(f"memory agent on {task}")
        episodes.append(play_held_out(task, key, source))
    by_suite: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for episode in episodes:
        by_suite[episode["task"].split(".")[0]].append(episode)

    def summary(group: list[dict[str, Any]]) -> dict[str, Any]:
        return {"held_out_tasks": len(group),
                "success": round(sum(e["success"] for e in group) / max(1, len(group)), 3),
                "retrieved_own_template": sum(e["own_template"] for e in group),
                "failed": [e["task"] for e in group if not e["success"]]}  # fmt: skip

    return summary(episodes) | {
        "by_suite": {s: summary(g) for s, g in by_suite.items()},
        "episodes": episodes,
    }


def run_agents(suites: Iterable[str] | None = None) -> dict[str, Any]:
    from palaestra.tasks.webarena import SITE_SUITES

    demos, held = split_by_template(suites or SITE_SUITES)
    memory_dir = OUT / "memory"
    shutil.rmtree(memory_dir, ignore_errors=True)
    memory_dir.parent.mkdir(parents=True, exist_ok=True)
    abstraction = record(demos, memory_dir)
    return {"abstraction": abstraction, "memory_agent": evaluate(held, memory_dir)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suites", default="", help="comma-separated site suites (default: all)")
    parser.add_argument("--json", default="")
    args = parser.parse_args(argv)
    import palaestra  # noqa: F401

    report = run_agents([s for s in args.suites.split(",") if s] or None)
    return emit(report, Path(args.json) if args.json else None)


if __name__ == "__main__":
    raise SystemExit(main())
