"""A model endpoint that went down mid-run stops the run instead of using up every episode's tries.

Each episode of an agent whose endpoint is down fails after its calls' own retries, is queued again,
fails again: a run of hundreds of episodes spends all their `--retries` in minutes, and resuming then
keeps them all as they ended. Once several episodes in a row (more than the workers in flight) have
ended ``model_unavailable``, with no other ending between them, the run stops, saying so; resuming
once the endpoint answers again runs them, since their tries are not used up.
"""

from __future__ import annotations

from palaestra.errors import PalaestraError
from palaestra.runs.records import EpisodeOutcome

#: The fewest consecutive `model_unavailable` endings that stop a run (each after its own retries).
MIN_IN_A_ROW = 5


class ModelOutage(PalaestraError, RuntimeError):
    """The model endpoint failed several episodes in a row: the run stopped, to be resumed."""


class OutageWatch:
    """Counts the episodes ending `model_unavailable` in a row, whatever their agent or worker."""

    def __init__(self, workers: int) -> None:
        self.threshold = max(MIN_IN_A_ROW, 2 * workers)
        self.in_a_row = 0

    def see(self, outcome: EpisodeOutcome) -> None:
        """Note one ending; raise `ModelOutage` when it makes the threshold."""
        self.in_a_row = self.in_a_row + 1 if outcome.error_kind == "model_unavailable" else 0
        if self.in_a_row >= self.threshold:
            first_line = next(iter(outcome.error_message.strip().splitlines()), "")
            raise ModelOutage(
                f"The model endpoint failed {self.in_a_row} episodes in a row, each after its own "
                f"retries (last: {first_line}). The run stopped rather than spend every episode's "
                "tries on an outage; its finished episodes are saved. Once the endpoint answers "
                "again, run the same command to resume (add --rerun-errors if it keeps episodes "
                "that used up their --retries)."
            )
