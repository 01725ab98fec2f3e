"""What an episode leaves behind: its trajectory files, its verdict's columns, its evidence.

Kept apart from `episode.py`, which plays the episode: these write what was played, off the step's
path, and none of them decides how an episode goes on or ends.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from palaestra.agents.base import AgentStep
from palaestra.envs.base import PalaestraEnv
from palaestra.envs.obs import Observation
from palaestra.redaction import redact_recorded
from palaestra.runs.records import EpisodeOutcome, StepRecord
from palaestra.runs.refused_prompt import kept_messages, prompt_sizes
from palaestra.runs.spec import EpisodeSpec
from palaestra.runs.trajectory import TrajectoryWriter


async def keep_evidence(env: PalaestraEnv, folder: Path, out: EpisodeOutcome) -> None:
    """The episode's evidence for `palaestra judge` into its folder, before its row exists; a
    failure to keep it costs the evidence (said in the record), never the episode."""
    from palaestra.runs import evidence

    try:
        kept = await env.aevidence()
        if kept is not None:
            out.extra["evidence"] = await asyncio.to_thread(evidence.save, folder, kept, out.task)
    except Exception as exc:
        out.extra["evidence_error"] = f"{type(exc).__name__}: {exc}"


#: The evaluator parts a site task's verdict scores (WebArena's evaluator kinds, on the self-hosted
#: sites' templates), kept so that `palaestra show` and the UI name the check that failed.
EVALUATOR_PARTS = ("string_match", "url_match", "program_html", "db_state")


def take_verdict(out: EpisodeOutcome, info: dict[str, Any]) -> None:
    """The task's verdict into the outcome; WebArena's tasks add the paper's, the corrected and
    Verified's columns, and why (`palaestra show`, the UI's episode page). A site task without
    columns keeps its evaluator parts' scores (`string_match 0`): without them a wrong answer on
    a site was a bare "failure". Both keep what each part wanted and read (`verdict["values"]`,
    per column, then per part), cut short by the evaluators: the researcher's, never the agent's."""
    out.success = bool(info.get("success"))
    verdict = info.get("task_info") or {}
    if verdict.get("columns"):
        out.extra["columns"] = verdict["columns"]
        keys = ("details", "errors", "verified", "stand_ins", "early_stop")
        out.extra["verdict"] = {k: verdict.get(k) for k in keys}
        details = verdict.get("details") or {}
        values = {m: d["values"] for m, d in details.items() if isinstance(d, dict) and d.get("values")}
        if values:  # apart from the scores, which the UI lists as they are
            out.extra["verdict"]["details"] = {
                m: {k: v for k, v in d.items() if k != "values"} if isinstance(d, dict) else d
                for m, d in details.items()
            }
            out.extra["verdict"]["values"] = values
        return
    parts = {k: float(verdict[k]) for k in EVALUATOR_PARTS if isinstance(verdict.get(k), int | float)}
    if parts:
        out.extra["verdict"] = {"details": {"evaluator": parts}}
        if isinstance(verdict.get("values"), dict):
            out.extra["verdict"]["values"] = {"evaluator": verdict["values"]}


class EpisodeRecorder:
    """Writes the episode as a trajectory (`palaestra.runs.trajectory`, the format the server writes
    too): what the agent saw at each step (observation n is the page it acted on at step n, 0 the
    page at reset), what it answered, and what that led to, off the step's path, with secrets
    redacted; the page after the last step is kept as the episode's final page."""

    def __init__(
        self, folder: Path, writer: ThreadPoolExecutor, screenshots: bool, spec: EpisodeSpec
    ) -> None:
        self.spec = spec
        self.refused_messages: list[dict[str, Any]] | None = None
        self.trajectory = TrajectoryWriter(folder, images=screenshots, pool=writer, redact=redact_recorded)

    def start(self, goal: str, obs: Observation) -> None:
        spec = self.spec
        self.trajectory.start(
            task=spec.task, seed=spec.seed, goal=goal, obs=obs, source="run", agent=spec.agent.display
        )

    def step(
        self, step: AgentStep, after: Observation, reward: float, terminated: bool, truncated: bool,
        info: dict[str, Any], timings: dict[str, float], demo: dict[str, Any] | None,
    ) -> StepRecord:  # fmt: skip
        """The record of a step: the observation it acted on, its action, and what that led to."""
        said = {
            "thoughts": step.thoughts, "messages": step.messages, "raw_response": step.raw_response,
            "tokens_in": step.tokens_in, "tokens_out": step.tokens_out, "cost": step.cost,
            "extra": step.extra,
        }  # fmt: skip
        line = self.trajectory.step(
            step.action, after, reward, terminated, truncated, info, timings=timings, agent=said, demo=demo
        )
        return StepRecord(
            index=line["index"], action=step.action, error=line["error"], reward=reward,
            tokens_in=step.tokens_in, tokens_out=step.tokens_out, cost=step.cost,
            screenshot=line["screenshot"], observation=line["observation"],
        )  # fmt: skip

    def refused(self, out: EpisodeOutcome, prompt: list[dict[str, Any]] | None) -> None:
        """A prompt the model refused as too long (`context_length`): its sizes into the episode's
        row, the messages into the trajectory's end line (`runs.refused_prompt`)."""
        if prompt:
            out.extra["refused_prompt"] = prompt_sizes(prompt)
            self.refused_messages = kept_messages(prompt)

    def finish(self, out: EpisodeOutcome) -> None:
        """End the trajectory and wait for its files: artifacts are complete before the row exists."""
        seen = self.trajectory.seen
        if len(seen) > len(out.steps):  # the page after the last step (or the one it stopped on)
            out.extra["final_observation"], out.extra["final_screenshot"], _ = seen[len(out.steps)]
        if seen:  # an episode whose reset failed has no page to show
            self.trajectory.end(
                outcome=out.outcome, success=out.success, reward=out.reward, error_kind=out.error_kind,
                error_message=out.error_message, elapsed_s=out.elapsed_s,
                resources=out.extra.get("resources"), refused_prompt=self._refused_prompt(out),
            )  # fmt: skip
        self.trajectory.close()

    def _refused_prompt(self, out: EpisodeOutcome) -> dict[str, Any] | None:
        if self.refused_messages is None or "refused_prompt" not in out.extra:
            return None
        return {**out.extra["refused_prompt"], "sent": self.refused_messages}
