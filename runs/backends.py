"""Where episodes run: local worker processes (the default), or Ray actors on a cluster.

A backend takes episodes while it has idle workers and hands back outcomes. It owns the per-episode
timeout: an episode that outlives it has its worker killed — with its browser — and comes back as an
`episode_timeout` error, and the backend starts a fresh worker in its place for its next episode. A
desktop episode's resource figures are read just before the kill (`kill_figures`).
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import time
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any

import psutil

from palaestra.runs.kill_figures import figures_at_kill
from palaestra.runs.records import EpisodeOutcome
from palaestra.runs.spec import AgentEntry, EpisodeSpec, RunSettings


def error_outcome(spec: EpisodeSpec, kind: str, message: str, started: float, worker: str) -> EpisodeOutcome:
    """The outcome of an episode its worker could not report: killed at its timeout, or dead."""
    a = spec.agent
    return EpisodeOutcome(
        key=spec.key, agent=a.display, agent_name=a.name, agent_hash=a.config_hash, task=spec.task,
        seed=spec.seed, error_kind=kind, error_message=message, started=started, finished=time.time(),
        elapsed_s=time.time() - started, worker=worker,
    )  # fmt: skip


class Backend(ABC):
    def __init__(self, settings: RunSettings, run_dir: str, workers: int) -> None:
        self.settings, self.run_dir, self.workers = settings, run_dir, workers

    def timeout_message(self, worker: str) -> str:
        return (
            f"The episode ran longer than episode_timeout={self.settings.episode_timeout:g} s; "
            f"its {worker} and browser were killed."
        )

    @abstractmethod
    def idle_workers(self) -> list[str]:
        """The names of the workers that can take an episode now."""

    @abstractmethod
    def submit(self, spec: EpisodeSpec, worker: str) -> None:
        """Start `spec` on the idle worker named `worker`."""

    @abstractmethod
    def poll(self, timeout: float) -> list[EpisodeOutcome]:
        """Outcomes finished since the last poll, waiting up to `timeout` seconds for the first."""

    @abstractmethod
    def shutdown(self, *, kill: bool = False) -> None: ...


def kill_tree(pid: int) -> None:
    """Kill a process and every descendant (its Playwright driver and Chromium, which start their own
    process groups, so killing the group would miss them)."""
    try:
        root = psutil.Process(pid)
        family = [*root.children(recursive=True), root]
    except psutil.NoSuchProcess:
        return
    for proc in family:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.send_signal(signal.SIGKILL)
    _wait_exited(family, timeout=5.0)


def _wait_exited(family: list[psutil.Process], timeout: float) -> None:
    """Wait until every process has exited. A zombie has: it holds no memory, files or CPU, only
    its exit status, which its new parent collects when it gets round to it (a container's init
    took about a second), so waiting for it to vanish, as ``psutil.wait_procs`` does, waits for
    nothing. The worker itself, our child, is reaped by its ``join``."""
    deadline = time.monotonic() + timeout
    while any(_running(proc) for proc in family) and time.monotonic() < deadline:
        time.sleep(0.02)


def _running(proc: psutil.Process) -> bool:
    try:
        return proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _die_with_parent() -> None:
    """Ask Linux to kill this worker when the run's process dies, even by SIGKILL."""
    with contextlib.suppress(OSError):  # elsewhere than Linux, workers notice the closed pipe instead
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _worker_main(conn: Connection, settings: RunSettings, run_dir: str, name: str) -> None:
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    import palaestra  # noqa: F401  (registers the task suites)
    from palaestra.redaction import redact_logs
    from palaestra.runs.episode import EpisodeWorker

    redact_logs()

    worker = EpisodeWorker(settings, run_dir, name)
    try:
        while True:
            try:
                spec = conn.recv()
            except EOFError:
                return
            if spec is None:
                return
            worker.prepare(spec)  # counted against the boot allowance, not the episode's timeout
            conn.send(_STARTED)
            conn.send(worker.run(spec))
    finally:
        worker.close()


_STARTED = "started"
#: Time a fresh worker may take to import Palaestra before its first episode's clock starts.
BOOT_ALLOWANCE_S = 120.0


@dataclass
class _Slot:
    name: str
    process: BaseProcess
    conn: Connection
    spec: EpisodeSpec | None = None
    started: float = 0.0
    running: bool = False
    #: Its worker was killed; the next episode given to it starts a fresh one (not before: a run
    #: whose last episode was killed would wait for a worker it never uses to boot and stop).
    killed: bool = False

    def deadline(self, episode_timeout: float) -> float:
        return self.started + episode_timeout + (0.0 if self.running else BOOT_ALLOWANCE_S)


class LocalBackend(Backend):
    """Worker processes on this machine, started with `spawn` (the event loop runs in a thread)."""

    def __init__(self, settings: RunSettings, run_dir: str, workers: int) -> None:
        super().__init__(settings, run_dir, workers)
        self.context = multiprocessing.get_context("spawn")
        self.slots = [self._start(f"w{i}") for i in range(workers)]

    def _start(self, name: str) -> _Slot:
        parent, child = self.context.Pipe()
        process = self.context.Process(
            target=_worker_main, args=(child, self.settings, self.run_dir, name), name=f"palaestra-{name}"
        )
        process.start()
        child.close()
        return _Slot(name, process, parent)

    def idle_workers(self) -> list[str]:
        return [s.name for s in self.slots if s.spec is None]

    def submit(self, spec: EpisodeSpec, worker: str) -> None:
        slot = next(s for s in self.slots if s.name == worker and s.spec is None)
        if slot.killed:
            fresh = self._start(slot.name)
            slot.process, slot.conn, slot.killed = fresh.process, fresh.conn, False
        slot.spec, slot.started, slot.running = spec, time.time(), False
        with contextlib.suppress(OSError):  # the worker died; poll() notices and reports it
            slot.conn.send(spec)

    def poll(self, timeout: float) -> list[EpisodeOutcome]:
        busy = [s for s in self.slots if s.spec is not None]
        if not busy:
            return []
        deadline = min(s.deadline(self.settings.episode_timeout) for s in busy)
        ready = wait([s.conn for s in busy], timeout=max(0.0, min(timeout, deadline - time.time())))
        outcomes: list[EpisodeOutcome] = []
        for slot in busy:
            assert slot.spec is not None
            if slot.conn in ready:
                try:
                    message: Any = slot.conn.recv()
                except (EOFError, OSError):
                    code = slot.process.exitcode
                    outcomes.append(
                        self._replace(slot, "worker_died", f"The worker process died (exit code {code}).")
                    )
                    continue
                if message == _STARTED:
                    slot.started, slot.running = time.time(), True
                    continue
                outcomes.append(message)
                slot.spec = None
            elif time.time() > slot.deadline(self.settings.episode_timeout):
                outcomes.append(self._replace(slot, "episode_timeout", self.timeout_message("worker")))
        return outcomes

    def _replace(self, slot: _Slot, kind: str, message: str) -> EpisodeOutcome:
        assert slot.spec is not None
        outcome = error_outcome(slot.spec, kind, message, slot.started, slot.name)
        if slot.process.pid is not None:
            if kind == "episode_timeout" and slot.running:  # a desktop episode's figures so far
                figures = figures_at_kill(slot.process.pid, slot.started)
                if figures is not None:
                    outcome.extra["resources"] = figures
            kill_tree(slot.process.pid)
        slot.process.join(5)
        slot.conn.close()
        slot.spec, slot.killed = None, True
        return outcome

    def shutdown(self, *, kill: bool = False) -> None:
        live = [slot for slot in self.slots if not slot.killed]
        for slot in live:
            if kill or slot.spec is not None:
                if slot.process.pid is not None:
                    kill_tree(slot.process.pid)
                continue
            with contextlib.suppress(OSError):
                slot.conn.send(None)
        for slot in live:
            slot.process.join(30)
            if slot.process.is_alive() and slot.process.pid is not None:
                kill_tree(slot.process.pid)
            slot.conn.close()


def default_workers(pending: int) -> int:
    """One worker per core (each holds a browser), never more than there are episodes."""
    return max(1, min(os.cpu_count() or 1, pending))


def make_backend(
    settings: RunSettings, run_dir: str, workers: int, agents: Sequence[AgentEntry] = ()
) -> Backend:
    """The run's backend; ``agents`` are the run's, whose own modules Ray's actors are sent."""
    if settings.backend == "ray":
        from palaestra.runs.ray_backend import RayBackend

        return RayBackend(settings, run_dir, workers, agents)
    return LocalBackend(settings, run_dir, workers)
