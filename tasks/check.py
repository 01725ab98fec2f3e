"""Checking a task before agents play it: doing nothing must fail, and its oracle must succeed.

A task whose evaluate pays the untouched start page, or that its own scripted solution cannot
solve, measures nothing; WebArena and OSWorld authors find such tasks only in a run's results. This
plays each seed twice on the task's own environment (`make_env`, as runs make it): once doing
nothing (one no-op, then judged as an episode that ended without an answer, as runs judge one) and
once with the task's oracle (the ``oracle`` agent: ``TaskSpec.oracle`` for a suite of your own). Any
episode that ends with an error (a ``task_error`` from the task's own code) is a problem too.

    python -m palaestra.tasks.check 'mine.*' --seeds 0-2

or, in a test of your suite, ``assert check_task("mine.pick-green", seeds=[0, 1]).ok``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

#: What doing nothing is, per action set (a browser's sets take ``noop``).
NO_OPS = {"desktop": "WAIT", "pyautogui": "WAIT", "computer_13": "WAIT"}
NOTHING_DONE = "The agent did nothing (palaestra.tasks.check)"


@dataclass
class Played:
    """One checked episode: who played it (``nothing`` or ``oracle``), and how it ended."""

    task: str
    seed: int
    player: str
    reward: float = 0.0
    success: bool = False
    steps: int = 0
    error: str = ""


@dataclass
class TaskCheck:
    """The episodes checked, and what is wrong with the tasks (empty when they are sound)."""

    played: list[Played] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        out = []
        for p in self.played:
            where = f"{p.task} seed {p.seed}"
            if p.error:
                out.append(f"{where}: the {p.player} episode ended with an error: {p.error}")
            elif p.player == "nothing" and p.success:
                out.append(
                    f"{where}: doing nothing succeeds (reward {p.reward:g}): the task's evaluate pays a "
                    "page the agent never touched"
                )
            elif p.player == "oracle" and not p.success:
                out.append(f"{where}: the oracle did not succeed (reward {p.reward:g} after {p.steps} steps)")
        return out

    @property
    def ok(self) -> bool:
        return bool(self.played) and not self.problems

    def table(self) -> str:
        lines = [f"{'task':<32} {'seed':>4}  {'player':<8} {'reward':>6}  {'success':<7} steps  error"]
        for p in self.played:
            error = p.error.splitlines()[0][:80] if p.error else ""
            played = f"{p.player:<8} {p.reward:>6.2f}  {p.success!s:<7} {p.steps:>5}"
            lines.append(f"{p.task:<32} {p.seed:>4}  {played}  {error}")
        return "\n".join(lines)


async def acheck_task(
    tasks: str | Sequence[str],
    seeds: Sequence[int] = (0,),
    max_steps: int = 30,
    oracle: bool = True,
    **env_options: Any,
) -> TaskCheck:
    """Play every task (names, or a glob as `palaestra list tasks` takes) on every seed, doing
    nothing and with its oracle (``oracle=False``: doing nothing only, for tasks that have none,
    such as WebArena-format files); ``env_options`` go to the environment (``step_timeout=``...)."""
    from palaestra.envs.base import make_env

    check = TaskCheck()
    for name in task_names(tasks):
        env = make_env(name, **env_options)
        try:
            for seed in seeds:
                check.played.append(await _nothing(env, name, seed))
                if oracle:
                    check.played.append(await _oracle(env, name, seed, max_steps))
        finally:
            await env.aclose()
    return check


def task_names(tasks: str | Sequence[str]) -> list[str]:
    """The registered names the arguments name (each a name or a glob); did-you-mean for a name
    or a glob that names nothing, before any episode starts."""
    from palaestra.errors import UnknownNameError
    from palaestra.tasks.registry import all_tasks, get_task_spec, list_tasks

    out: list[str] = []
    for pattern in [tasks] if isinstance(tasks, str) else tasks:
        if not any(c in pattern for c in "*?["):
            out.append(get_task_spec(pattern).name)
        elif found := list_tasks(pattern):
            out.extend(found)
        else:
            raise UnknownNameError(
                "task pattern", pattern, all_tasks(), hint="`palaestra list tasks` lists them."
            )
    return out


def check_task(tasks: str | Sequence[str], seeds: Sequence[int] = (0,), **options: Any) -> TaskCheck:
    """`acheck_task` from synchronous code (a test, a script), on Palaestra's background loop."""
    from palaestra.envs import loop

    return loop.run_sync(acheck_task(tasks, seeds, **options))


async def _nothing(env: Any, name: str, seed: int) -> Played:
    played = Played(name, seed, "nothing")
    await env.areset(seed=seed)
    result = await env.astep(NO_OPS.get(env.action_set.name, "noop(0)"))
    played.steps = 1
    if not (result[2] or result[3]):  # not ended: judged as runs judge an episode left unanswered
        result = await env.aearly_stop(NOTHING_DONE) or result
    return _ended(played, result)


async def _oracle(env: Any, name: str, seed: int, max_steps: int) -> Played:
    from palaestra.agents.base import TaskInfo
    from palaestra.agents.oracle import OracleAgent, OracleConfig
    from palaestra.errors import UnknownNameError

    played = Played(name, seed, "oracle")
    agent = OracleAgent(OracleConfig())
    try:
        agent.reveal_task(name)
    except UnknownNameError as exc:
        played.error = str(exc)
        return played
    obs, _ = await env.areset(seed=seed)
    await agent.areset(TaskInfo(str(obs.get("goal", "")), env.action_set, max_steps=max_steps))
    result = None
    while played.steps < max_steps:
        step = await agent.aact(obs)
        if step.stop:
            break
        result = await env.astep(step.action)
        played.steps += 1
        obs = result[0]
        if result[2] or result[3]:
            return _ended(played, result)
    judged = await env.aearly_stop(f"The oracle stopped after {played.steps} steps")
    return _ended(played, judged or result)


def _ended(played: Played, result: Any) -> Played:
    if result is None:
        return played
    _, reward, _, _, info = result
    played.reward, played.success = float(reward), bool(info.get("success"))
    if info.get("error"):
        played.error = f"{info['error']['kind']}: {info['error']['message']}"
    return played


def main(argv: Sequence[str] | None = None) -> int:
    from palaestra.config import parse_seeds

    parser = argparse.ArgumentParser(
        prog="python -m palaestra.tasks.check",
        description="Check tasks: doing nothing must fail and the task's oracle must succeed, on every seed.",
    )
    parser.add_argument("tasks", nargs="+", help="task names or globs (mine.*)")
    parser.add_argument("--seeds", default="0", help="seeds: 0, 0-4 or 0,3 (default 0)")
    parser.add_argument("--max-steps", type=int, default=30, help="the oracle's step limit (default 30)")
    parser.add_argument(
        "--no-oracle",
        action="store_true",
        help="check only that doing nothing fails (tasks without an oracle)",
    )
    args = parser.parse_args(argv)
    check = check_task(
        args.tasks, parse_seeds(args.seeds), max_steps=args.max_steps, oracle=not args.no_oracle
    )
    print(check.table())
    for problem in check.problems:
        print(f"PROBLEM {problem}")
    done = "doing nothing fails" + ("" if args.no_oracle else " and the oracle succeeds")
    print(f"ok: {done}" if check.ok else f"{len(check.problems)} problem(s)")
    return 0 if check.ok else 1


if __name__ == "__main__":
    sys.exit(main())
