"""The environment variables that change what a run's tasks are, kept in its record by name and value.

`PALAESTRA_WEBARENA_SITES` decides which instance a WebArena task is played on, `PALAESTRA_SUITES`
which suites exist, `PALAESTRA_OMNIACT_ELEMENTS` what an OmniACT task shows, `PALAESTRA_FUZZY_JUDGE`
how answers are judged. Two runs whose commands agree but whose environments differ in these played
other tasks; the record keeps them (`task_env_record`), `palaestra compare` names a difference
(`runs.provenance`), and `palaestra eval --config RUN` says which differ here (`rerun_env_notes`).

The rerun warns and does not restore them: suites are listed when `palaestra` is imported, before a
record is read, so a restored `PALAESTRA_SUITES` or task folder would not be seen, and a path or
address recorded on another machine may name nothing (or something else) here. The notes give the
command line that sets them as recorded. Values pass through `palaestra.redaction` (a URL's
password, a known secret), and a variable named like a secret is never recorded.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping

from palaestra.redaction import is_secret_key, redact_text

#: Read by task listings, tasks and judges, and forwarded to Ray workers (`runs.ray_backend`).
TASK_ENV = (
    "PALAESTRA_SUITES",
    "PALAESTRA_WEBARENA_SITES", "PALAESTRA_WEBARENA_TASKS", "PALAESTRA_WEBARENA_DATA",
    "PALAESTRA_FUZZY_JUDGE", "PALAESTRA_SITE_TOOLS",
    "PALAESTRA_OSWORLD_TASKS", "PALAESTRA_OSWORLD_CACHE",
    "PALAESTRA_OMNIACT", "PALAESTRA_OMNIACT_SPLIT", "PALAESTRA_OMNIACT_ELEMENTS",
)  # fmt: skip
#: Also read under tasks/, envs/, omniact/ and sites/, but not changing what a task is: where a
#: browser, a desktop user or a build lives, the variables the site runtime sets for its own
#: servers, and the folders desktop sessions hide (a run's workers set its own folder there)
#: (`tests/runs/test_task_env.py` keeps every name in one list or the other).
INFRASTRUCTURE_ENV = (
    "PALAESTRA_CHROMIUM", "PALAESTRA_DESKTOP_USER", "PALAESTRA_DESKTOP_ISOLATION", "PALAESTRA_CODE_SERVER",
    "PALAESTRA_MAP_WHEEL", "PALAESTRA_SITE", "PALAESTRA_SITES_BUILD", "PALAESTRA_SITES_BUILDING",
    "PALAESTRA_SITES_CACHE", "PALAESTRA_SITES_DATASET", "PALAESTRA_SITES_DEFAULT_EPISODE",
    "PALAESTRA_SITES_EPISODES", "PALAESTRA_LLM_", "PALAESTRA_PRIVATE_DIRS",
)  # fmt: skip

RECORD_KEY = "task_env"


def task_env_record(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The task-shaping variables set (and not empty) in ``environ``, redacted."""
    environ = os.environ if environ is None else environ
    return {
        name: redact_text(environ[name]) for name in TASK_ENV if environ.get(name) and not is_secret_key(name)
    }


def rerun_env_notes(run: str, recorded: object, environ: Mapping[str, str] | None = None) -> list[str]:
    """What a rerun of ``run`` should be told: each task-shaping variable whose value here is not
    the recorded one, and the command line that sets them as recorded. [] when they agree, or when
    the run recorded none (a record made before they were kept)."""
    if not isinstance(recorded, dict):
        return []
    here = task_env_record(environ)
    names = sorted(set(recorded) | set(here))
    differ = [name for name in names if recorded.get(name) != here.get(name)]
    if not differ:
        return []
    notes = [
        f"Note: {run} was played with {name}={_shown(recorded.get(name))}; here: {_shown(here.get(name))}."
        for name in differ
    ]
    settings = [f"{name}={shlex.quote(str(recorded[name]))}" for name in differ if name in recorded]
    unset = [name for name in differ if name not in recorded]
    fix = " ".join([*(["env", *(f"-u {n}" for n in unset)] if unset else []), *settings])
    notes.append(
        "These variables change what the tasks are, and are not restored from the record (suites are "
        f"listed before it is read). To play the tasks as recorded: {fix} palaestra eval --config {run} ..."
    )
    return notes


def _shown(value: object) -> str:
    return "not set" if value is None else shlex.quote(str(value))
