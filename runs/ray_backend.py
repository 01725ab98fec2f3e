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
import time
from dataclasses import dataclass
from typing import Any

from palaestra.config import ConfigError
from palaestra.runs.backends import Backend, error_outcome
from palaestra.runs.ray_local import LocalRay
from palaestra.runs.records import EpisodeOutcome
from palaestra.runs.spec import EpisodeSpec, RunSettings


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


class RayBackend(Backend):
    def __init__(self, settings: RunSettings, run_dir: str, workers: int) -> None:
        super().__init__(settings, run_dir, workers)
        try:
            import ray
        except ImportError:
            raise ConfigError("--backend ray needs Ray: pip install 'palaestra[ray]'.") from None
        self.ray = ray
        self.local: LocalRay | None = None
        if settings.ray_address:
            if not ray.is_initialized():
                ray.init(address=settings.ray_address, log_to_driver=False)
        elif not ray.is_initialized():
            self.local = LocalRay(ray, num_cpus=workers)
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
