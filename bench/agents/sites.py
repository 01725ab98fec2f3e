"""Agents on the site suites: the state abstraction on the sites' pages, and the offline memory agent
with demonstrations of other instantiations of each template (part of ``bench.speed.sites --agents``).

For every template with two or more tasks, the oracle plays all but the first; those episodes are
written into an exemplar memory (family: the template) and, step by step, measured like
``bench.agents.abstraction`` (tokens of the abstracted state against the full AXTree text, and whether the
oracle's target is kept). The memory agent then plays each template's first task, which no
demonstration shows: the same template, another product, order, customer or topic.

    python -m bench.agents.sites [--json out.json]
"""

from __future__ import annotations

import argparse
import re
import shutil
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench.common import emit

OUT = Path(".cache/bench/sites")


def split_by_template() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(demonstrated, held out) lists of (task name, template key)."""
    from palaestra.tasks.webarena import SITE_SUITES, suite_configs

    by_template: dict[str, list[str]] = defaultdict(list)
    for suite in SITE_SUITES:
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
    ax_tokens = state_tokens = steps = kept = recorded = observed = answers = answers_shown = 0
    misses: list[str] = []
    for task, key in demos:
        env = BrowserEnv(task, obs_config=ObsConfig(screenshot=False), pages_ahead=0)
        try:
            obs, _ = env.reset(seed=0)
            demo = Demonstration(goal=obs["goal"])
            plan = site_oracle(task)(obs)
            try:
                action = next(plan)
                while len(demo.steps) < 40:
                    state = abstract_state(obs, config, counter.count)
                    observed += 1
                    ax_tokens += counter.count(obs["axtree"])
                    state_tokens += counter.count(state.text)
                    targets = target_ids(obs, action)
                    if answer := answer_text(action):  # is what the oracle read off the page in the state?
                        answers += 1
                        answers_shown += answer.lower() in state.text.lower()
                    if targets:
                        steps += 1
                        if all(state.represents(t) for t in targets):
                            kept += 1
                        elif len(misses) < 12:
                            misses.append(f"{task}: {action.splitlines()[0]!r}")
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
            recorded += 1
    memory.save()
    memory.close()
    return {
        "demonstrations": recorded, "of": len(demos), "steps_with_target": steps,
        "token_ratio": round(state_tokens / max(1, ax_tokens), 3),
        "target_kept": round(kept / max(1, steps), 4),
        "axtree_tokens_per_page": round(ax_tokens / max(1, observed)), "misses": misses,
        "answers": answers, "answer_in_state": round(answers_shown / max(1, answers), 3),
    }  # fmt: skip


def evaluate(held: list[tuple[str, str]], memory_dir: Path) -> dict[str, Any]:
    from palaestra.agents import TaskInfo
    from palaestra.agents.memory_agent import MemoryAgent, MemoryAgentConfig
    from palaestra.agents.retrieval import MemoryExemplars
    from palaestra.envs import BrowserEnv, ObsConfig
    from palaestra.memory import ExemplarMemory, SentenceTransformerEmbedder

    source = MemoryExemplars(ExemplarMemory.open(memory_dir, SentenceTransformerEmbedder(num_threads=1)))
    per_suite: dict[str, list[bool]] = defaultdict(list)
    own_family = 0
    failed = []
    for task, key in held:
        agent = MemoryAgent(MemoryAgentConfig(), source=source)
        env = BrowserEnv(task, obs_config=ObsConfig(screenshot=False), pages_ahead=0)
        success = False
        try:
            obs, _ = env.reset(seed=0)
            agent.reset(TaskInfo(goal=obs["goal"], action_set=env.action_set))
            for _ in range(30):
                step = agent.act(obs)
                obs, _, terminated, truncated, info = env.step(step.action)
                if terminated or truncated:
                    success = bool(info["success"])
                    break
                if step.extra.get("exhausted"):
                    break
        finally:
            env.close()
        own_family += agent.exemplar is not None and agent.exemplar.family == key
        per_suite[task.split(".")[0]].append(success)
        if not success:
            failed.append(task)
    total = [s for results in per_suite.values() for s in results]
    return {
        "held_out_tasks": len(total), "success": round(sum(total) / max(1, len(total)), 3),
        "by_suite": {s: round(sum(r) / len(r), 3) for s, r in per_suite.items()},
        "retrieved_own_template": own_family, "failed": failed,
    }  # fmt: skip


def run_agents() -> dict[str, Any]:
    demos, held = split_by_template()
    memory_dir = OUT / "memory"
    shutil.rmtree(memory_dir, ignore_errors=True)
    memory_dir.parent.mkdir(parents=True, exist_ok=True)
    abstraction = record(demos, memory_dir)
    return {"abstraction": abstraction, "memory_agent": evaluate(held, memory_dir)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", default="")
    args = parser.parse_args(argv)
    import palaestra  # noqa: F401

    report = run_agents()
    return emit(report, Path(args.json) if args.json else None)


if __name__ == "__main__":
    raise SystemExit(main())
