"""The evaluation runner: every (agent, task, seed) episode of a run, resumable by default.

Running the same command again skips finished episodes and re-runs only those that errored for
infrastructure reasons, up to the retry limit. Results are written by this process alone, one
transaction per episode as it ends, so Ctrl-C or SIGKILL never loses a finished episode.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TextIO

from palaestra.agents.llm.ledger import LEDGER_FILE, attempt_spent
from palaestra.config import format_seeds
from palaestra.redaction import SECRETS, redact, secret_values
from palaestra.runs.artifacts import API_FEEDBACK, API_REPORT
from palaestra.runs.backends import Backend, default_workers, make_backend
from palaestra.runs.outage import ModelOutage, OutageWatch
from palaestra.runs.plan_notes import embedded_model_note, kept_errors, oracle_note
from palaestra.runs.progress import Progress
from palaestra.runs.records import RESUMED_ERRORS, RETRYABLE_ERRORS, EpisodeOutcome
from palaestra.runs.repro import changed_sources, reproducibility_record
from palaestra.runs.resume import check_compatible
from palaestra.runs.run_lock import hold_run
from palaestra.runs.spec import EpisodeSpec, RunConfig
from palaestra.runs.storage import STORAGE_ERROR, RunStorageError, is_storage_failure, storage_stop
from palaestra.runs.store import DB_NAME, RunStore

#: How many of a task's next seeds a worker is told of (its environment prepares at most 2 ahead).
UPCOMING_HINT = 4


@dataclass
class RunResult:
    total: int
    skipped: int
    finished: int
    errored: int
    succeeded: int
    interrupted: bool
    elapsed_s: float
    #: The signal that interrupted the run (SIGINT for Ctrl-C, SIGTERM for `kill`, `timeout`, a batch
    #: scheduler's time limit), 0 when it was not interrupted.
    signal: int = 0


def pending_episodes(
    episodes: list[EpisodeSpec],
    status: dict[str, tuple[str, str, int]],
    retries: int,
    rerun_errors: bool = False,
) -> tuple[list[EpisodeSpec], int]:
    """Which episodes still need a run: never run, errored for a retryable reason with tries left,
    stopped by the LLM budget (which the user may have raised since), or, with ``rerun_errors``,
    errored at all."""
    todo: list[EpisodeSpec] = []
    for spec in episodes:
        state = status.get(spec.key)
        if state is None:
            todo.append(spec)
            continue
        kind, error, attempts = state
        retry = error in RETRYABLE_ERRORS and attempts <= retries
        if kind == "error" and (retry or error in RESUMED_ERRORS or rerun_errors):
            todo.append(spec)
    return todo, len(episodes) - len(todo)


def describe_plan(config: RunConfig) -> str:
    """What `run_eval(config)` would do, checked as it would check it, with nothing run or written."""
    settings = config.settings
    episodes = config.episodes()
    status: dict[str, tuple[str, str, int]] = {}
    if settings.out and (Path(settings.out) / DB_NAME).is_file():
        with RunStore(settings.out, readonly=True) as store:
            check_compatible(store, config)
            status = store.status()
    todo, skipped = pending_episodes(episodes, status, settings.retries, settings.rerun_errors)
    tasks = list(dict.fromkeys(e.task for e in episodes))  # in the order the run takes them
    shown = ", ".join(tasks[:5]) + (f" and {len(tasks) - 5} more" if len(tasks) > 5 else "")
    into = f"into {settings.out}" if settings.out else "(no --out given: nothing would be written)"
    return (
        f"Would run {len(todo)} of {len(episodes)} episodes {into} ({skipped} finished "
        f"already): agents {', '.join(a.display for a in config.agents)} x {len(tasks)} tasks ({shown}) "
        f"x seeds {format_seeds(config.seeds)}, "
        f"{settings.workers or default_workers(max(1, len(todo)))} worker(s), backend {settings.backend}."
    ) + "".join(
        f" {note}"
        for note in (kept_errors(episodes, status, todo), oracle_note(todo), embedded_model_note(todo))
        if note
    )


def run_eval(
    config: RunConfig,
    *,
    stream: TextIO | None = None,
    live: bool | None = None,
    argv: list[str] | None = None,
) -> RunResult:
    """Play every episode of `config` not yet finished in its ``out``; see the module's docstring.

    Raises `RunStorageError` when the run directory cannot be written (at the start or mid-run)."""
    try:
        return _run_eval(config, stream=stream, live=live, argv=argv)
    except RunStorageError:
        raise
    except Exception as exc:
        if is_storage_failure(exc):
            raise storage_stop(config.settings.out, f"{type(exc).__name__}: {exc}") from exc
        raise


def _run_eval(
    config: RunConfig, *, stream: TextIO | None, live: bool | None, argv: list[str] | None
) -> RunResult:
    settings = config.settings
    episodes = config.episodes()
    started = time.perf_counter()
    for agent in config.agents:  # redacted wherever they reappear: records, messages, logs
        SECRETS.remember(secret_values(agent.args_dict()))
    with hold_run(settings.out), RunStore(settings.out) as store:
        check_compatible(store, config)
        store.mark_killed_invocations()  # none is running while this one holds the run's lock
        store.set_meta("config", redact(config.to_json()))
        status = store.status()
        todo, skipped = pending_episodes(episodes, status, settings.retries, settings.rerun_errors)
        progress = Progress(total=len(todo), skipped=skipped, stream=stream, live=live)
        if skipped:
            progress.close(
                f"Resuming: {skipped} of {len(episodes)} episodes already finished; {len(todo)} to run."
            )
            if note := kept_errors(episodes, status, todo):
                progress.close(note)
        for note in (oracle_note(todo), embedded_model_note(todo)):
            if note:
                progress.close(note)
        record = reproducibility_record(config, argv)
        finished = {row["agent"] for row in store.episodes() if row["status"] == "done"}
        for note in changed_sources(store.invocations(), record, finished):
            progress.close(note)
        invocation = store.begin_invocation(record)
        result = RunResult(len(episodes), skipped, 0, 0, 0, False, 0.0)
        if not todo:
            store.end_invocation(invocation, "complete")
            return result
        workers = settings.workers or default_workers(len(todo))
        backend = make_backend(
            settings, os.path.abspath(settings.out), min(workers, len(todo)), config.agents
        )
        try:
            with _interruptible() as stopped_by:
                watch = OutageWatch(min(workers, len(todo)))
                _drive(backend, deque(todo), store, invocation, progress, settings.retries, result, watch)
        except KeyboardInterrupt:
            result.interrupted = True
            result.signal = stopped_by.get("signal", signal.SIGINT)
            backend.shutdown(kill=True)
            store.end_invocation(invocation, "interrupted")
            by = " by SIGTERM" if result.signal == signal.SIGTERM else ""
            progress.close(f"Interrupted{by}: finished episodes are saved; run the same command to resume.")
        except (RunStorageError, ModelOutage):
            backend.shutdown(kill=True)
            with contextlib.suppress(Exception):  # the database may be the part that cannot be written
                store.end_invocation(invocation, "stopped")
            raise
        except BaseException:  # no worker, browser or Ray process may outlive a failed run
            backend.shutdown(kill=True)
            raise
        else:
            backend.shutdown()
            store.end_invocation(invocation, "complete")
            progress.close(f"Finished: {progress.summary()}")
        finally:
            write_api_report(settings.out)
    result.elapsed_s = time.perf_counter() - started
    return result


@contextlib.contextmanager
def _interruptible() -> Iterator[dict[str, int]]:
    """Ctrl-C (SIGINT) interrupts the run even when the process started with SIGINT ignored, as
    anything launched in the background of a non-interactive shell (``cmd &``) does: Python then
    installs no handler, and the run would finish instead of stopping.

    SIGTERM stops it the same way. It is what `kill`, `timeout`, `docker stop` and batch schedulers
    at a job's time limit (Slurm, Kubernetes) send; by default it ended the process on the spot,
    leaving its invocation marked running forever, the workers to notice alone, and no word said.
    Yields where the signal that stopped the run is noted (Ray's waits turn the KeyboardInterrupt
    raised into one of their own, so its type cannot say)."""
    stopped_by: dict[str, int] = {}
    if threading.current_thread() is not threading.main_thread():
        yield stopped_by
        return

    def terminate(signum: int, frame: object) -> None:
        stopped_by["signal"] = signum
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    previous_term = signal.signal(signal.SIGTERM, terminate)
    try:
        yield stopped_by
    finally:
        signal.signal(signal.SIGINT, previous)
        signal.signal(signal.SIGTERM, previous_term)


def write_api_report(run_dir: str | os.PathLike[str]) -> Path | None:
    """Write the APIs that failed most (and why) next to the run's database, when its agents called
    any API; returns the report's path."""
    database = Path(run_dir) / API_FEEDBACK
    if not database.exists():
        return None
    from palaestra.routing.feedback import FeedbackStore

    with FeedbackStore(database) as feedback:
        report = Path(run_dir) / API_REPORT
        report.write_text(feedback.render_report(), encoding="utf-8")
    return report


def _drive(
    backend: Backend,
    queue: deque[EpisodeSpec],
    store: RunStore,
    invocation: int,
    progress: Progress,
    retries: int,
    result: RunResult,
    watch: OutageWatch,
) -> None:
    specs = {spec.key: spec for spec in queue}
    last_task: dict[str, str] = {}  # worker -> the task its environment is open on
    running: dict[str, str] = {}  # episode key -> worker
    while queue or running:
        for worker in backend.idle_workers():
            if not queue:
                break
            busy = {specs[key].task for key in running}
            spec = next_for(queue, last_task.get(worker), busy)
            backend.submit(replace(spec, upcoming=upcoming_seeds(queue, spec.task)), worker)
            running[spec.key], last_task[worker] = worker, spec.task
        for outcome in backend.poll(timeout=0.25):
            running.pop(outcome.key, None)
            attempts = _record(store, outcome, invocation)
            watch.see(outcome)  # an endpoint down for every episode stops the run
            retry = outcome.errored and outcome.retryable and attempts <= retries
            if retry:
                queue.append(specs[outcome.key])
            _count(result, outcome, retry)
            progress.update(outcome, retry)
        progress.draw()


def _record(store: RunStore, outcome: EpisodeOutcome, invocation: int) -> int:
    """`store.record`, and the stop of the run when its directory refuses writes: every episode
    after this one would fail alike, each restarting its worker, so none is run."""
    ledger = attempt_spent(store.run_dir / LEDGER_FILE, outcome.key)  # what killed attempts spent
    try:
        attempts = store.record(outcome, invocation, ledger)
    except Exception as exc:
        if is_storage_failure(exc):
            raise storage_stop(store.run_dir, f"its database: {type(exc).__name__}: {exc}") from exc
        raise
    if outcome.error_kind == STORAGE_ERROR:
        raise storage_stop(store.run_dir, f"an episode's files: {outcome.error_message}")
    return attempts


def next_for(queue: deque[EpisodeSpec], last_task: str | None, busy: set[str]) -> EpisodeSpec:
    """The episode an idle worker should play next, taken out of the queue.

    A worker keeps to the task its environment is open on (the next episode's page is already
    prepared there); when that task is done, it moves to a task no other worker is on, so that two
    workers do not take turns on one task and each reopen the other's environment.
    """
    chosen = next((s for s in queue if s.task == last_task), None)
    if chosen is None:
        chosen = next((s for s in queue if s.task not in busy), queue[0])
    queue.remove(chosen)
    return chosen


def upcoming_seeds(queue: deque[EpisodeSpec], task: str) -> tuple[int, ...]:
    """The seeds of `task` still queued, in the order `next_for` will hand them out: what a worker
    that keeps to `task` plays next, so its environment prepares pages for those and no others."""
    return tuple(s.seed for s in queue if s.task == task)[:UPCOMING_HINT]


def _count(result: RunResult, outcome: EpisodeOutcome, retry: bool) -> None:
    if outcome.errored:
        result.errored += not retry
    else:
        result.finished += 1
        result.succeeded += outcome.success
