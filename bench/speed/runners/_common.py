"""The measuring loop shared by every runner, with nothing but the standard library and psutil.

Each runner runs in its own environment's virtualenv (BrowserGym pins an old Playwright, the
``miniwob`` package needs Selenium), so this module must import nothing from Palaestra. A runner
supplies a small ``Driver`` (open / reset / step / close for its environment); this module times
it the same way for every environment and prints one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import statistics
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

import psutil

MB = 1024 * 1024


class Driver(Protocol):
    """What a runner must provide for one environment implementation."""

    name: str

    def open(self, task: str) -> Any:
        """Create an environment for ``task`` (a MiniWoB++ task name such as ``click-test``)."""

    def reset(self, env: Any, seed: int) -> dict[str, float] | None:
        """Start an episode with ``seed``; returns once the first observation is computed.

        May return the reset's time per phase in s (not timed by the caller: only reported).
        """

    def step(self, env: Any) -> tuple[dict[str, float], str]:
        """Take the benchmark's harmless action; return (time per phase in s, action error or "")."""

    def close(self, env: Any) -> None:
        """Release the environment."""

    def describe(self) -> dict[str, Any]:
        """Versions and settings worth keeping next to the numbers."""


@dataclass
class Episode:
    """One (task, seed): the reset time and each following step's time, as a user sees them."""

    task: str
    seed: int
    reset_s: float | None = None
    reset_parts: dict[str, float] = field(default_factory=dict)
    step_s: list[float] = field(default_factory=list)
    step_parts: list[dict[str, float]] = field(default_factory=list)
    step_errors: list[str] = field(default_factory=list)
    error: str | None = None


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Measure one environment; prints one JSON object.")
    parser.add_argument("--mode", choices=("timing", "memory"), required=True)
    parser.add_argument("--tasks", default="click-test", help="comma-separated MiniWoB++ task names")
    parser.add_argument("--seeds", default="0", help="comma-separated seeds")
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--variant", default="default", help="runner-specific variant name")
    parser.add_argument("--parallel", type=int, default=4, help="memory mode: how many envs at the end")
    parser.add_argument("--settle", type=float, default=3.0, help="memory mode: seconds before sampling")
    return parser.parse_args(argv)


def time_episodes(driver: Driver, tasks: list[str], seeds: list[int], steps: int) -> dict[str, Any]:
    """Reset then step at once, for every (task, seed), with one environment per task.

    Opening an environment is timed apart (``open_s``): it is paid once per task, and some
    environments launch their browser there while others launch it in the first reset.
    """
    episodes: list[Episode] = []
    open_s: dict[str, float] = {}
    for task in tasks:
        started = time.perf_counter()
        try:
            env = driver.open(task)
        except Exception as exc:
            episodes.extend(Episode(task, seed, error=f"open failed: {_describe(exc)}") for seed in seeds)
            continue
        open_s[task] = time.perf_counter() - started
        for seed in seeds:
            if env is None:
                episodes.append(Episode(task, seed, error="not run: the environment could not be reopened"))
                continue
            episode = _time_episode(driver, env, task, seed, steps)
            episodes.append(episode)
            if episode.error is not None:  # the environment may be broken: start afresh
                env = _reopen(driver, env, task)
        if env is not None:
            _close(driver, env)
    return {"open_s": open_s, "episodes": [asdict(e) for e in episodes]}


def _reopen(driver: Driver, env: Any, task: str) -> Any | None:
    _close(driver, env)
    try:
        return driver.open(task)
    except Exception:
        traceback.print_exc()
        return None


def _time_episode(driver: Driver, env: Any, task: str, seed: int, steps: int) -> Episode:
    episode = Episode(task, seed)
    try:
        started = time.perf_counter()
        parts = driver.reset(env, seed)
        episode.reset_s = time.perf_counter() - started
        episode.reset_parts = dict(parts or {})
        for _ in range(steps):
            started = time.perf_counter()
            parts, error = driver.step(env)
            episode.step_s.append(time.perf_counter() - started)
            episode.step_parts.append(parts)
            if error:
                episode.step_errors.append(error)
    except Exception as exc:
        episode.error = _describe(exc)
    return episode


def tree_pss() -> tuple[int, int]:
    """(PSS in bytes, process count) of this process and all its descendants.

    PSS splits shared pages among the processes sharing them, so summing it over a process tree
    counts shared libraries and Chromium's zygote-shared memory once, unlike RSS.
    """
    me = psutil.Process()
    total, count = 0, 0
    for proc in [me, *me.children(recursive=True)]:
        try:
            total += proc.memory_full_info().pss
            count += 1
        except psutil.Error:
            continue  # a process that ended between listing and reading
    return total, count


def sample_pss(settle: float, samples: int = 3) -> dict[str, float]:
    """The median of a few PSS samples, after letting background work (page loads) finish."""
    gc.collect()
    time.sleep(settle)
    values, counts = [], []
    for _ in range(samples):
        pss, count = tree_pss()
        values.append(pss)
        counts.append(count)
        time.sleep(0.5)
    return {"pss_mb": statistics.median(values) / MB, "processes": max(counts)}


def measure_memory(driver: Driver, task: str, parallel: int, settle: float) -> dict[str, Any]:
    """PSS of the process tree with 1 open, reset environment, then with ``parallel`` of them."""
    envs: list[Any] = []
    try:
        envs.append(driver.open(task))
        driver.reset(envs[0], 0)
        one = sample_pss(settle)
        for index in range(1, parallel):
            envs.append(driver.open(task))
            driver.reset(envs[index], index)
        many = sample_pss(settle)
    finally:
        for env in envs:
            _close(driver, env)
    per_additional = (many["pss_mb"] - one["pss_mb"]) / (parallel - 1)
    return {
        "task": task,
        "parallel": parallel,
        "pss_1_mb": one["pss_mb"],
        "pss_n_mb": many["pss_mb"],
        "processes_1": one["processes"],
        "processes_n": many["processes"],
        "per_additional_mb": per_additional,
    }


@contextlib.contextmanager
def stdout_reserved_for_result() -> Iterator[int]:
    """Send everything else written to stdout (by libraries or child processes) to stderr.

    Yields a file descriptor that still points at the real stdout, for the one JSON result.
    """
    sys.stdout.flush()
    real = os.dup(1)
    os.dup2(2, 1)
    try:
        yield real
    finally:
        sys.stdout.flush()
        os.dup2(real, 1)
        os.close(real)


def run(driver_factory: Callable[[str], Driver], argv: list[str] | None = None) -> None:
    """Entry point of a runner: measure as asked and print the JSON result on the real stdout."""
    args = parse_args(argv)
    tasks = [t for t in args.tasks.split(",") if t]
    seeds = [int(s) for s in args.seeds.split(",") if s]
    with stdout_reserved_for_result() as real_stdout:
        result: dict[str, Any] = {"mode": args.mode, "variant": args.variant}
        try:
            driver = driver_factory(args.variant)
            if args.mode == "timing":
                result.update(time_episodes(driver, tasks, seeds, args.steps))
            else:
                result["memory"] = measure_memory(driver, tasks[0], args.parallel, args.settle)
            result["about"] = driver.describe()
        except Exception as exc:
            traceback.print_exc()
            result["fatal"] = _describe(exc)
        os.write(real_stdout, (json.dumps(result) + "\n").encode())


def _close(driver: Driver, env: Any) -> None:
    """Close an environment that may be broken: a failure is noted on stderr (the runner's log) and
    the measurement goes on, rather than passing unseen."""
    try:
        driver.close(env)
    except Exception as exc:
        print(f"closing the environment failed: {_describe(exc)}", file=sys.stderr, flush=True)


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"
