"""``DesktopEnv``: real X11 applications as a Gymnasium environment, async at its core.

Each environment owns one desktop session process (`session.py`): a private Xvfb display, a session
D-Bus, openbox and the AT-SPI bus, started once and kept across episodes. A reset kills the last
episode's apps, lays out a fresh HOME with the task's files, starts the task's apps and returns the
first observation; with ``keep_display=False`` it starts a whole new session instead (slower, and
measured by bench.speed.desktop). A task is judged after every step or once at the end of the
episode (`judging.py`); ``max_steps`` ends episodes at that many steps, judged.
``screen_size=(1920, 1080)`` sets the display's size (OSWorld's); tasks default to 1280 x 800.
Actions are PyAutoGUI calls (or OSWorld's computer_13 JSON), parsed, never executed as code, and
sent to the X server through XTEST.

Observation keys: ``goal``, ``screenshot`` (H x W x 3 uint8), ``axtree`` (AT-SPI as text lines
with ids and screen boxes), ``elements`` (records with the browser's keys), ``focused_element``,
``focused_window``, ``windows``, ``last_action``, ``last_action_error``; with
``ObsConfig(som=True)``, ``som_screenshot`` and ``som_marks`` (`palaestra.envs.som`).
"""

from __future__ import annotations

import asyncio
import random
import time
from pathlib import Path
from typing import Any

import numpy as np
from gymnasium import spaces

from palaestra.envs.actions import ActionSet, get_action_set
from palaestra.envs.base import EPISODE_OVER, StepResult, no_error
from palaestra.envs.desktop.client import SessionClient, SessionFailure
from palaestra.envs.desktop.episode_requests import episode_request, missing_programs
from palaestra.envs.desktop.judging import FATAL_KINDS, DesktopJudging
from palaestra.envs.desktop.observation import observation_values
from palaestra.envs.desktop.screen import MAX_SCREEN, MIN_SCREEN, check_screen_size
from palaestra.envs.desktop.session_limits import DEFAULT_PIDS_LIMIT, check_isolation, check_limits
from palaestra.envs.desktop.step_actions import LoweredStep, lower_step
from palaestra.envs.desktop.tree import DesktopTree, ElementIds, build_tree
from palaestra.envs.obs import ObsConfig, Observation, ObservationLayout
from palaestra.envs.one_call import OneCall
from palaestra.envs.spaces import Unicode
from palaestra.errors import DesktopUnavailableError, EnvStateError, check_choice
from palaestra.tasks.desktop.base import DesktopTask
from palaestra.tasks.registry import get_task_spec

__all__ = ["BROKEN_APP_KINDS", "FATAL_KINDS", "MAX_SCREEN", "MIN_SCREEN", "DesktopEnv"]

#: Failures of a task's app at its start (it exited before showing a window) that no new session
#: would mend: the reset says so at once, as `DesktopUnavailableError`, instead of trying again.
BROKEN_APP_KINDS = {"app_exited"}


class DesktopEnv(DesktopJudging):
    """A desktop task as a Gymnasium environment. Actions are PyAutoGUI calls such as ``click('12')``."""

    metadata = {"render_modes": ["rgb_array"], "render_fps": 4}  # noqa: RUF012  (Gymnasium's convention)

    def __init__(
        self,
        task: str | DesktopTask,
        *,
        obs_config: ObsConfig | None = None,
        action_set: str | ActionSet | None = None,
        screen_size: tuple[int, int] | None = None,
        keep_display: bool = True,
        step_timeout: float = 60.0,
        reset_timeout: float = 60.0,
        settle_quiet: float = 0.08,
        settle_limit: float = 2.0,
        action_pause: float = 0.1,
        max_steps: int | None = None,
        render_mode: str | None = None,
        memory_limit_mb: int | None = None,
        cpu_weight: int | None = None,
        isolation: str | None = None,
        pids_limit: int | None = DEFAULT_PIDS_LIMIT,
    ) -> None:
        made = get_task_spec(task).make() if isinstance(task, str) else task
        if not isinstance(made, DesktopTask):
            shown = task if isinstance(task, str) else type(task).__name__
            raise TypeError(
                f"{shown} is not a desktop task; DesktopEnv plays `desktop.*` tasks only (`palaestra list "
                "tasks desktop`). gym.make('palaestra/<task>') picks the right environment for any task."
            )
        self.task: DesktopTask = made
        #: The display's size in pixels, (width, height): the task's (1280 x 800) unless given.
        self.screen: tuple[int, int] = (
            self.task.screen if screen_size is None else check_screen_size(screen_size)
        )
        self.obs_config = obs_config or ObsConfig()
        chosen = action_set or self.task.action_set
        self.action_set = get_action_set(chosen) if isinstance(chosen, str) else chosen
        self.tools = None  # the runner asks; desktop tasks offer no API tools yet
        self.keep_display, self.render_mode = keep_display, render_mode
        self.step_timeout, self.reset_timeout = step_timeout, reset_timeout
        #: How long the screen must stay still before an observation, at most how long to wait for it,
        #: and the pause between the calls of one step (PyAutoGUI's PAUSE, 0.1 s by default).
        self.settle = {"quiet": settle_quiet, "limit": settle_limit, "pause": action_pause}
        if render_mode is not None:
            check_choice("render_mode (or None)", render_mode, self.metadata["render_modes"])
        self._loop: asyncio.AbstractEventLoop | None = None
        self._client: SessionClient | None = None
        self._home: Path | None = None
        self._ids = ElementIds()
        self._tree = DesktopTree("", [], "")
        self._nodes: list[dict[str, Any]] = []
        self._goal = ""
        self._messages: list[str] = []
        self._setup_commands: list[dict[str, Any]] = []
        self._last_obs: Observation | None = None
        self._apps: list[dict[str, Any]] = []
        self._done = True
        self._calls = OneCall()
        self.timings: dict[str, float] = {}
        #: Which observation keys this environment fills, from the one declaration in `envs.obs`.
        parts = [p for p in self.obs_config.parts() if p != "dom"]  # a desktop has no DOM
        self.layout = ObservationLayout.of(["desktop", "focus", *parts], self.screen)
        self.observation_space: spaces.Space[Observation] = self.layout.space()  # type: ignore[assignment]
        self.action_space = Unicode(max_length=20_000)
        self.limit_steps(max_steps)
        #: For the session's cgroup (`envs/desktop/cgroups.py`; root only, else one warning).
        self.limits = check_limits(memory_limit_mb, cpu_weight, pids_limit)
        #: "on" or "off": whether root sessions ask for their namespaces and cgroup (`session_limits`).
        self.isolation = check_isolation(isolation, self.limits)

    # -- async core -------------------------------------------------------------------------------

    async def awarm(self) -> None:
        """Start the desktop session now (the runner does so before an episode's clock starts)."""
        self._bind_loop()
        await self._session()

    async def _session(self) -> SessionClient:
        if self._client is None or not self._client.alive:
            limits = self.limits
            self._client = SessionClient(
                *self.screen,
                memory_limit_mb=limits["memory_limit_mb"],
                cpu_weight=limits["cpu_weight"],
                pids_limit=limits["pids_limit"],
                isolation=self.isolation,
            )
            await self._client.start()
        return self._client

    async def areset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Observation, dict[str, Any]]:
        self._bind_loop()
        # Two resets at once, or one during a step, raced over the one session: refused (`one_call`).
        async with self._calls.claim("reset"):
            return await self._areset_alone(seed, options)

    async def _areset_alone(
        self, seed: int | None, options: dict[str, Any] | None
    ) -> tuple[Observation, dict[str, Any]]:
        self.seed_rng(seed, options)
        self._closed = False
        episode_seed = int(seed) if seed is not None else int(self.np_random.integers(0, 2**31 - 1))
        started = time.perf_counter()
        if not self.keep_display and self._client is not None:
            await self._client.close()
        try:
            obs = await asyncio.wait_for(self._start_episode(episode_seed), self.reset_timeout)
        except SessionFailure as exc:
            if exc.kind in BROKEN_APP_KINDS:  # the app itself: a new display would change nothing
                raise DesktopUnavailableError(
                    f"The task {self.task.name or type(self.task).__name__} could not start its app: {exc}"
                ) from None
            obs = await self._start_again(episode_seed)
        except TimeoutError:
            obs = await self._start_again(episode_seed)
        self.timings["reset"] = time.perf_counter() - started
        info: dict[str, Any] = {"seed": episode_seed, "task": self.task.name, "resources": self.resources}
        if self._setup_commands:  # a setup command that failed leaves a task not as its author meant
            info["setup_commands"] = self._setup_commands
        return obs, info

    async def _start_again(self, episode_seed: int) -> Observation:
        """The display or its apps broke while the episode started: a new session, once."""
        if self._client is not None:
            await self._client.close()
        return await asyncio.wait_for(self._start_episode(episode_seed), self.reset_timeout)

    async def _start_episode(self, seed: int) -> Observation:
        setup = self.task.setup(random.Random(seed))
        missing = missing_programs(setup)
        if missing:  # before a display starts, and not retried: the session would wait for a window
            raise DesktopUnavailableError(
                f"The task {self.task.name or type(self.task).__name__} needs {', '.join(missing)}, which is "
                "not installed here (not on PATH). Run scripts/setup, or install it (apt-get install ...)."
            )
        t0 = time.perf_counter()
        client = await self._session()
        t1 = time.perf_counter()
        request = episode_request(setup)
        reply, _ = await client.request(request, self.reset_timeout)
        #: How each setup command ended (argv, returncode, timed_out), for the reset's info.
        self._setup_commands = [
            {k: c[k] for k in ("argv", "returncode", "timed_out") if k in c}
            for c in reply.get("commands", [])
        ]
        t2 = time.perf_counter()
        self._home, self._goal = Path(reply["home"]), setup.goal
        self._ids, self._messages, self._done = ElementIds(), [], False
        self._steps, self._final_results = 0, None
        obs = await self._observe(client, last_action="", error="")
        self.timings = {"session": t1 - t0, "episode": t2 - t1, "observe": time.perf_counter() - t2}
        return obs

    async def _astep(self, action: str) -> StepResult:
        self._bind_loop()
        if self._home is None:
            raise EnvStateError("step() without an episode (before reset() or after close()): call reset().")
        if not isinstance(action, str):
            raise TypeError(f"Actions are strings such as \"click('12')\", got {type(action).__name__}.")
        async with self._calls.claim("step"):  # two steps at once both acted and were both judged
            return await self._limited(self._step(action), action)

    async def _step(self, text: str) -> StepResult:
        client = await self._session()
        t0 = time.perf_counter()
        lowered = LoweredStep(error=EPISODE_OVER)
        if not self._done:  # else no action runs, and it earns nothing (`PalaestraEnv.astep`)
            lowered = lower_step(self.action_set, text, self._tree.point_of, self.screen)
            self._messages += lowered.messages
            if lowered.ops or lowered.acted:
                ask = dict(self.settle, op="act", ops=lowered.ops)
                reply, _ = await client.request(ask, self.step_timeout)
                lowered.error = lowered.error or reply.get("error", "")
                self._apps = reply.get("apps", self._apps)
        t1 = time.perf_counter()
        obs = await self._observe(client, last_action=text, error=lowered.error)
        said_done, said_fail = lowered.said_done, lowered.said_fail
        obs, reward, terminated, judged = await self._judge(client, obs, said_done, said_fail)
        self.timings = {"action": t1 - t0, "observe_and_judge": time.perf_counter() - t1}
        info = {
            **judged,
            "messages": list(self._messages),
            "infeasible": "said fail()" if said_fail else None,
            "error": no_error(),
        }
        return obs, reward, terminated, False, info

    async def _observe(
        self, client: SessionClient, last_action: str, error: str, tree: bool = False
    ) -> Observation:
        """Observe the screen (``tree``: read the accessibility tree even if no observation part
        shows it, for a judge)."""
        config = self.obs_config
        want_tree = config.axtree or config.elements or config.som or tree
        want_pixels = config.screenshot or config.som
        reply, blob = await client.request(
            {"op": "observe", "tree": want_tree, "screenshot": want_pixels, "popups": config.som},
            self.step_timeout,
        )
        self._apps = reply.get("apps", [])
        self._resources = reply.get("resources", {})
        if want_tree:
            self._nodes = reply["nodes"]
            self._tree = build_tree(reply["nodes"], self._ids, self.screen)
        values = observation_values(
            config,
            self._tree,
            reply["windows"],
            blob,
            self.screen,
            self._goal,
            last_action,
            error,
            popups=reply.get("popups", []),
        )
        obs = self._last_obs = self.layout.build(values)
        return obs

    async def aclose(self) -> None:
        if self._loop is None:
            return
        self._bind_loop()
        if self._client is not None:
            await self._client.close()
            self._client = None
        self._home, self._done = None, True  # a step now says to reset, not start a desktop with no apps
        self._closed = True

    async def arender(self) -> np.ndarray | None:
        if self.render_mode != "rgb_array" or self._last_obs is None:
            return None
        shot = self._last_obs.get("screenshot")
        return None if shot is None else np.asarray(shot)

    def expect_seeds(self, seeds: Any) -> None:
        """The runner's hint about the next seeds; a desktop prepares nothing ahead, so it is unused."""

    @property
    def session_info(self) -> dict[str, Any]:
        """The live session's display, folder, screen size, pid, network ("own": a namespace of
        its own, `net_namespace`; "shared"), tmp ("own": a /tmp, /var/tmp and /dev/shm of its own,
        `tmp_namespace`; "shared") and cgroup ("v1", "v2": one of its own, `cgroups`; "none", with
        ``cgroup_refused`` saying why); empty before the first reset."""
        return dict(self._client.info) if self._client is not None else {}

    def _started_on_a_loop(self) -> bool:
        return self._loop is not None and not self._loop.is_closed()

    @property
    def goal(self) -> str:
        return self._goal

    @property
    def atspi_nodes(self) -> list[dict[str, Any]]:
        """The last observation's AT-SPI snapshot (`atspi.Node`s as dicts), for OSWorld's XML."""
        return self._nodes
