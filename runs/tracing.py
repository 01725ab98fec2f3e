"""`palaestra eval --trace off|on|failures`: a Playwright trace of each browser episode, to debug a run.

With `on` every episode's folder gets `trace.zip` (see `envs.episode_trace`); with `failures` only
the episodes that did not succeed keep theirs (failed, step limit or errored), as Playwright Test's
`retain-on-failure` does: the others are recorded too, since no one knows beforehand how an episode
ends, and their zip is deleted once it has. `palaestra show RUN --episodes` and the UI's episode
page say which episodes have one and how to open it.

Only browser tasks played in the worker's own process can be traced: a desktop has no browser, and
an environment served by `palaestra serve` runs its browser in the server, out of the run's reach.
Both are refused before the run starts rather than recorded as empty.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import TYPE_CHECKING

from palaestra.config import ConfigError
from palaestra.errors import UnknownNameError

if TYPE_CHECKING:
    from palaestra.envs.base import PalaestraEnv
    from palaestra.runs.records import EpisodeOutcome

OFF, ON, FAILURES = "off", "on", "failures"
TRACE_MODES = (OFF, ON, FAILURES)
#: The trace's name in its episode's folder.
TRACE_FILE = "trace.zip"


def check_trace(mode: str, tasks: list[str], *, env_server: str = "") -> None:
    """Raise, naming the fix, unless ``mode`` is a trace mode that every task's environment can do."""
    from palaestra.runs.action_sets import BROWSER_ENV
    from palaestra.tasks.registry import get_task_spec

    if mode not in TRACE_MODES:
        hint = "--trace takes off (the default), on, or failures (keep only episodes that did not succeed)."
        raise UnknownNameError("trace mode", mode, TRACE_MODES, hint=hint)
    if mode == OFF:
        return
    if env_server:
        raise ConfigError(
            f"--trace {mode} cannot reach environments served by --env-server: their browser runs in "
            "the server, so the run cannot record it. Leave --trace out, or run without --env-server."
        )
    for task in tasks:
        env = get_task_spec(task).env
        if env != BROWSER_ENV:
            raise ConfigError(
                f"--trace {mode}: the task {task} runs in {env.rpartition(':')[2]}, which has no browser "
                "to record a Playwright trace of (traces are for browser tasks). Leave --trace out for "
                "it, or run the browser suites apart."
            )


def keeps(mode: str, success: bool) -> bool:
    """Whether an episode that ended so keeps the trace it recorded."""
    return mode == ON or (mode == FAILURES and not success)


async def keep_trace(env: PalaestraEnv, mode: str, run_dir: Path, out: EpisodeOutcome) -> None:
    """Write the episode's trace (after its clock stopped: writing a zip is no step's cost) and keep
    it if ``mode`` says so; a trace that could not be written is said in the record, and costs the
    episode nothing else."""
    try:
        saved = await env.afinish_trace()
    except Exception as exc:  # the trace is a debugging aid, never the episode's undoing
        out.extra["trace_error"] = f"{type(exc).__name__}: {exc}"
        return
    if saved is None:
        return
    if saved.path is None:
        out.extra["trace_error"] = saved.problem
    elif keeps(mode, out.success):
        out.extra["trace"] = str(saved.path.relative_to(run_dir))
    else:
        saved.path.unlink(missing_ok=True)


def trace_of(run_dir: str | Path, artifacts: str | None) -> Path | None:
    """The trace of the episode whose folder is ``artifacts``, if it has one, confined to the run."""
    from palaestra.runs.artifacts import ArtifactPathError, confined

    if not artifacts:
        return None
    try:
        path = confined(Path(run_dir), Path(artifacts, TRACE_FILE))
    except ArtifactPathError:
        return None
    return path if path.is_file() else None


def show_trace_command(path: Path) -> str:
    """The command that opens a trace in Playwright's viewer (offline: it ships with Playwright's
    package, which Palaestra installs), with the path quoted for a shell.

    The viewer opens in Playwright's own Chromium; where that is not installed (Debian's Chromium
    only, as on our CI machines) ``show-trace`` fails, so the command asks it to serve the viewer on
    a port instead, for any browser to open at the address it prints."""
    serve = [] if playwright_chromium_installed() else ["--port", "9322"]
    return shlex.join(["python", "-m", "playwright", "show-trace", *serve, str(path)])


def playwright_chromium_installed() -> bool:
    """Whether Playwright's own Chromium (not the headless shell) is in its browsers folder."""
    import os

    default = Path.home() / ".cache" / "ms-playwright"
    folder = Path(os.environ.get("PLAYWRIGHT_BROWSERS_PATH") or default)
    return folder.is_dir() and any(p.name.startswith("chromium-") for p in folder.iterdir())


def trace_download_name(path: Path) -> str:
    """What a downloaded trace is called: its episode (`episodes/AGENT/TASK/SEED/trace.zip` ->
    `trace-AGENT-TASK-SEED.zip`), so that several downloads do not overwrite each other."""
    from palaestra.runs.artifacts import safe_part

    return "-".join(["trace", *(safe_part(p) for p in path.parent.parts[-3:])]) + ".zip"
