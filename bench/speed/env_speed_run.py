"""What ``bench.speed.env_speed`` measures and how: a ``Subject`` per environment and variant (ours,
and each anchor that is installed), and one runner subprocess per subject and mode, with its own
venv's Python, whose JSON answer is the measurement.

Apart from the command (``env_speed``: arguments, the printed report, the JSON file) so how a row
is measured reads on its own.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.speed.anchor_venvs import (
    RUNNERS,
    Anchor,
    install,
    install_command,
    known_anchors,
    missing_reason,
    runner_env,
)
from bench.speed.env_speed_report import PARALLEL


@dataclass(frozen=True)
class Subject:
    """One measured row: an environment implementation in one variant, and how to start it."""

    key: str
    label: str
    python: Path
    runner: Path
    variant: str
    env: dict[str, str] = field(repr=False)
    measure_memory: bool = True


# -- subjects -----------------------------------------------------------------------------------


def palaestra_subject(variant: str = "default") -> Subject:
    """Our env; the ``som`` variant adds the set-of-marks screenshot (its memory is not measured)."""
    default = variant == "default"
    return Subject(
        key="palaestra" if default else f"palaestra-{variant}",
        label="palaestra" if default else f"palaestra ({variant})",
        python=Path(sys.executable),
        runner=RUNNERS / "palaestra_runner.py",
        variant=variant,
        env=dict(os.environ),
        measure_memory=default,
    )


def anchor_subjects(anchor: Anchor, cache: Path) -> list[Subject]:
    """One subject per variant; memory does not depend on the variant, so only the first measures it."""
    labels = {"default": "", "nosleep": " (no sleeps)"}
    env = runner_env(anchor, cache)
    return [
        Subject(
            key=anchor.name if variant == "default" else f"{anchor.name}-{variant}",
            label=f"{anchor.name}{labels.get(variant, f' ({variant})')}",
            python=anchor.python(cache),
            runner=anchor.runner_path(),
            variant=variant,
            env=env,
            measure_memory=index == 0,
        )
        for index, variant in enumerate(anchor.variants)
    ]


def prepare_anchors(names: list[str], cache: Path, do_install: bool) -> tuple[list[Subject], list[str]]:
    """Subjects for the anchors that can run, and a note for each one skipped."""
    subjects: list[Subject] = []
    notes: list[str] = []
    for name in names:
        anchor = known_anchors()[name]
        if do_install:
            log = cache / "logs" / f"install-{name}.log"
            progress(f"installing {name} into {anchor.venv(cache)} (log: {log})")
            try:
                install(anchor, cache, log)
            except (subprocess.CalledProcessError, RuntimeError, OSError) as exc:
                notes.append(f"{name}: install failed ({exc}); see {log}:\n{tail(log)}")
                continue
        reason = missing_reason(anchor, cache)
        if reason is not None:
            notes.append(f"{name}: skipped, {reason}. Create it with: {install_command(anchor, cache)}")
            continue
        subjects.extend(anchor_subjects(anchor, cache))
    return subjects, notes


# -- running ------------------------------------------------------------------------------------


def run_runner(subject: Subject, mode: str, args: argparse.Namespace, log: Path) -> dict[str, Any]:
    """Run one runner subprocess and return its JSON result (or ``{"fatal": ...}``).

    The runner's stderr goes to ``log``; its stdout carries only the JSON object.
    """
    tasks = [args.memory_task] if mode == "memory" else args.tasks
    command = [
        str(subject.python),
        str(subject.runner),
        "--mode",
        mode,
        "--variant",
        subject.variant,
        "--tasks",
        ",".join(tasks),
        "--seeds",
        ",".join(str(s) for s in args.seeds),
        "--steps",
        str(args.steps),
        "--parallel",
        str(PARALLEL),
        "--settle",
        str(args.settle),
    ]
    episodes = len(args.tasks) * len(args.seeds)
    timeout = 600.0 if mode == "memory" else 120.0 + episodes * (60.0 + 20.0 * args.steps)
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as err:
        try:
            done = subprocess.run(
                command, env=subject.env, stdout=subprocess.PIPE, stderr=err, text=True, timeout=timeout
            )
        except subprocess.TimeoutExpired:
            return {"fatal": f"timed out after {timeout:.0f} s; see {log}"}
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        return {"fatal": f"no result (exit code {done.returncode}); see {log}:\n{tail(log)}"}
    result: dict[str, Any] = json.loads(lines[-1])
    if "fatal" in result:
        result["fatal"] += f"; see {log}:\n{tail(log)}"
    return result


def measure(subject: Subject, args: argparse.Namespace, log_dir: Path) -> dict[str, Any]:
    """Timing, then memory, each in a fresh process."""
    out: dict[str, Any] = {"label": subject.label, "variant": subject.variant}
    episodes = len(args.tasks) * len(args.seeds)
    started = time.perf_counter()
    progress(f"{subject.label}: timing {episodes} episodes x {args.steps} steps")
    out["timing"] = run_runner(subject, "timing", args, log_dir / f"{subject.key}-timing.log")
    if subject.measure_memory and not args.no_memory:
        progress(f"{subject.label}: memory with 1 and {PARALLEL} envs of {args.memory_task}")
        out["memory"] = run_runner(subject, "memory", args, log_dir / f"{subject.key}-memory.log")
    progress(f"{subject.label}: done in {time.perf_counter() - started:.0f} s")
    return out


def progress(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
