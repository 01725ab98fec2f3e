"""The embedded default job: the scripted MiniWoB++ solutions played on a few tasks and seeds.

``python -m palaestra.demo [--tasks click-test,enter-text] [--seeds 3]`` prints each task's mean
reward and success rate, and the time per reset and per step.
"""

from __future__ import annotations

import argparse
import statistics
import time

from palaestra.envs import BrowserEnv
from palaestra.tasks.miniwob.oracles import ORACLES, run_oracle

DEFAULT_TASKS = ("click-test", "click-button", "enter-text", "click-checkboxes", "login-user", "book-flight")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--tasks",
        default=",".join(t for t in DEFAULT_TASKS if t in ORACLES),
        help="comma-separated MiniWoB++ task names that have a scripted solution",
    )
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0..N-1 for each task")
    args = parser.parse_args(argv)
    tasks = [t.strip() for t in args.tasks.split(",") if t.strip()]
    unknown = [t for t in tasks if t not in ORACLES]
    if unknown:
        parser.error(
            f"no scripted solution for {', '.join(unknown)}; available: {', '.join(sorted(ORACLES))}"
        )
    print(f"{'task':<28} {'reward':>7} {'success':>8} {'steps':>6} {'s/episode':>10}")
    rewards: list[float] = []
    for task in tasks:
        env = BrowserEnv(f"miniwob.{task}")
        results, started = [], time.perf_counter()
        for seed in range(args.seeds):
            results.append(run_oracle(env, task, seed))
        elapsed = (time.perf_counter() - started) / args.seeds
        env.close()
        reward = statistics.mean(r.reward for r in results)
        rewards.append(reward)
        success = statistics.mean(r.success for r in results)
        steps = statistics.mean(r.steps for r in results)
        print(f"{task:<28} {reward:>7.2f} {success:>8.0%} {steps:>6.1f} {elapsed:>10.2f}")
    print(f"{'mean':<28} {statistics.mean(rewards):>7.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
