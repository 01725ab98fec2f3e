"""What a worker reports about one episode, and how its ending is classified.

Two kinds of bad ending are kept apart everywhere: a *failure* is a result (the agent answered wrong
or ran out of steps), an *error* is the infrastructure's fault (the browser crashed, the episode hung,
the model endpoint was down) and says nothing about the agent, so errored episodes are retried.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Outcomes of a finished episode (a result about the agent).
SUCCESS, FAILURE, STEP_LIMIT = "success", "failure", "step_limit"

#: Error kinds caused by the infrastructure: retried up to the run's retry limit.
RETRYABLE_ERRORS = frozenset(
    {
        "browser_crashed",
        "site_crashed",
        "step_timeout",
        "environment_error",
        "reset_failed",
        "episode_timeout",
        "worker_died",
        "model_unavailable",
        # A desktop's machinery (`envs.desktop`): its display, window manager or session stopped
        # answering, or an app died of a signal, hung or never became ready. The next reset replaces them.
        "display_crashed",
        "openbox_crashed",
        "session_timeout",
        "app_crashed",
        "app_not_ready",
        "app_not_responding",
    }
)
#: Error kinds of outcomes the run writes for a worker that could not report: it was killed (at its
#: episode_timeout) or died. What its model calls spent is read from the run's ledger instead.
UNREPORTED_ERRORS = frozenset({"episode_timeout", "worker_died"})
#: Error kinds not retried within an invocation (nothing would change) but run again when the run is
#: resumed: the LLM budget was spent, and resuming with a larger one continues the run; the run's
#: directory could not be written (`runs.storage`: the run stops), and resuming once it can continues.
RESUMED_ERRORS = frozenset({"budget_exceeded", "storage_error"})
#: Error kinds that retrying cannot fix (a bug in the agent, a wrong configuration, a prompt longer
#: than the model's window however the agent shrank it; a desktop that cannot start here: programs
#: missing, or no desktop user to be had from its pool).
PERMANENT_ERRORS = frozenset(
    {"agent_error", "config_error", "model_request", "context_length", "desktop_unavailable", "task_error"}
)


#: `EpisodeOutcome.extra`'s record of model calls paid for by a step that raised, hence in no step
#: (`runs.spending.keep_unstepped_spend`); the episode's tokens and cost include it.
UNSTEPPED_SPEND = "spent_outside_steps"


@dataclass
class StepRecord:
    index: int
    action: str
    error: str = ""
    reward: float = 0.0
    env_s: float = 0.0
    agent_s: float = 0.0
    #: Time the runner itself spent on this step (recording, bookkeeping): everything but env and agent.
    overhead_s: float = 0.0
    tokens_in: int = 0
    tokens_out: int = 0
    cost: float = 0.0
    screenshot: str = ""
    observation: str = ""


@dataclass
class EpisodeOutcome:
    """One attempt at an episode. `outcome` is set when it finished; `error_kind` when it errored."""

    key: str
    agent: str
    agent_name: str
    agent_hash: str
    task: str
    seed: int
    outcome: str = ""
    error_kind: str = ""
    error_message: str = ""
    success: bool = False
    reward: float = 0.0
    steps: list[StepRecord] = field(default_factory=list)
    goal: str = ""
    reset_s: float = 0.0
    elapsed_s: float = 0.0
    started: float = 0.0
    finished: float = 0.0
    artifacts: str = ""
    worker: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def errored(self) -> bool:
        return bool(self.error_kind)

    @property
    def retryable(self) -> bool:
        return self.error_kind in RETRYABLE_ERRORS

    @property
    def tokens_in(self) -> int:
        return sum(s.tokens_in for s in self.steps) + int(self._unstepped().get("tokens_in", 0))

    @property
    def tokens_out(self) -> int:
        return sum(s.tokens_out for s in self.steps) + int(self._unstepped().get("tokens_out", 0))

    @property
    def cost(self) -> float:
        return sum(s.cost for s in self.steps) + float(self._unstepped().get("cost", 0.0))

    def _unstepped(self) -> dict[str, Any]:
        """Spending of a step that raised after paying for model calls (`runs.spending`)."""
        spent = self.extra.get(UNSTEPPED_SPEND)
        return spent if isinstance(spent, dict) else {}
