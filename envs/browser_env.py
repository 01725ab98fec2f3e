"""``BrowserEnv``: a Gymnasium environment over a real Chromium, async at its core.

Asyncio programs call ``areset``/``astep``/``aclose`` on their own loop; everyone else calls the
standard ``reset``/``step``/``close``, which run the same coroutines on a shared background loop.

While the agent thinks about the current episode, the environment loads the next episodes' pages,
each in a fresh browser context, in the background (``pages_ahead``), so a reset costs only the
task's own start-up (a few milliseconds for MiniWoB++) and one observation. When the environment
draws the seeds itself (``reset()`` with no seed, after a reset that had none either), tasks whose
start-up touches only their page even start the next episodes ahead: see ``pages_ahead``. Pages are
prepared from the second reset on (from the first when the caller says which seeds come next,
``expect_seeds``): an environment made for one episode loads none it would not use.

Where the pages come from is ``page_supply``; settling and reading a live episode's pages is
``browser_episode``. ``BrowserEnv`` is built in layers, each a module: ``browser_teardown``
(the event loop, background work, closing what ended episodes leave), ``browser_step`` (one step
within its timeout), ``browser_judging`` (episodes their agent did not end: the step limit, early
stop, evidence for re-judging). This module decides when: construction and its options, resets.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from gymnasium import spaces
from playwright.async_api import Error as PlaywrightError

from palaestra.envs.actions import ActionSet, get_action_set
from palaestra.envs.actions.executor import ActionState
from palaestra.envs.actions.limits import DEFAULT_LIMITS, ActionLimits
from palaestra.envs.browser import BrowserHost, host_for_running_loop
from palaestra.envs.browser_episode import BrowserEpisode, fit_screenshot
from palaestra.envs.browser_judging import BrowserJudging
from palaestra.envs.browser_step import PARSE_IN_THREAD_CHARS as PARSE_IN_THREAD_CHARS  # its old home
from palaestra.envs.episode_trace import EpisodeTraces, SavedTrace
from palaestra.envs.obs import Observation, ObservationLayout
from palaestra.envs.observation import FrameIds, ObsConfig
from palaestra.envs.one_call import OneCall
from palaestra.envs.page_supply import PageSupply
from palaestra.envs.pages_ahead import draw_seed, predict_seeds
from palaestra.envs.spaces import Unicode
from palaestra.errors import ConfigError, check_choice
from palaestra.tasks.base import Task, ToolRunner, task_code
from palaestra.tasks.registry import get_task_spec

Obs = Observation
#: Pages kept preparing or prepared ahead. One is not enough for a quick agent: a fresh context and
#: page take 250-450 ms on two busy cores, more than a reset and three quick steps, so with one page
#: the median reset of bench.speed.env_speed waited ~60 ms for it; with two it waits ~0-20 ms. Three
#: gained nothing more and cost another renderer process per environment.
DEFAULT_PAGES_AHEAD = 2
#: The share of ``step_timeout`` a step's actions may take (``run_sequence``): the rest is for the
#: page to settle and be observed, so that an agent's slow actions never time the whole step out.
ACTIONS_SHARE = 0.5


class BrowserEnv(BrowserJudging):
    """A browser task as a Gymnasium environment. Actions are strings of calls such as ``click('12')``.

    ``gym.make("palaestra/<task>", **kwargs)`` passes its keyword arguments here (and takes
    Gymnasium's own, such as ``max_episode_steps``):

    - ``obs_config``: which observation parts to compute (``ObsConfig``); ``action_set``: another
      action set than the task's, by name or object; ``action_limits``: bounds on action strings.
    - ``step_timeout``, ``reset_timeout`` (s): past them the episode ends as the machinery's failure
      (``truncated``, ``info["error"]``); ``action_timeout_ms``: one action's wait for its element;
      ``settle_ms``: the longest wait for the page to go quiet after the actions.
    - ``pages_ahead`` pages (each in its own fresh context) are kept preparing in the background
      for the next resets, from the second reset on (or from the first, for the seeds given to
      `expect_seeds`); ``prewarm=False`` (or ``pages_ahead=0``) prepares each page in its reset.
    - ``host``: the ``BrowserHost`` to use instead of the event loop's own; ``render_mode``:
      ``"rgb_array"`` or None.
    - ``max_steps``: end each episode at that many steps (``truncated=True``), judged first when
      its task is judged at the step limit (WebArena's official tasks), with that verdict's reward;
      ``gym.make(id, max_episode_steps=N)`` sets it (see `limit_steps`).
    - ``upload_dir``: the directory ``upload_file`` takes files from (paths confined to it); None
      refuses the action.
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": 4}  # noqa: RUF012  (Gymnasium's convention)

    def __init__(
        self,
        task: str | Task,
        *,
        obs_config: ObsConfig | None = None,
        action_set: str | ActionSet | None = None,
        step_timeout: float = 30.0,
        reset_timeout: float = 30.0,
        action_timeout_ms: float = 3000,
        action_limits: ActionLimits | None = None,
        settle_ms: float = 1000,
        prewarm: bool = True,
        pages_ahead: int = DEFAULT_PAGES_AHEAD,
        host: BrowserHost | None = None,
        render_mode: str | None = None,
        max_steps: int | None = None,
        upload_dir: str | Path | None = None,
    ) -> None:
        self.task: Task = get_task_spec(task).make() if isinstance(task, str) else task
        self.limit_steps(max_steps)
        self._steps = 0  # in this episode
        self.obs_config = obs_config or ObsConfig()
        chosen = action_set or self.task.action_set
        self.action_set = get_action_set(chosen) if isinstance(chosen, str) else chosen
        #: The task's tools, if it declares any: agents reach them with call_api and search_apis.
        self.tools: ToolRunner | None = self.task.tools()
        self._tools_text = self.tools.describe() if self.tools is not None else ""
        if self.tools is not None and "call_api" not in self.action_set:
            self.action_set = self.action_set.with_tools()
        self.reset_timeout = reset_timeout
        self.step_timeout, self.action_timeout_ms, self.settle_ms = step_timeout, action_timeout_ms, settle_ms
        #: A step's actions get this share of the step's timeout; settling and observing the rest.
        self.actions_timeout = step_timeout * ACTIONS_SHARE
        self.action_limits = (action_limits or DEFAULT_LIMITS).within(self.actions_timeout)
        self.prewarm, self.render_mode = prewarm, render_mode
        self.upload_dir = Path(upload_dir) if upload_dir is not None else None
        if self.upload_dir is not None and not self.upload_dir.is_dir():
            raise ConfigError(f"upload_dir {str(self.upload_dir)!r} is not a directory; name one that exists")
        if pages_ahead < 0:
            raise ConfigError(f"pages_ahead must be 0 or more, got {pages_ahead}.")
        if render_mode is not None:
            check_choice("render_mode (or None)", render_mode, self.metadata["render_modes"])
        self._host, self._host_given = host, host is not None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._episode: BrowserEpisode | None = None
        self._background: set[asyncio.Future[Any]] = set()
        self._calls = OneCall()
        self._pages = PageSupply(
            lambda: self.task,
            lambda: self.host,
            pages_ahead if prewarm else 0,
            background=self._in_background,
        )
        self._traces = EpisodeTraces()
        #: Whether the last reset drew its seed: then the next ones will too (see ``_prepare_next``).
        self._drawing_seeds = False
        self._warmed = False
        self._expected: tuple[int, ...] | None = None
        #: Resets so far: the first prepares no page ahead unless told the seeds to come.
        self._resets = 0
        self._goal = ""
        self._last_obs: Obs | None = None
        self.browsergym_page: dict[str, Any] | None = None
        self._done = False
        #: Seconds spent in the last reset or step, by phase. Kept out of ``info``, which Gymnasium
        #: expects to be deterministic.
        self.timings: dict[str, float] = {}
        #: Which observation keys this environment fills: derived from the one declaration in
        #: `palaestra.envs.obs`, as are the observation space and the blank observation.
        self.layout = ObservationLayout.of(
            ["web", "focus", *self.obs_config.parts(), *(["tools"] if self.tools is not None else [])],
            self.task.viewport,
        )
        self.observation_space: spaces.Space[Obs] = self.layout.space()  # type: ignore[assignment]
        self.action_space = Unicode(max_length=self.action_limits.max_chars)

    # -- async core -------------------------------------------------------------------------------

    @property
    def host(self) -> BrowserHost:
        if self._host is None:
            self._host = host_for_running_loop()
        return self._host

    def _prepare_next(self, old: BrowserEpisode | None) -> None:
        """In the background: prepare the next episodes' pages and close the last episode's context.

        Started as soon as this episode has its first observation, so that the next page has the
        whole episode to load. After a reset that drew its seed, the next resets will most likely
        draw theirs too, and tasks whose ``setup`` touches only their page (``Task.setup_ahead``)
        get their episodes started on the prepared pages with the seeds those resets will draw.
        After a reset given a seed the caller chooses the seeds, and no episode is started ahead,
        unless the caller said which seeds come next (`expect_seeds`).

        Nothing is prepared after the environment's first reset unless the caller said which seeds
        come: many environments play one episode (a quick look, a test, a one-off check), and the
        pages prepared for them are browser contexts made and closed unused (two by default, about
        0.09 CPU-s and 0.07 s of wall time per environment here). A second reset shows a series:
        its own page is prepared in the reset, and the pages after it ahead as before.
        """
        expected, self._expected = self._expected, None
        if self.prewarm and (expected is not None or self._resets > 1):
            seeds: list[int | None] = []
            if expected is not None:
                seeds = list(expected[: self._pages.pipeline.depth]) if self.task.setup_ahead else []
            elif self._drawing_seeds and self.task.setup_ahead:
                seeds = list(predict_seeds(self.np_random, self._pages.pipeline.depth))
            self._pages.prepare(seeds, None if expected is None else len(expected))
        if old is not None:
            self._retire(old)

    def _next_resets_foreseen(self) -> bool:
        """Whether this reset should leave pages preparing for the next ones: the caller said
        seeds come (`expect_seeds`), or, not having said, the environment reset before."""
        return bool(self._expected) if self._expected is not None else self._resets > 1

    def expect_seeds(self, seeds: Sequence[int]) -> None:
        """Say which seeds the resets after the next one will be given, as far as the caller knows.

        The next reset then prepares pages for exactly those (no more than ``pages_ahead``), and
        starts their episodes ahead when the task allows, as it does for seeds it draws itself. An
        evaluation runner knows its queue: a worker whose task has one episode left prepares no
        page it will not use, which on a busy machine is CPU taken from the other workers. It holds
        for the next reset only; a reset given another seed than expected just prepares anew.
        """
        self._expected = tuple(int(s) for s in seeds)

    def trace_next_episode(self, path: Path) -> None:
        """Record the next episode's Playwright trace, to be written to ``path`` when it ends (at
        ``afinish_trace``, or else at the next reset or ``close``). Only that episode records: its
        context starts tracing when the reset takes it, whichever pages wait prepared behind it."""
        self._traces.request(path)

    async def afinish_trace(self) -> SavedTrace | None:
        """Stop the trace of the episode that just ended and write it; None if it recorded none."""
        return await self._traces.finish(self._episode)

    async def areset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Obs, dict[str, Any]]:
        self._start_over_if_loop_closed()
        self._bind_loop()
        # A reset during another reset or a step closed the episode under it: refused (`one_call`).
        async with self._calls.claim("reset"):
            return await self._areset_alone(seed, options)

    async def _areset_alone(
        self, seed: int | None, options: dict[str, Any] | None
    ) -> tuple[Obs, dict[str, Any]]:
        self.seed_rng(seed, options)
        self._resets += 1
        self._closed, self._failure = False, None
        episode_seed = int(seed) if seed is not None else draw_seed(self.np_random)
        self._drawing_seeds = seed is None
        await self._warm_task()
        started = time.perf_counter()
        old, self._episode = self._episode, None
        trace = self._traces.take()
        self._reset_unfinished = True
        try:
            obs = await self._start_or_restart(episode_seed, old, trace)
        except BaseException:
            # Cancelled (the caller's own timeout, Ctrl-C) or failed: the half-started episode and
            # the last one are closed, not left open in the browser; a step says to reset again.
            await self._end_episode(abandon=True)
            raise
        finally:
            if old is not None:
                self._retire(old)  # at once where the reset did not get to (`_prepare_next`)
        self._reset_unfinished = False
        self.timings["reset"] = time.perf_counter() - started
        info = {"seed": episode_seed, "task": self.task.name}
        return obs, info

    async def _start_or_restart(self, seed: int, old: BrowserEpisode | None, trace: Path | None) -> Obs:
        """The episode started, in a new browser if the first try found it hung or dead."""
        try:
            return await asyncio.wait_for(self._start_episode(seed, old, trace), self.reset_timeout)
        except (TimeoutError, PlaywrightError):
            # The browser hangs or died while the episode started: replace it and start again, once.
            await self._end_episode(abandon=True)
            await self.host.replace_browser()
            return await asyncio.wait_for(self._start_episode(seed, None, trace), self.reset_timeout)

    async def _start_episode(self, episode_seed: int, old: BrowserEpisode | None, trace: Path | None) -> Obs:
        t0 = time.perf_counter()
        prepared = await self._pages.take(episode_seed, line_up=self._next_resets_foreseen())
        t1 = time.perf_counter()
        context, page = prepared.context, prepared.page
        prepared.blocked.clear()  # what the page asked for before its episode is not the agent's doing
        state = ActionState(
            context=context,
            page=page,
            frame_ids=FrameIds(),
            timeout_ms=self.action_timeout_ms,
            tools=self.tools,
            limits=self.action_limits,
            upload_dir=self.upload_dir,
        )
        self._episode = BrowserEpisode(
            context=context,
            cdp=prepared.cdp,
            state=state,
            blocked=prepared.blocked,
            navigations=prepared.navigations,
        )
        await self._traces.start(self._episode, trace, title=f"{self.task.name} seed {episode_seed}")
        if prepared.goal is not None and prepared.seed == episode_seed:
            self._goal = prepared.goal  # started ahead, with this very seed
        else:
            with task_code(self.task, "setup"):
                self._goal = await self.task.setup(page, episode_seed)
        self._done, self._steps = False, 0
        state.start_url = page.url
        with task_code(self.task, "site_origins"):
            state.site_origins = tuple(self.task.site_origins())
        t2 = time.perf_counter()
        # Observed once drawn: what the page and the setup started loading (a single-page app's
        # content, an icon's image) is waited for as a step waits for what its actions started.
        marked = await self._episode.settle(self.settle_ms)
        obs = await self._observe(last_action="", error="", marked=marked)
        await self.task.shown(page)
        self.timings = {"page": t1 - t0, "setup": t2 - t1, "observe": time.perf_counter() - t2}
        self._prepare_next(old)
        return obs

    async def arender(self) -> np.ndarray | None:
        if self.render_mode != "rgb_array" or self._episode is None:
            return None
        if self._last_obs is not None and "screenshot" in self._last_obs:
            return np.asarray(self._last_obs["screenshot"])
        obs = await self._episode.capture_settled(
            self.obs_config, frozenset({"screenshot"}), settle_ms=self.settle_ms
        )
        return fit_screenshot(obs["screenshot"], self.task.viewport)

    async def awarm(self) -> None:
        await self.host.ensure_browser()
        await self._warm_task()

    async def _warm_task(self) -> None:
        """Once per environment, outside every timeout: the task's servers and data (a first build
        may take minutes) and its tools' search model (a first load took longer than a step)."""
        if not self._warmed:
            await self.task.warm_up()
            if self.tools is not None:
                await self.tools.awarm()
            self._warmed = True

    @property
    def goal(self) -> str:
        return self._goal
