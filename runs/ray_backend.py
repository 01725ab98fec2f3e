"""The Ray backend: the same episode workers as Ray actors, for runs across a cluster.

`--backend ray` connects to the cluster named by `--ray-address` (or `PALAESTRA_RAY_ADDRESS`), and
only then: otherwise it starts a local Ray instance sized to the run, bound to loopback and torn
down with the run (`ray_local`), whatever `RAY_ADDRESS` says. Each actor is an `EpisodeWorker`
holding its own browser; an episode past its timeout gets its actor killed (with the actor's
processes) and a fresh one started.
Ray is an optional extra: `pip install 'palaestra[ray]'`.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from palaestra.agents.registry import import_from_here
from palaestra.config import ConfigError
from palaestra.runs.backends import Backend, error_outcome
from palaestra.runs.ray_local import LocalRay
from palaestra.runs.records import EpisodeOutcome
from palaestra.runs.spec import AgentEntry, EpisodeSpec, RunSettings
from palaestra.runs.task_env import TASK_ENV


class _ActorWorker:
    """Runs inside a Ray worker process."""

    def __init__(self, settings: RunSettings, run_dir: str, name: str) -> None:
        import palaestra  # noqa: F401
        from palaestra.redaction import redact_logs
        from palaestra.runs.episode import EpisodeWorker

        redact_logs()

        self.worker = EpisodeWorker(settings, run_dir, name)

    def run(self, spec: EpisodeSpec) -> EpisodeOutcome:
        self.worker.prepare(spec)  # loading the agent and browser is not the episode's time
        return self.worker.run(spec)

    def close(self) -> None:
        self.worker.close()


@dataclass
class _Slot:
    name: str
    actor: Any
    ref: Any = None
    spec: EpisodeSpec | None = None
    started: float = 0.0


def agent_modules(names: Sequence[str]) -> list[str]:
    """The files of the agents given as ``package.module:Class`` that are not installed packages
    (found in the driver's directory, or through its PYTHONPATH), for the job's ``py_modules``.

    Ray's workers get the driver's directory on their path, but only where that directory exists,
    and not the driver's PYTHONPATH on a cluster: on another machine the agent would not import.
    ``py_modules`` uploads just the agent's top-level module (a ``.py`` file, or a package's
    folder) to the cluster and puts it on every worker's path, on a local Ray and on a cluster
    alike; ``working_dir`` would upload the whole directory, run folders and virtual environment
    included, and move the workers into it. Installed modules (and Palaestra) are left out: the
    nodes install those.
    """
    installed = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()}
    found: list[str] = []
    for name in names:
        top = name.partition(":")[0].partition(".")[0]
        if ":" not in name or top == "palaestra":
            continue
        try:
            module = import_from_here(top)
        except ImportError:
            continue
        folders = list(getattr(module, "__path__", []))
        path = Path(folders[0] if len(folders) == 1 else getattr(module, "__file__", None) or "").resolve()
        packaged = any(path.is_relative_to(p) for p in installed) or {"site-packages", "dist-packages"} & set(
            path.parts
        )
        if path.stem == top and not packaged and str(path) not in found:
            found.append(str(path))
    return found


#: What workers read from the environment that the driver's command line or user sets: WebArena's
#: sites (`--site` travels in `PALAESTRA_WEBARENA_SITES`) and task files, and the other suites'
#: data (`runs.task_env`, which the run's record keeps too). A cluster's workers do not inherit the
#: driver's environment, so without these an official task given `--site gitlab=...` ran on the
#: stand-in there, silently. No secrets are among them.
FORWARDED_ENV = TASK_ENV


def job_runtime_env(modules: Sequence[str]) -> dict[str, Any] | None:
    """The job's Ray runtime environment: the agents' local modules (`agent_modules`) and the
    driver's values of `FORWARDED_ENV`; None when there is neither."""
    runtime_env: dict[str, Any] = {}
    if modules:
        runtime_env["py_modules"] = list(modules)
    env_vars = {name: os.environ[name] for name in FORWARDED_ENV if os.environ.get(name)}
    if env_vars:
        runtime_env["env_vars"] = env_vars
    return runtime_env or None


class RayBackend(Backend):
    def __init__(
        self, settings: RunSettings, run_dir: str, workers: int, agents: Sequence[AgentEntry] = ()
    ) -> None:
        super().__init__(settings, run_dir, workers)
        try:
            import ray
        except ImportError:
            raise ConfigError("--backend ray needs Ray: pip install 'palaestra[ray]'.") from None
        self.ray = ray
        self.local: LocalRay | None = None
        # Agents given as package.module:Class from the driver's directory travel with the job:
        # Ray uploads local modules only for a whole job (`ray.init`), not for one actor.
        runtime_env = job_runtime_env(agent_modules([agent.name for agent in agents]))
        if settings.ray_address:
            if not ray.is_initialized():
                ray.init(address=settings.ray_address, log_to_driver=False, runtime_env=runtime_env)
        elif not ray.is_initialized():
            self.local = LocalRay(ray, num_cpus=workers, runtime_env=runtime_env)
        # The run directory must be reachable from every node (a shared filesystem on clusters).
        self.actor_cls = ray.remote(num_cpus=1)(_ActorWorker)
        self.slots = [_Slot(f"ray{i}", self._actor(f"ray{i}")) for i in range(workers)]

    def _actor(self, name: str) -> Any:
        return self.actor_cls.remote(self.settings, os.path.abspath(self.run_dir), name)

    def idle_workers(self) -> list[str]:
        return [s.name for s in self.slots if s.spec is None]

    def submit(self, spec: EpisodeSpec, worker: str) -> None:
        slot = next(s for s in self.slots if s.name == worker and s.spec is None)
        slot.spec, slot.started, slot.ref = spec, time.time(), slot.actor.run.remote(spec)

    def poll(self, timeout: float) -> list[EpisodeOutcome]:
        busy = [s for s in self.slots if s.spec is not None]
        if not busy:
            return []
        deadline = min(s.started for s in busy) + self.settings.episode_timeout
        wait_s = max(0.0, min(timeout, deadline - time.time()))
        ready, _ = self.ray.wait([s.ref for s in busy], num_returns=len(busy), timeout=wait_s)
        outcomes: list[EpisodeOutcome] = []
        for slot in busy:
            assert slot.spec is not None
            if slot.ref in ready:
                try:
                    outcomes.append(self.ray.get(slot.ref))
                    slot.spec = None
                except self.ray.exceptions.RayActorError as exc:
                    outcomes.append(self._replace(slot, "worker_died", f"The Ray actor died: {exc}"))
            elif time.time() - slot.started > self.settings.episode_timeout:
                outcomes.append(self._replace(slot, "episode_timeout", self.timeout_message("Ray actor")))
        return outcomes

    def _replace(self, slot: _Slot, kind: str, message: str) -> EpisodeOutcome:
        assert slot.spec is not None
        outcome = error_outcome(slot.spec, kind, message, slot.started, slot.name)
        self.ray.kill(slot.actor, no_restart=True)
        slot.actor, slot.spec, slot.ref = self._actor(slot.name), None, None
        return outcome

    def shutdown(self, *, kill: bool = False) -> None:
        if not kill:  # let idle actors close their browsers before they go
            closing = [s.actor.close.remote() for s in self.slots if s.spec is None]
            self.ray.wait(closing, num_returns=len(closing), timeout=30)
        for slot in self.slots:
            self.ray.kill(slot.actor, no_restart=True)
        if self.local is not None:
            self.local.stop()
