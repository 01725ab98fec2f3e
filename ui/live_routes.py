"""The UI's live routes: start a task, act on it by hand or by asking an agent, save the episode as
a demonstration, and see its screen.

Each person sees only the sessions they opened (the server's token, or the one local owner); the
sessions themselves are the environment server's, through `palaestra.ui.live.LiveSessions`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from palaestra.agents.llm.config import NO_KEY, may_send_environment_key
from palaestra.runs.report_pages import _shorten_data_uris
from palaestra.server.sessions import SessionError
from palaestra.ui import memories as mem
from palaestra.ui.actions import describe_action
from palaestra.ui.guard import Guard
from palaestra.ui.live import LiveError, LiveSessions
from palaestra.ui.live_agents import check_agent_allowed
from palaestra.ui.requests import RequestError, as_int, as_mapping, json_body
from palaestra.ui.roots import UiRoots

Handler = Callable[[Request], Awaitable[Any]]


class LiveRoutes:
    """The handlers of ``api/tasks`` and ``api/live...`` over the server's ``sessions``."""

    def __init__(
        self,
        roots: UiRoots,
        guard: Guard,
        sessions: LiveSessions,
        embedders: mem.Embedders,
        agent_modules: Sequence[str] = (),
    ) -> None:
        self.roots, self.guard, self.sessions, self.embedders = roots, guard, sessions, embedders
        #: The modules whose `module:Class` agents may be imported (`check_agent_allowed`).
        self.agent_modules = tuple(agent_modules)

    def owner(self, request: Request) -> str:
        return self.guard.owner(request)

    def api(self) -> list[tuple[str, Handler, list[str]]]:
        """The JSON routes (path under ``api/``, handler, methods); the screenshot is `screenshot`."""
        get, post = ["GET"], ["POST"]
        return [
            ("tasks", self.tasks, get), ("live", self.live_list, get), ("live", self.live_open, post),
            ("live/{sid}", self.live_state, get), ("live/{sid}/step", self.live_step, post),
            ("live/{sid}/reset", self.live_reset, post), ("live/{sid}/propose", self.live_propose, post),
            ("live/{sid}/save", self.live_save, post), ("live/{sid}/close", self.live_close, post),
        ]  # fmt: skip

    async def tasks(self, request: Request) -> Any:
        from palaestra.tasks.registry import list_tasks

        return await asyncio.to_thread(list_tasks, "*")

    async def live_list(self, request: Request) -> Any:
        return [
            {
                "id": v.session.id,
                "task": v.session.task,
                "seed": v.session.seed,
                "steps": v.session.step_count,
                "done": v.session.done,
            }
            for v in self.sessions.owned(self.owner(request))
        ]

    async def live_open(self, request: Request) -> Any:
        body = await json_body(request)
        if body.get("replay") is not None:
            return await self._replay(request, as_mapping(body.get("replay")))
        task = str(body.get("task") or "").strip()
        if not task:
            raise RequestError("Pick a task to start.")
        # The agent to be asked, if chosen now: the environment computes the parts it reads.
        agent = str(body.get("agent") or "").strip()
        check_agent_allowed(agent, self.agent_modules)
        args = self._agent_args(body) if agent else {}
        seed = as_int(body.get("seed", 0), "seed")
        session = await self.sessions.open(self.owner(request), task, seed, agent, args)
        if agent:  # the session's page offers it first, with the arguments as typed
            session.chosen_agent = {"agent": agent, "args": as_mapping(body.get("args"))}
        return session.state()

    async def _replay(self, request: Request, asked: Mapping[str, Any]) -> Any:
        """A run's episode opened live on its task and seed, its first ``steps`` actions taken again
        (`ui.replay`): the page the agent acted on at that step, to take over from."""
        from palaestra.ui.replay import recorded_episode

        run = self.roots.run(str(asked.get("run") or ""))
        key = str(asked.get("key") or "")
        upto = None if asked.get("steps") is None else as_int(asked.get("steps"), "steps")
        episode = await asyncio.to_thread(recorded_episode, run, key, upto)
        view = await self.sessions.open(
            self.owner(request), episode.task, episode.seed,
            action_set=episode.action_set, max_steps=episode.max_steps,
        )  # fmt: skip
        await self.sessions.replay(view, str(run), key, episode.steps, episode.settings)
        return view.state()

    def _agent_args(self, body: Mapping[str, Any]) -> dict[str, str]:
        args = {str(k): str(v) for k, v in as_mapping(body.get("args")).items() if str(v) != ""}
        if "cache_dir" in args:  # a folder anywhere the server may write, named by the browser
            raise RequestError(
                "`cache_dir`: the UI's agents keep no response cache (it would be a folder anywhere this "
                "server may write). Remove the argument; `palaestra eval --agent-arg cache_dir=...` caches."
            )
        if "memory" in args:  # agents read memories inside the UI's memory folders only
            args["memory"] = str(self.roots.memory(args["memory"]))
        if "api_key" not in args and not may_send_environment_key(args.get("base_url")):
            args["api_key"] = NO_KEY  # the environment's key goes to the environment's endpoint only
        return args

    async def live_state(self, request: Request) -> Any:
        return self.sessions.get(request.path_params["sid"], self.owner(request)).state()

    async def live_step(self, request: Request) -> Any:
        body = await json_body(request)
        session = self.sessions.get(request.path_params["sid"], self.owner(request))
        await self.sessions.step(session, str(body.get("action") or ""), str(body.get("by") or "person"))
        return session.state()

    async def live_reset(self, request: Request) -> Any:
        body = await json_body(request)
        session = self.sessions.get(request.path_params["sid"], self.owner(request))
        await self.sessions.reset(session, as_int(body.get("seed", session.session.seed), "seed"))
        return session.state()

    async def live_propose(self, request: Request) -> Any:
        body = await json_body(request)
        session = self.sessions.get(request.path_params["sid"], self.owner(request))
        name = str(body.get("agent") or "").strip()
        if not name:
            raise RequestError("Pick an agent to ask.")
        check_agent_allowed(name, self.agent_modules)
        step = await self.sessions.propose(session, name, self._agent_args(body))
        return {
            "action": step.action, "thoughts": step.thoughts, "raw_response": step.raw_response,
            "tokens_in": step.tokens_in, "tokens_out": step.tokens_out, "cost": step.cost,
            "stop": step.stop, "parsed": describe_action(step.action, session.session.env.action_set),
            # what the agent sent its model and its notes (Synapse: the exemplars it was shown), as an
            # episode's step shows them, so a demonstration just saved can be seen in the prompt
            "messages": _shorten_data_uris(step.messages), "extra": step.extra,  # no screenshots as base64
        }  # fmt: skip

    async def live_save(self, request: Request) -> Any:
        body = await json_body(request)
        session = self.sessions.get(request.path_params["sid"], self.owner(request))
        path = self.roots.memory(str(body.get("memory") or ""))
        return await asyncio.to_thread(mem.save_demonstration, session, path, self.embedders)

    async def live_close(self, request: Request) -> Any:
        closed = await self.sessions.close(request.path_params["sid"], self.owner(request))
        return {"closed": closed}

    async def screenshot(self, request: Request) -> Response:
        try:
            session = self.sessions.get(request.path_params["sid"], self.owner(request))
            png = await asyncio.to_thread(session.screenshot_png)
        except (LiveError, SessionError) as exc:
            return JSONResponse({"error": str(exc)}, 404)
        return Response(png, media_type="image/png")
