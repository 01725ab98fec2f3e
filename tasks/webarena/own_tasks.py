"""WebArena-format task files of your own, as the suite ``webarena-json``.

WebArena's users write new tasks the way the benchmark's are written: a ``config_files/`` folder of
``<task_id>.json`` files (or one JSON list), with WebArena's site names (``shopping``), placeholders
(``__SHOPPING__``) and evaluators. ``PALAESTRA_WEBARENA_TASKS`` names such files (a folder or a file;
several joined by ``:``), and their tasks run as ``webarena-json.<task_id>`` exactly as the official
tasks do (``OfficialTask``: on ``--site`` instances or the stand-ins, WebArena's log-in, every episode
judged, the ``paper`` column as the reward). Verified's column has nothing to judge them by (its
evaluations are its own file's, by task id), so it is ``None`` with that reason.

The files are checked when the suite loads, since a mistake found at an episode's end costs a run:
WebArena's format (``config.from_json``), site names WebArena knows, placeholders that name one of
the task's own sites, ``program_html`` checks with the keys WebArena's evaluator reads, and task ids
given once.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from palaestra.errors import SuiteUnavailable, did_you_mean
from palaestra.tasks.webarena.candidates import with_template_references
from palaestra.tasks.webarena.config import TaskConfig, TaskConfigError, load_configs

BENCHMARK = "webarena-json"
TASKS_ENV = "PALAESTRA_WEBARENA_TASKS"
#: What WebArena's evaluator reads of each ``program_html`` check (its ``target[...]``).
_CHECK_KEYS = ("url", "locator", "required_contents")
_PLACEHOLDER = re.compile(r"__[A-Z][A-Z_]*?__")


def task_paths() -> list[Path]:
    """The files and folders ``PALAESTRA_WEBARENA_TASKS`` names; SuiteUnavailable when unset."""
    raw = os.environ.get(TASKS_ENV, "").strip()
    if not raw:
        raise SuiteUnavailable(
            f"it plays WebArena-format task files of your own: set {TASKS_ENV}=/path/to/config_files "
            "(a folder of <task_id>.json files, or a JSON file holding one task or a list)."
        )
    return [Path(part).expanduser() for part in raw.split(os.pathsep) if part.strip()]


def own_configs() -> dict[str, TaskConfig]:
    """The tasks of the files ``PALAESTRA_WEBARENA_TASKS`` names, by task id (as text)."""
    return _load(tuple(task_paths()))


@functools.cache
def _load(paths: tuple[Path, ...]) -> dict[str, TaskConfig]:
    out: dict[str, TaskConfig] = {}
    where: dict[str, str] = {}
    for path in paths:
        if path.is_dir() and not any(path.glob("*.json")):
            raise TaskConfigError(f"{TASKS_ENV}: the folder {path} holds no .json task files.")
        files = sorted(path.glob("*.json"), key=lambda p: (len(p.stem), p.stem)) if path.is_dir() else [path]
        for source, config in ((str(file), config) for file in files for config in load_configs(file)):
            check_own_task(config, source)
            key = str(config.task_id)
            if key in out:
                raise TaskConfigError(
                    f"task_id {key} is given twice ({where[key]} and {source}); each task needs its own id "
                    f"(its name is {BENCHMARK}.{key})."
                )
            out[key], where[key] = config, source
    # Each knows the other references of its intent template across all the files, not only its own.
    return dict(zip(out, with_template_references(out.values()), strict=True))


def check_own_task(config: TaskConfig, source: str) -> None:
    """Raise ``TaskConfigError`` naming the task, the file and the fix for what WebArena's own
    harness would trip over only while running it (or never, scoring it wrong instead)."""
    from palaestra.tasks.webarena.official import WEBARENA_SITES, misnamed, placeholder

    where = f"task {config.task_id} in {source}"
    for site in config.sites:
        theirs = misnamed(site)
        if theirs is not None:
            raise TaskConfigError(
                f"{where}: `{site}` is Palaestra's stand-in for WebArena's `{theirs}`; WebArena-format files "
                f'name WebArena\'s sites: "sites": ["{theirs}"] (and __{theirs.upper()}__ in URLs).'
            )
        if site not in WEBARENA_SITES:
            raise TaskConfigError(
                f"{where}: unknown site `{site}`.{did_you_mean(site, WEBARENA_SITES)} "
                f"WebArena's sites: {', '.join(WEBARENA_SITES)}."
            )
    if not config.sites:
        raise TaskConfigError(
            f'{where}: `sites` is empty; name the sites it runs on, e.g. "sites": ["shopping"].'
        )
    own = {placeholder(site): site for site in config.sites}
    known = {placeholder(site) for site in WEBARENA_SITES}
    for field, text in _urls(config):
        for found in _PLACEHOLDER.findall(text):
            if found in own:
                continue
            if found in known:
                site = found.strip("_").lower()
                raise TaskConfigError(
                    f"{where}: {field} uses {found}, but `sites` lists only {', '.join(config.sites)}; "
                    f'add "{site}" to `sites` (its URL is filled in only for the task\'s own sites).'
                )
            raise TaskConfigError(
                f"{where}: {field} uses the unknown placeholder {found}.{did_you_mean(found, sorted(known))} "
                f"This task's placeholders: {', '.join(sorted(own))}."
            )
    if "db_state" in config.eval.eval_types or config.eval.db_state:
        raise TaskConfigError(
            f"{where}: `db_state` is not judged in WebArena-format files: it is Palaestra's check for its "
            "own site suites (shop, forum, ...), on the episode's copy of a stand-in's database, which "
            "these tasks do not get (your instances have none to give). Check the state through a page "
            'instead: a program_html check on the page that shows it ("url": "__SHOPPING__/...").'
        )
    _check_reference_answers(config.eval.reference_answers or {}, where)
    for index, check in enumerate(config.eval.program_html):
        _check_program_html(check, f"{where}: eval.program_html[{index}]")


def _check_reference_answers(answers: Mapping[str, Any], where: str) -> None:
    """Each reference answer of the type WebArena's evaluator reads: it lower-cases an
    ``exact_match`` string (a number raises there), and walks ``must_include`` and a
    ``fuzzy_match`` list item by item (a bare string would be checked one letter at a time).
    The official files keep their own quirks (one WebArena-Lite task has a string ``must_include``);
    a file of your own is told before the run."""
    for kind, value in answers.items():
        field = f"eval.reference_answers.{kind}"
        if kind == "exact_match" and not isinstance(value, str):
            raise TaskConfigError(
                f'{where}: `{field}` must be a string, such as "exact_match": "{_as_text(value)}", '
                f"not {json.dumps(value)}."
            )
        if kind == "fuzzy_match" and value == "N/A":
            continue
        if kind in ("must_include", "fuzzy_match") and not _strings(value):
            example = f'["{value}"]' if isinstance(value, str) else '["one answer", "another"]'
            also = ' (or "N/A" for an unachievable task)' if kind == "fuzzy_match" else ""
            raise TaskConfigError(
                f"{where}: `{field}` must be a list of strings{also}, such as "
                f'"{kind}": {example}, not {json.dumps(value)}.'
            )


def _strings(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(item, str) for item in value)


def _as_text(value: Any) -> str:
    return value[0] if isinstance(value, list) and len(value) == 1 else str(value)


def _urls(config: TaskConfig) -> list[tuple[str, str]]:
    """The task's texts that hold site URLs, each with its key for messages."""
    out = [("start_url", config.start_url), ("eval.reference_url", config.eval.reference_url)]
    for index, check in enumerate(config.eval.program_html):
        if isinstance(check, Mapping):
            out.append((f"eval.program_html[{index}].url", str(check.get("url", ""))))
    return out


def _check_program_html(check: Any, where: str) -> None:
    if not isinstance(check, Mapping):
        raise TaskConfigError(f"{where} must be an object with {', '.join(_CHECK_KEYS)}.")
    missing = [key for key in _CHECK_KEYS if key not in check]
    if missing:
        unknown = sorted(set(check) - set(_CHECK_KEYS) - {"prep_actions"})
        meant = [key for key in unknown if did_you_mean(key, [missing[0]])]
        hint = f" (is `{meant[0]}` meant to be it?)" if meant else ""
        raise TaskConfigError(
            f"{where} has no `{missing[0]}`{hint}. WebArena's checks give url (\"last\" for the agent's "
            'page), locator ("" for the page\'s HTML) and required_contents.'
        )
