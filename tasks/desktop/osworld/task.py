"""Loading OSWorld task files (one JSON object per task) into desktop tasks.

`load_task` reads one file, `load_folder` every ``*.json`` under a folder. Everything a file asks
for is checked when it is loaded: a setup step, getter, metric, option or app this desktop does not
offer raises a subclass of `OSWorldTaskError` naming the file, the place and the supported names,
so that a run never starts a task it cannot set up or judge.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from palaestra.tasks.base import Evaluation
from palaestra.tasks.desktop.base import DesktopOutcome, DesktopSetup, DesktopTask, Judging
from palaestra.tasks.desktop.live_steps import LiveStep
from palaestra.tasks.desktop.osworld import browse_history, chrome_getters, chrome_pages
from palaestra.tasks.desktop.osworld.apps import check_related
from palaestra.tasks.desktop.osworld.cache import TaskCache, cache_folder
from palaestra.tasks.desktop.osworld.errors import OSWorldTaskError
from palaestra.tasks.desktop.osworld.evaluator import Judge, compile_judge
from palaestra.tasks.desktop.osworld.getters import Place
from palaestra.tasks.desktop.osworld.paths import VM_FOLDERS, VM_HOME
from palaestra.tasks.desktop.osworld.steps import SetupPlan, flag, plan_setup
from palaestra.tasks.desktop.osworld.task_lists import is_task_list_file, listed_task_files
from palaestra.tasks.desktop.osworld.vscode_metrics import check_gallery

SUITE = "osworld-json"
#: Snapshots a task may name: OSWorld's plain desktop, and its office, browser and GIMP ones (the
#: same desktop with LibreOffice, with a fresh Chrome profile: Chromium's here, fresh every episode,
#: with GIMP, fresh settings every episode, or with Thunderbird, its profile built afresh every
#: episode); ``base_setup``, the plain desktop OSWorld's VLC tasks start from (VLC with fresh
#: settings every episode); ``multiapps``, the desktop with all of them that some ``multi_apps``
#: tasks name (each app a task starts is checked on its own).
#: Others hold apps and state we cannot restore.
PLAIN_SNAPSHOTS = frozenset(
    {"", "os", "init_state", "base_setup", "chrome", "gimp", "thunderbird", "multiapps", "vscode", "vs_code"}
    | {"libreoffice_calc", "libreoffice_writer", "libreoffice_impress"}
)
ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")


@dataclass(frozen=True)
class OSWorldSpec:
    """One loaded task file: its id, instruction, setup plan and judge."""

    id: str
    instruction: str
    plan: SetupPlan
    judge: Judge
    path: Path
    related_apps: tuple[str, ...] = ()


class OSWorldTask(DesktopTask):
    """A task from an OSWorld task file: the same problem in every episode (the seed is unused).

    Judged at the end of the episode, as OSWorld judges, when its postconfig acts on the desktop
    (saves, closes a window) or a check runs the agent's code (a test suite); else after every
    step, so that a task done early ends at once.
    """

    def __init__(self, spec: OSWorldSpec) -> None:
        self.spec = spec
        self.name = f"{SUITE}.{spec.id}"
        at_end = spec.judge.final_steps or spec.judge.at_end
        self.judging = Judging.AT_END if at_end else Judging.EVERY_STEP

    def setup(self, rng: random.Random) -> DesktopSetup:
        plan = self.spec.plan
        files: dict[str, bytes | str] = {t: source.read_bytes() for t, source in plan.files.items()}
        if plan.history is not None:  # dated from now: the episode starts
            files[browse_history.HISTORY] = browse_history.database(plan.history, datetime.now(UTC))
        return DesktopSetup(
            goal=self.spec.instruction,
            apps=tuple(plan.apps),
            files=files,
            dirs=VM_FOLDERS,
            commands=tuple(plan.commands),
            steps=tuple(plan.after_apps),
            home_alias=VM_HOME,
            delay=plan.delay,
            own_profiles=tuple(sorted(plan.own_profiles)),
        )

    def judge_commands(self) -> tuple[tuple[str, ...], ...]:
        return self.spec.judge.commands

    def _getter_kinds(self) -> set[str]:
        checks = self.spec.judge.checks
        return {g.kind for c in checks for g in (c.result, c.expected) if g is not None}

    def reads_browser_tabs(self) -> bool:
        return bool(self._getter_kinds() & (chrome_getters.LIVE | chrome_pages.CONTENT))

    def reads_page_content(self) -> bool:
        return bool(self._getter_kinds() & chrome_pages.CONTENT)

    def printed_pages(self) -> tuple[str, ...]:
        checks = self.spec.judge.checks
        urls = [u for c in checks for g in (c.result, c.expected) if g is not None for u in g.prints]
        return tuple(dict.fromkeys(urls))

    def final_steps(self) -> tuple[LiveStep, ...]:
        return self.spec.judge.final_steps

    def evaluate(self, outcome: DesktopOutcome) -> Evaluation:
        score, raw = self.spec.judge.score(outcome)
        success = score >= 1.0
        return Evaluation(reward=score, done=success, success=success, raw=raw)


def parse_task(data: Any, path: Path, root: Path, cache: Path | None = None) -> OSWorldSpec:
    """The spec of one task file's JSON object (``path`` names it in errors; local files it copies
    in must lie under ``root``; internet files are read from OSWorld's ``cache`` folder, if any)."""
    source = str(path)
    if not isinstance(data, dict):
        raise OSWorldTaskError(source, "top level", "an OSWorld task file holds one JSON object")
    task_id, instruction = data.get("id"), data.get("instruction")
    if not isinstance(task_id, str) or not ID_PATTERN.fullmatch(task_id):
        raise OSWorldTaskError(source, "id", f"must be letters, digits, '_', '-' or '.', got {task_id!r}")
    if not isinstance(instruction, str) or not instruction.strip():
        raise OSWorldTaskError(source, "instruction", "must be the task's goal in words")
    snapshot = data.get("snapshot") or ""
    if snapshot not in PLAIN_SNAPSHOTS:
        raise OSWorldTaskError(
            source,
            "snapshot",
            f"names the VM snapshot {snapshot!r}: a disk image with its apps and state, which this "
            "desktop cannot restore (episodes start from a fresh HOME). Use 'os' (or leave it out) "
            "and set the task up with config steps.",
        )
    if flag(data.get("proxy", False)):
        raise OSWorldTaskError(
            source, "proxy", "the task goes to the internet through OSWorld's proxy; nothing here does"
        )
    check_related(data.get("related_apps"), source)
    related = tuple(str(a) for a in data.get("related_apps") or [])
    cached = TaskCache(cache, task_id) if cache is not None else None
    plan = plan_setup(data.get("config"), path.parent, root, source, related, cached)
    judge = compile_judge(data.get("evaluator"), Place(source, "evaluator", path.parent, root, cached))
    check_gallery(data, source)
    return OSWorldSpec(task_id, instruction.strip(), plan, judge, path, related)


def load_task(
    path: str | Path, root: str | Path | None = None, cache: str | Path | None = None
) -> OSWorldTask:
    """The task of one OSWorld task file (local files it copies in must lie under ``root``, by
    default the file's folder; internet files are read from OSWorld's ``cache`` folder, by default
    ``$PALAESTRA_OSWORLD_CACHE``, and refused without one)."""
    path = Path(path)
    root_path = Path(root) if root else path.parent
    return OSWorldTask(parse_task(_read_json(path), path, root_path, cache_folder(cache)))


def scan_folder(
    folder: str | Path, cache: str | Path | None = None
) -> tuple[list[OSWorldTask], list[OSWorldTaskError]]:
    """The tasks of every ``*.json`` under ``folder`` (recursively, sorted by id), and the error of
    each file that could not be loaded (a later file with an id already taken is one); ``cache``
    as for `load_task`. ``folder`` may be OSWorld's task list instead (``test_all.json``...; see
    `task_lists`): the files it lists, their folder's parent as the root."""
    folder = Path(folder)
    if folder.is_file():
        paths, root = listed_task_files(folder), folder.parent
    elif folder.is_dir():
        paths = [p for p in sorted(folder.rglob("*.json")) if not is_task_list_file(p)]
        root = folder
    else:
        raise OSWorldTaskError(str(folder), "folder", "is not a folder of OSWorld task files")
    tasks: dict[str, OSWorldTask] = {}
    errors: list[OSWorldTaskError] = []
    for path in paths:
        try:
            task = load_task(path, root, cache)
            if task.spec.id in tasks:
                first = tasks[task.spec.id].spec.path
                raise OSWorldTaskError(str(path), "id", f"{task.spec.id!r} is also the id of {first}")
        except OSWorldTaskError as exc:
            errors.append(exc)
            continue
        tasks[task.spec.id] = task
    return [tasks[k] for k in sorted(tasks)], errors


def load_folder(folder: str | Path, cache: str | Path | None = None) -> list[OSWorldTask]:
    """The tasks of every ``*.json`` under ``folder``; the first file that cannot be loaded raises
    (``cache`` as for `load_task`)."""
    tasks, errors = scan_folder(folder, cache)
    if errors:
        raise errors[0]
    return tasks


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise OSWorldTaskError(str(path), "file", "does not exist") from None
    except (ValueError, UnicodeError) as exc:
        raise OSWorldTaskError(str(path), "file", f"is not valid JSON ({exc})") from None
