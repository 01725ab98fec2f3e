"""Playing episodes: one agent against one environment, with every step recorded.

An `EpisodeWorker` lives in one process (a local worker or a Ray actor) with its own event loop. It
keeps one environment per task and one agent per configuration, so a browser and a loaded model serve
many episodes. It never raises for an episode: whatever happens becomes an `EpisodeOutcome`.
"""

from __future__ import annotations

import asyncio
import os
import time
import traceback
import uuid
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from palaestra.agents.agent_shape import next_step
from palaestra.agents.base import Agent, TaskInfo
from palaestra.agents.demos import record_step
from palaestra.agents.llm.errors import (
    BudgetExceeded,
    LLMContextLengthError,
    LLMRequestError,
    LLMUnavailableError,
)
from palaestra.agents.llm.ledger import LEDGER_FILE, EpisodeAttempt, SpendLedger, charging
from palaestra.agents.llm.retry_tally import RetryTally, tallying
from palaestra.agents.llm.spend_tally import SpendTally, tallying_spend
from palaestra.config import ConfigError
from palaestra.envs.base import PalaestraEnv, make_env
from palaestra.envs.desktop.tmp_namespace import hide_from_sessions
from palaestra.envs.obs import VIEWS, ObsConfig, Observation
from palaestra.errors import PalaestraError, TaskError
from palaestra.redaction import SECRETS, redact_text, secret_values
from palaestra.runs.artifacts import API_FEEDBACK, episode_dir
from palaestra.runs.attempt_spending import OWN_ATTEMPT
from palaestra.runs.early_stops import EarlyStops
from palaestra.runs.episode_record import EpisodeRecorder, keep_evidence, take_verdict
from palaestra.runs.records import FAILURE, STEP_LIMIT, SUCCESS, EpisodeOutcome
from palaestra.runs.resources import keep_resources, take_resources
from palaestra.runs.spec import AgentEntry, EpisodeSpec, RunSettings
from palaestra.runs.spending import add_step_counts, keep_unstepped_spend
from palaestra.runs.step_count import StepCount
from palaestra.runs.storage import STORAGE_ERROR, is_storage_failure
from palaestra.runs.tracing import OFF, TRACE_FILE, keep_trace
from palaestra.runs.views import AgentViews
from palaestra.tasks.registry import suite_of

if TYPE_CHECKING:
    from palaestra.routing.feedback import FeedbackStore

#: Environments kept open per worker; episodes come grouped by task, so a small cache suffices.
_ENV_CACHE = 2


class EpisodeWorker:
    """Plays episodes one at a time; `run` is synchronous so processes and Ray actors can call it."""

    def __init__(self, settings: RunSettings, run_dir: str, worker: str = "") -> None:
        self.settings = settings
        self.run_dir = Path(run_dir).resolve()  # artifact paths resolve, and are recorded relative to it
        hide_from_sessions(self.run_dir)  # a desktop agent's terminal would read the other episodes'
        self.worker = worker or f"pid{os.getpid()}"
        self.loop = asyncio.new_event_loop()
        self.envs: OrderedDict[str, PalaestraEnv] = OrderedDict()
        self.agents: dict[str, Agent] = {}
        self.writer = ThreadPoolExecutor(1, thread_name_prefix="artifacts")
        self.feedback: FeedbackStore | None = None  # opened by the first task with tools
        #: The run's LLM spending, shared with every other worker (see `agents.llm.ledger`).
        self.ledger = SpendLedger(self.run_dir / LEDGER_FILE, settings.budget_tokens, settings.budget_cost)

    def run(self, spec: EpisodeSpec) -> EpisodeOutcome:
        return self.loop.run_until_complete(self.arun(spec))

    def prepare(self, spec: EpisodeSpec) -> None:
        """Build the episode's agent and environment and start its browser, before its clock starts.

        Loading a model or launching a browser on a busy machine can take longer than a short episode;
        a failure here is left for `run` to report as the episode's error.
        """
        try:
            agent = self._agent(spec.agent)
            env = self._env(spec.task, agent.observation_parts())

            async def launch() -> None:  # a browser belongs to the running loop
                await env.awarm()
                with charging(self.ledger, spec.agent.config_hash):
                    await agent.awarm()  # models and indexes load here, not in the first episode

            self.loop.run_until_complete(launch())
        except Exception:
            return

    def close(self) -> None:
        for env in self.envs.values():
            self.loop.run_until_complete(env.aclose())
        for agent in self.agents.values():
            self.loop.run_until_complete(agent.aclose())
        self.writer.shutdown()
        self.loop.close()
        self.ledger.close()
        if self.feedback is not None:
            self.feedback.close()

    async def arun(self, spec: EpisodeSpec) -> EpisodeOutcome:
        a = spec.agent
        out = EpisodeOutcome(
            key=spec.key, agent=a.display, agent_name=a.name, agent_hash=a.config_hash,
            task=spec.task, seed=spec.seed, started=time.time(), worker=self.worker,
        )  # fmt: skip
        try:
            folder = episode_dir(self.run_dir, a.display, spec.task, spec.seed, fresh=True)
        except OSError as exc:  # a read-only or full disk: said so, not a dead worker
            if not is_storage_failure(exc):
                raise
            out.error_kind, out.error_message = STORAGE_ERROR, f"{type(exc).__name__}: {exc}"
            return out
        out.artifacts = str(folder.relative_to(self.run_dir))
        recorder = EpisodeRecorder(folder, self.writer, self.settings.screenshots, spec)
        started = time.perf_counter()
        env: PalaestraEnv | None = None
        retries = RetryTally()  # the model endpoint's retries (429, 5xx, timeouts) and their waits
        spend = SpendTally()  # every charged call, a step that raised included
        # Its calls are charged to this attempt in the run's ledger too: a kill loses no spending.
        attempt = EpisodeAttempt(spec.key, uuid.uuid4().hex, time.time())
        try:
            agent = self._agent(a)
            env = self._env_or_unavailable(spec.task, agent.observation_parts())
            if self.settings.trace != OFF:
                env.trace_next_episode(folder / TRACE_FILE)
            with charging(self.ledger, a.config_hash, attempt), tallying(retries), tallying_spend(spend):
                await self._play(spec, agent, env, out, recorder)
            if self.settings.evidence and out.outcome in (SUCCESS, FAILURE, STEP_LIMIT):
                await keep_evidence(env, folder, out)
            if env.tools is not None and out.outcome in (SUCCESS, FAILURE, STEP_LIMIT):
                self._api_feedback().mark_episode(spec.key, out.success)
        except BudgetExceeded as exc:
            out.error_kind, out.error_message = "budget_exceeded", str(exc)
        except LLMUnavailableError as exc:
            out.error_kind, out.error_message = "model_unavailable", str(exc)
        except LLMContextLengthError as exc:  # still too long once the agent shrank its prompt
            out.error_kind, out.error_message = "context_length", str(exc)
            recorder.refused(out, exc.prompt)
        except LLMRequestError as exc:
            out.error_kind, out.error_message = "model_request", str(exc)
        except ConfigError as exc:
            out.error_kind, out.error_message = "config_error", str(exc)
        except _ResetFailed as exc:  # a task's own setup that raised is its task_error, never retried
            kind = exc.__cause__.kind if isinstance(exc.__cause__, TaskError) else "reset_failed"
            out.error_kind, out.error_message = kind, str(exc.__cause__ or exc)
        except _EnvUnavailable as exc:
            out.error_kind, out.error_message = "environment_error", str(exc.__cause__ or exc)
        except Exception as exc:  # an agent's bug must not take the worker down
            if is_storage_failure(exc):  # the run's disk, not the agent: the runner stops the run
                out.error_kind, out.error_message = STORAGE_ERROR, f"{type(exc).__name__}: {exc}"
            else:
                out.error_kind = "agent_error"
                out.error_message = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=8)}"
        out.error_message = redact_text(out.error_message)
        out.elapsed_s = time.perf_counter() - started
        keep_unstepped_spend(out, spend)
        if spend.calls:  # the row names the ledger's attempt it counts (`runs.attempt_spending`)
            out.extra[OWN_ATTEMPT] = attempt.id
        if retries.retries:  # the waits are in the agent's time: said so, so that it is not blamed
            out.extra["model_retries"] = retries.as_record()
        if env is not None and "resources" in out.extra:  # its reset reported figures: the latest
            keep_resources(env, out)
        if env is not None and self.settings.trace != OFF:
            await keep_trace(env, self.settings.trace, self.run_dir, out)
        try:
            recorder.finish(out)
        except OSError as exc:  # its files could not be written: said so, not a dead worker
            if not is_storage_failure(exc):
                raise
            out.error_kind, out.error_message = STORAGE_ERROR, f"{type(exc).__name__}: {exc}"
        out.finished = time.time()
        return out

    async def _play(
        self,
        spec: EpisodeSpec,
        agent: Agent,
        env: PalaestraEnv,
        out: EpisodeOutcome,
        recorder: EpisodeRecorder,
    ) -> None:
        max_steps = self.settings.max_steps
        t0 = time.perf_counter()
        env.expect_seeds(spec.upcoming)
        if env.tools is not None:  # API calls and routes are recorded for the run, by episode
            env.tools.begin_episode(spec.key, self._api_feedback())
        try:
            obs, reset_info = await env.areset(seed=spec.seed)
        except Exception as exc:
            raise _ResetFailed(f"reset of {spec.task} failed") from exc
        take_resources(out, reset_info)
        out.reset_s = time.perf_counter() - t0
        out.goal = obs.get("goal", "")
        if agent.privileged:
            agent.reveal_task(spec.task)
            out.extra["privileged"] = True
        views = AgentViews(agent.observation_parts(), env)
        suite = suite_of(spec.task)
        await agent.areset(TaskInfo(out.goal, env.action_set, max_steps=max_steps, suite=suite))
        recorder.start(out.goal, obs)
        views.begin(agent, obs)
        counted = StepCount(max_steps, agent.step_limit_counts)
        try:
            await self._steps(agent, env, out, recorder, views, obs, counted)
        finally:  # whatever ended the episode, its answers are recorded beside its actions
            out.extra.update(counted.record())

    async def _steps(
        self, agent: Agent, env: PalaestraEnv, out: EpisodeOutcome, recorder: EpisodeRecorder,
        views: AgentViews, obs: Observation, counted: StepCount,
    ) -> None:  # fmt: skip
        """The episode's steps, until it ends or uses the run's steps in the agent's unit (`StepCount`)."""
        stops = EarlyStops(self.settings.repeat_stop, self.settings.parse_stop)
        while not counted.reached:
            t_start = time.perf_counter()
            step = await next_step(agent, obs)
            t_agent = time.perf_counter()
            if step.stop:
                out.outcome = FAILURE
                await self._judge_unanswered(env, out, "The agent stopped without an answer")
                return
            demo = record_step(obs, step.action) if self.settings.demos else None
            obs, reward, terminated, truncated, info = await env.astep(step.action)
            t_env = time.perf_counter()
            timings = {"agent_s": t_agent - t_start, "env_s": t_env - t_agent, **getattr(env, "timings", {})}
            record = recorder.step(step, obs, float(reward), terminated, truncated, info, timings, demo)
            record.agent_s, record.env_s = t_agent - t_start, t_env - t_agent
            out.steps.append(record)
            add_step_counts(out.extra, step.extra)  # cache hits, shrunk prompts (`runs.spending`)
            counted.count(step)
            record.overhead_s = time.perf_counter() - t_env
            out.reward = float(reward)
            if info.get("error"):
                out.error_kind = info["error"]["kind"]
                out.error_message = info["error"]["message"]
                return
            if terminated or truncated:
                take_resources(out, info)
                take_verdict(out, info)
                out.outcome = SUCCESS if out.success else FAILURE
                return
            views.step(agent, obs, info)
            stop = stops.after(step.action, env.action_set)
            if stop:  # WebArena's early stops (`runs.early_stops`): judged as it stands
                out.outcome, out.extra["early_stop"] = FAILURE, stop
                await self._judge_unanswered(env, out, stop)
                return
        out.outcome = STEP_LIMIT
        await self._judge_unanswered(env, out, f"Reach max steps {counted.limit}")

    async def _judge_unanswered(self, env: PalaestraEnv, out: EpisodeOutcome, reason: str) -> None:
        """Judge an episode that ended without an answer, if its task is judged so (WebArena's
        official tasks: their harness judges every episode); it stays a step_limit or failure
        unless that verdict is a success. No step is recorded: the agent did not act."""
        judged = await env.aearly_stop(reason)
        if judged is None:
            return
        _, reward, _, _, info = judged
        if info.get("error"):
            out.error_kind, out.error_message = info["error"]["kind"], info["error"]["message"]
            return
        out.reward = float(reward)
        out.extra["early_stop"] = reason
        take_verdict(out, info)
        if out.success:
            out.outcome = SUCCESS

    def _api_feedback(self) -> FeedbackStore:
        if self.feedback is None:
            from palaestra.routing.feedback import FeedbackStore

            self.feedback = FeedbackStore(self.run_dir / API_FEEDBACK)
        return self.feedback

    def _agent(self, entry: AgentEntry) -> Agent:
        from palaestra.agents.registry import make_agent

        key = f"{entry.name}|{entry.args}"  # all of it: the hash leaves secrets out
        if key not in self.agents:
            SECRETS.remember(secret_values(entry.args_dict()))  # redacted wherever they reappear
            with charging(self.ledger, entry.config_hash):
                self.agents[key] = make_agent(entry.name, entry.args_dict())
        return self.agents[key]

    def _env_or_unavailable(self, task: str, parts: frozenset[str]) -> PalaestraEnv:
        """`_env`, where a failure to make the environment (a served one's server down, say) is the
        infrastructure's, retried as such, not the agent's bug; a wrong configuration stays one."""
        try:
            return self._env(task, parts)
        except ConfigError:
            raise
        except Exception as exc:
            raise _EnvUnavailable(f"making the environment of {task} failed") from exc

    def _env(self, task: str, parts: frozenset[str] = frozenset()) -> PalaestraEnv:
        """The task's environment computing the run's observation parts and the agent's (`parts`,
        `Agent.observation_parts`): agents of one run that read different parts get their own."""
        obs_config = ObsConfig(screenshot=self.settings.screenshots).including(parts)
        views = sorted(parts & set(VIEWS))
        key = f"{task}|{','.join(obs_config.switches())}|{','.join(views)}"
        if key in self.envs:
            self.envs.move_to_end(key)
            return self.envs[key]
        while len(self.envs) >= _ENV_CACHE:
            _, old = self.envs.popitem(last=False)
            self.loop.create_task(old.aclose())
        # Only when chosen: environments with a single action set take no such option.
        chosen: dict[str, Any] = {"action_set": self.settings.action_set} if self.settings.action_set else {}
        if self.settings.env_server and views:  # its session makes them (`palaestra.runs.views`)
            chosen["views"] = views
        env = make_env(
            task,
            server=self.settings.env_server or None,
            obs_config=obs_config,
            step_timeout=self.settings.step_timeout,
            **chosen,
        )
        self.envs[key] = env
        return env


class _ResetFailed(PalaestraError):
    """The environment could not start the episode (even after replacing its browser)."""


class _EnvUnavailable(PalaestraError):
    """The task's environment could not be made (its server unreachable, its display gone)."""
