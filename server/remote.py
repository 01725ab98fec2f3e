"""``RemoteEnv``: a Palaestra environment whose browser lives in a server, maybe on another machine.

It is a `PalaestraEnv` like `BrowserEnv` (async core, sync Gymnasium face, action set, layout), so
every agent and ``palaestra eval --env-server URL`` run unchanged against it. It speaks the session
API: one session per `RemoteEnv`, opened on first use and closed by ``close``. Screenshots travel
as PNG and arrive as the usual ``uint8`` arrays.

Failures of the wire are the machinery's, not the agent's: a step that cannot reach the server
ends the episode with ``truncated=True`` and ``info["error"]["kind"] == "environment_error"``, as a
crashed browser would; a session the server closed (idle timeout) is opened again at the next reset.

Made with ``views`` (`palaestra.envs.obs.VIEWS`), its session makes those views too, with the
converters in-process runs use (`palaestra.envs.views`), and ``served_views`` holds the last reset's
or step's, decoded (`palaestra.server.view_wire`): what runs hand an agent that asks for them.

The server may be older than this client: made, it reads the server's capabilities once
(`palaestra.server.capabilities`) and uses only what the server has. Views it lacks are refused then
(`ServerTooOld`: the agent needs them); evidence it lacks is `ServerTooOld` when asked for (a run
keeps the episode and says why it has no evidence); an early stop it cannot judge is no verdict, as
such a server gave, said once in the log.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from palaestra.envs.base import PalaestraEnv, StepResult, failed_step
from palaestra.envs.obs import VIEWS, ObsConfig, Observation, ObservationLayout
from palaestra.envs.spaces import Unicode
from palaestra.errors import EnvStateError, check_choice
from palaestra.runs.evidence import RECORD
from palaestra.server import capabilities as can
from palaestra.server.auth import TOKEN_VARIABLE
from palaestra.server.capabilities import ServerFeatures, read_features, route_missing
from palaestra.server.evidence_wire import unpack
from palaestra.server.remote_actions import action_set_of
from palaestra.server.remote_errors import UNREACHABLE, RemoteEnvError, ServerTooOld
from palaestra.server.session_errors import NoEvidence
from palaestra.server.sessions import SessionNotFound
from palaestra.server.view_wire import views_from_json
from palaestra.server.wire import observation_from_json
from palaestra.tasks.base import Evidence

__all__ = ["UNREACHABLE", "RemoteEnv", "RemoteEnvError", "ServerTooOld", "action_set_of"]
log = logging.getLogger(__name__)


class RemoteEnv(PalaestraEnv):
    """An environment served by ``palaestra serve`` at ``server`` (``http://host:port``).

    ``token`` defaults to ``$PALAESTRA_SERVER_TOKEN``. Making it asks the server what a session
    on ``task`` observes and accepts (``GET /tasks/{task}``, which starts no browser), so that
    ``layout``, ``observation_space`` and ``action_set`` are the task's own from the start, as the
    local environment's are: a vector environment sizes its shared memory from the space before
    any reset, and a desktop task's agents read its PyAutoGUI actions, not the web's.

    ``views`` are the views its session makes (the parts they are made from are switched on);
    ``served_views`` holds the last observation's, by name. The server refuses a view the task's
    environment cannot give when the session opens (`RemoteEnvError`, code ``VIEW_UNAVAILABLE``).
    """

    metadata = {"render_modes": ["rgb_array"]}  # noqa: RUF012  (Gymnasium's convention)

    def __init__(
        self,
        task: str,
        *,
        server: str,
        token: str | None = None,
        obs_config: ObsConfig | None = None,
        step_timeout: float = 30.0,
        render_mode: str | None = None,
        views: Iterable[str] = (),
        action_set: str = "",
    ) -> None:
        self.task_name = task
        #: Another of the task's action sets its session parses (`palaestra eval --action-set`), "" its own.
        self.asked_action_set = action_set
        self.server = server.rstrip("/")
        self.token = token if token is not None else os.environ.get(TOKEN_VARIABLE) or None
        wanted = set(views)
        for name in sorted(wanted):
            check_choice("view", name, VIEWS)
        self.views = tuple(v for v in VIEWS if v in wanted)
        self.served_views: dict[str, dict[str, Any]] = {}
        self.obs_config = (obs_config or ObsConfig()).including(self.views)
        self.step_timeout = step_timeout
        self.render_mode = render_mode
        self.action_space = Unicode(max_length=10_000)
        self.timings: dict[str, float] = {}
        self.session_id: str | None = None
        self._client: httpx.AsyncClient | None = None
        self._goal = ""
        self._last: Observation | None = None
        self._evidence_dir: tempfile.TemporaryDirectory[str] | None = None
        self.features = ServerFeatures(self.server, None)
        self._said_unjudged = False
        self._take_shape(self._describe())
        if self.views and self.features.has(can.VIEWS) is False:
            fix = "run an agent that reads Palaestra's own observation (no views)"
            raise self.features.too_old(can.VIEWS, fix)
        if action_set and self.features.has(can.ACTION_SET) is False:
            raise self.features.too_old(can.ACTION_SET, "leave --action-set out (the task's own set)")

    # -- the wire ---------------------------------------------------------------------------------

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
            # A step may wait for the server's own step timeout, and a reset for a page to load.
            timeout = httpx.Timeout(self.step_timeout * 2 + 30, connect=10)
            self._client = httpx.AsyncClient(base_url=self.server, headers=headers, timeout=timeout)
        return self._client

    def _describe(self) -> dict[str, Any]:
        """The server's description of a session on this task (``GET /tasks/{task}``), asked once,
        synchronously: the constructor may run outside any event loop, or inside one it must not
        take over."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        path = f"/tasks/{quote(self.task_name, safe='')}"
        try:
            with httpx.Client(base_url=self.server, headers=headers, timeout=30) as client:
                params = {"parts": ",".join(self.obs_config.parts())}
                if self.asked_action_set:  # a server older than the field ignores the parameter
                    params["action_set"] = self.asked_action_set
                response = client.get(path, params=params)
                if response.status_code < 400:
                    self.features = read_features(client, self.server)
        except httpx.HTTPError as exc:
            raise RemoteEnvError(
                f"{self.server}: cannot reach the environment server ({exc}); start it with "
                "`palaestra serve`, or check the address.",
                code=UNREACHABLE,
                status=0,
            ) from exc
        return dict(self._answer(response, path))

    def _answer(self, response: httpx.Response, path: str) -> Any:
        if response.status_code >= 400:
            try:
                error = response.json()["error"]
                message, code = error["message"], error["code"]
            except (ValueError, KeyError, TypeError):
                message, code = response.text[:500], str(response.status_code)
            raise RemoteEnvError(
                f"{self.server}{path}: {message} ({code})", code=code, status=response.status_code
            )
        return response.json() if response.content else None

    def _take_shape(self, described: dict[str, Any]) -> None:
        """Layout, observation space and action set from the server's description of a session."""
        layout = described["layout"]
        width, height = layout["viewport"]
        self.layout = ObservationLayout.of(layout["parts"], (int(width), int(height)))
        self.observation_space = self.layout.space()  # type: ignore[assignment]
        actions = described["action_set"]
        self.action_set = action_set_of(actions["name"], actions["actions"])

    async def _call(self, method: str, path: str, json: dict[str, Any] | None = None) -> Any:
        response = await self._http().request(method, path, json=json)
        return self._answer(response, path)

    async def _open(self) -> str:
        if self.session_id is not None:
            return self.session_id
        parts = self.obs_config.parts()
        images = "screenshot" in parts or "som" in parts
        body: dict[str, Any] = {"task": self.task_name, "parts": parts, "screenshots": images, "reset": False}
        if self.asked_action_set:  # only when chosen: a server older than the field refuses it
            body["action_set"] = self.asked_action_set
        if self.views:  # a server older than views refuses the field, even empty
            body["views"] = list(self.views)
            if images and self.features.has(can.SCREENSHOT_ONCE):
                body["screenshot_once"] = True  # BrowserGym's screenshot travels as the observation's
        described = await self._call("POST", "/sessions", body)
        self.session_id = described["id"]
        self._take_shape(described)  # the same as described at construction, unless the server changed
        return str(described["id"])

    # -- the environment --------------------------------------------------------------------------

    async def awarm(self) -> None:
        await self._open()

    async def areset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Observation, dict[str, Any]]:
        self.seed_rng(seed, options)
        started = time.perf_counter()
        sid = await self._open()
        try:
            answer = await self._call("POST", f"/sessions/{sid}/reset", {"seed": seed})
        except RemoteEnvError as exc:
            if exc.code != SessionNotFound.code:
                raise
            self.session_id = None  # closed on the server (idle): open another
            sid = await self._open()
            answer = await self._call("POST", f"/sessions/{sid}/reset", {"seed": seed})
        obs = self._last = self._observed(answer)
        self._goal, self._done = str(obs.get("goal", "")), False
        self.timings = {"reset": time.perf_counter() - started}
        return obs, dict(answer["info"])

    async def _astep(self, action: str) -> StepResult:
        if self.session_id is None or self._last is None:
            raise EnvStateError("step() before reset(): call reset() to start an episode.")
        if not isinstance(action, str):
            raise TypeError(f"Actions are strings such as \"click('12')\", got {type(action).__name__}.")
        started = time.perf_counter()
        try:
            answer = await self._call("POST", f"/sessions/{self.session_id}/step", {"action": action})
        except (httpx.HTTPError, RemoteEnvError) as exc:
            message = f"The environment server failed during the step: {exc}"
            error = {"kind": "environment_error", "message": message}
            return failed_step(self.layout, self._last, action, error)
        obs = self._last = self._observed(answer)
        self.timings = {"step": time.perf_counter() - started}
        info = dict(answer["info"])
        return obs, float(answer["reward"]), bool(answer["terminated"]), bool(answer["truncated"]), info

    def _observed(self, answer: dict[str, Any]) -> Observation:
        """A reset's or step's observation, decoded, and its views into ``served_views`` (a view's
        screenshot that travelled as the observation's is that very array, decoded once)."""
        obs = observation_from_json(answer["observation"], self.layout)
        screen = obs.get("screenshot")
        self.served_views = views_from_json(answer.get("views") or {}, answer["observation"], screen)
        return obs

    async def aearly_stop(self, reason: str) -> StepResult | None:
        """The served episode judged without an answer (``POST /sessions/{id}/early_stop``), as a
        local environment judges it: WebArena's official tasks at the runner's step limit. A server
        without that route cannot judge it: None (no verdict), as it gave before; said once."""
        if self.session_id is None or self._last is None:
            return None
        if self.features.has(can.EARLY_STOP) is False:
            self._unjudged()
            return None
        try:
            answer = await self._call("POST", f"/sessions/{self.session_id}/early_stop", {"reason": reason})
        except RemoteEnvError as exc:
            if route_missing(exc):
                self.features = self.features.without(can.EARLY_STOP)
                self._unjudged()
                return None
            message = f"The environment server failed judging the episode: {exc}"
            return failed_step(self.layout, self._last, "", {"kind": "environment_error", "message": message})
        except httpx.HTTPError as exc:
            message = f"The environment server failed judging the episode: {exc}"
            return failed_step(self.layout, self._last, "", {"kind": "environment_error", "message": message})
        if not answer.get("judged"):
            return None
        obs = self._last = self._observed(answer)
        self._done = True
        info = dict(answer["info"])
        return obs, float(answer["reward"]), bool(answer["terminated"]), bool(answer["truncated"]), info

    def _unjudged(self) -> None:
        """No verdict for an unanswered episode: the server cannot judge one. Said once."""
        if not self._said_unjudged:
            self._said_unjudged = True
            log.warning("%s Until then, its episodes that end unanswered (the step limit) keep no verdict "
                        "of WebArena's harness.", self.features.too_old(can.EARLY_STOP))  # fmt: skip

    async def aevidence(self) -> Evidence | None:
        """The served episode's evidence (``GET /sessions/{id}/evidence``), written by the server as
        an in-process run writes it and unpacked here, checked, for the run to keep as it is; None
        when its task keeps none. Kept until the next call or ``close``."""
        if self.session_id is None or self._last is None:
            return None
        fix = ("run with --no-evidence: the episodes' verdicts are the server's either way, only "
               "`palaestra judge` needs their evidence")  # fmt: skip
        if self.features.has(can.EVIDENCE) is False:
            raise self.features.too_old(can.EVIDENCE, fix)
        path = f"/sessions/{self.session_id}/evidence"
        response = await self._http().get(path)
        if response.status_code >= 400:  # a tar when it succeeds, the usual error body when not
            try:
                self._answer(response, path)
            except RemoteEnvError as exc:
                if exc.code == NoEvidence.code:
                    return None
                if route_missing(exc):
                    self.features = self.features.without(can.EVIDENCE)
                    raise self.features.too_old(can.EVIDENCE, fix) from exc
                raise
        if self._evidence_dir is None:
            self._evidence_dir = tempfile.TemporaryDirectory(prefix="palaestra-remote-evidence-")
        folder = await asyncio.to_thread(unpack, response.content, Path(self._evidence_dir.name))
        return Evidence(record=json.loads((folder / RECORD).read_text()), saved=folder)

    async def arender(self) -> Any:
        if self.render_mode != "rgb_array" or self._last is None:
            return None
        return self._last.get("screenshot")

    async def aclose(self) -> None:
        if self._evidence_dir is not None:
            self._evidence_dir.cleanup()
            self._evidence_dir = None
        sid, self.session_id = self.session_id, None
        client, self._client = self._client, None
        if client is None:
            return
        try:
            if sid is not None:
                await client.delete(f"/sessions/{sid}")
        except httpx.HTTPError:
            pass  # the server is gone; its idle timeout closes the session
        finally:
            await client.aclose()

    def _started_on_a_loop(self) -> bool:
        return self._client is not None

    @property
    def goal(self) -> str:
        return self._goal
