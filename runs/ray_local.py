"""A local Ray instance for one run: on loopback only, with token authentication, gone with the run.

`ray.init()` on its own listens on every interface (GCS, raylet, dashboard and runtime-env agents,
every worker's gRPC server) and leaves some of its processes running for minutes after the process
that started it is killed. A run's local instance is instead:

- **loopback only**: Ray binds its services to the node's IP, and takes the loopback address for it
  when it is told it runs no cluster (`RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0`, read by Ray's
  `ray_constants` and inherited by every process it starts);
- **authenticated**: Ray (2.60) starts a new local instance with token authentication unless
  `RAY_AUTH_MODE=disabled` says otherwise; the token is kept in `~/.ray/auth_token`;
- **torn down with the run**: `stop()` shuts Ray down and kills whatever it left; and a reaper
  process (this file, run as a script) outlives a parent killed by SIGKILL, reads
  end-of-file on the pipe the parent held, and kills every process of the instance within a second.

Connecting to a cluster is never implicit: only `--ray-address` (or `PALAESTRA_RAY_ADDRESS`) does it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
from typing import Any

import psutil

#: Makes Ray take 127.0.0.1 as the node's address, so that every service binds to loopback.
LOOPBACK_ENV = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}
#: Attempts at starting the instance (Ray's own start-up timeout is fixed at 30 s).
STARTS = 2
#: How often the reaper refreshes its list of the instance's processes.
SNAPSHOT_S = 0.3


class LocalRay:
    """A Ray instance started by this process for one run. `stop()` (or the parent's death) ends it."""

    def __init__(self, ray: Any, num_cpus: int, runtime_env: dict[str, Any] | None = None) -> None:
        self.ray = ray
        before = {(p.pid, _created(p)) for p in psutil.Process().children()}
        saved = {k: os.environ.get(k) for k in LOOPBACK_ENV}
        os.environ.update(LOOPBACK_ENV)
        constants = sys.modules.get("ray._private.ray_constants")
        if constants is not None:  # Ray was imported before the variable was set: tell it too
            setattr(constants, "ENABLE_RAY_CLUSTER", False)  # noqa: B010  (a module Ray re-reads)
        try:
            for attempt in range(1, STARTS + 1):
                try:
                    ray.init(
                        address="local",
                        num_cpus=num_cpus,
                        include_dashboard=False,
                        log_to_driver=False,
                        runtime_env=runtime_env,
                    )
                    break
                except Exception:
                    # Ray gives its raylet a fixed 30 s to register, which a loaded machine can miss:
                    # what it started is killed, and it starts once more before the run gives up.
                    with contextlib.suppress(Exception):
                        ray.shutdown()
                    _kill(_family(_new_children(before)))
                    if attempt == STARTS:
                        raise
        finally:
            for key, value in saved.items():  # the driver's own settings are left as they were
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
        #: The processes Ray started here: its services, and below them its workers.
        self.roots = _new_children(before)
        self.reaper = _start_reaper(self.roots)

    def processes(self) -> list[psutil.Process]:
        """Every live process of the instance (services, agents, workers and their children)."""
        return _family(self.roots)

    def stop(self) -> None:
        """Shut Ray down, then kill whatever of it is left (SIGKILL)."""
        with contextlib.suppress(Exception):  # a broken instance is killed below all the same
            self.ray.shutdown()
        _kill(_family(self.roots))
        if self.reaper.stdin is not None:
            with contextlib.suppress(OSError):
                self.reaper.stdin.close()  # end of file: the reaper sweeps once more and exits
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.reaper.wait(timeout=10)


def _new_children(before: set[tuple[int, float]]) -> list[psutil.Process]:
    return [p for p in psutil.Process().children() if (p.pid, _created(p)) not in before]


def _created(process: psutil.Process) -> float:
    try:
        return process.create_time()
    except psutil.Error:
        return 0.0


def _family(roots: list[psutil.Process]) -> list[psutil.Process]:
    found: dict[int, psutil.Process] = {}
    for root in roots:
        with contextlib.suppress(psutil.Error):
            if root.is_running():
                found[root.pid] = root
                found.update((c.pid, c) for c in root.children(recursive=True))
    found.pop(os.getpid(), None)
    return list(found.values())


def _kill(processes: list[psutil.Process]) -> None:
    for process in processes:
        with contextlib.suppress(psutil.Error):
            process.send_signal(signal.SIGKILL)
    psutil.wait_procs(processes, timeout=5)


def _start_reaper(roots: list[psutil.Process]) -> subprocess.Popen[bytes]:
    """The reaper: its own session (Ctrl-C on the terminal does not reach it), fed the roots' pids
    on its stdin, whose end of file (the parent's death or `stop`) is its signal."""
    reaper = subprocess.Popen(
        [sys.executable, "-I", os.path.abspath(__file__)],  # this file alone: psutil, no Palaestra
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    assert reaper.stdin is not None
    reaper.stdin.write("".join(f"{p.pid} {_created(p)!r}\n" for p in roots).encode() + b"go\n")
    reaper.stdin.flush()
    return reaper


def _reap() -> None:
    """The reaper's body: follow the instance's processes until stdin ends, then kill them all.

    It keeps every process it has seen (a worker whose parent died is reparented, not forgotten)
    and adds their children at each look, so a process started a moment ago is killed too."""
    roots: list[psutil.Process] = []
    for line in sys.stdin:
        if line.strip() == "go":
            break
        pid, created = line.split()
        with contextlib.suppress(psutil.Error):
            process = psutil.Process(int(pid))
            if abs(process.create_time() - float(created)) < 0.01:  # the same process, not a reused pid
                roots.append(process)
    done = threading.Event()

    def wait_for_eof() -> None:
        sys.stdin.read()
        done.set()

    threading.Thread(target=wait_for_eof, daemon=True).start()
    known = _family(roots)
    while not done.wait(SNAPSHOT_S):
        known = [p for p in _family(known) if p.is_running()]
    _kill(_family(known))


if __name__ == "__main__":
    _reap()
