"""MiniWoB++: the tasks shipped as HTML in the ``miniwob`` PyPI package, with their own reward code.

Pages are served from the installed package (``file://``), never copied into this repository. Each
episode is seeded with ``Math.seedrandom(seed)`` exactly as the package's own environment does, so a
seed gives the same problem here as there. The reward is the task's own JavaScript reward without
its time penalty (agents that think for seconds would otherwise be judged by their latency); the
time-penalised reward is kept in ``raw``. Success follows each task's own notion of a right answer
(``scoring``): a raw reward of 1, never merely "reward > 0", since some tasks give partial credit
for a wrong answer; for the seven tasks scored by closeness, an error within a stated tolerance.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from palaestra.tasks.registry import TaskSpec


def _html_dir() -> Path:
    # Found without importing `miniwob`, whose import registers its own Gymnasium environments
    # and takes seconds: listing our tasks must stay cheap.
    spec = importlib.util.find_spec("miniwob")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("The `miniwob` package is not installed: pip install miniwob")
    return Path(next(iter(spec.submodule_search_locations))) / "html" / "miniwob"


HTML_DIR = _html_dir()


#: Pages whose problem runs on a clock from its start (a moving circle, a sequence that blinks
#: once, prices that change): their episodes start in the reset, not ahead of it, or the agent would
#: find part of the episode gone.
CLOCKED_TASKS = frozenset({"chase-circle", "hover-shape", "moving-items", "simon-says", "stock-market"})
#: Pages whose first observation depends on when it is taken: the clocked ones, and click-pie, whose
#: menu is still opening (an animation) when the episode starts (the first observation waits for
#: the animation to end, but at most ``settle_ms``, which a loaded machine can exceed). Their
#: Gymnasium specs say ``nondeterministic``: ``reset(seed=s)`` gives the same problem, not always
#: the same pixels.
REAL_TIME_TASKS = CLOCKED_TASKS | {"click-pie"}


def task_names() -> list[str]:
    return sorted(p.stem for p in HTML_DIR.glob("*.html"))


def suite_tasks() -> list[TaskSpec]:
    """The `miniwob` suite's entry point: one spec per page the package ships."""
    return [
        TaskSpec(
            f"miniwob.{task}",
            "miniwob",
            "palaestra.tasks.miniwob.task:MiniWoBTask",
            {"task": task},
            deterministic=task not in REAL_TIME_TASKS,
        )
        for task in task_names()
    ]
