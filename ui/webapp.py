"""The UI as a Starlette application: its JSON API and the static pages that use it.

``app(roots, sessions, guard)`` returns an ASGI app that the environment server mounts at ``/ui``
(`palaestra.ui.mount.ui_extension`): its live environments are the server's sessions, and the
server's tokens decide who may use it. Every URL the pages use is relative, so any mount point
works. The pages are plain HTML, CSS and JavaScript shipped in the package (no build step, no CDN):
they build the DOM from JSON with text nodes only, never ``innerHTML``.
"""

from __future__ import annotations

import asyncio
import functools
import json
import sqlite3
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from palaestra.errors import PalaestraError
from palaestra.memory import Embedder
from palaestra.runs.call_images import MEDIA_TYPES, RecordedImageError
from palaestra.runs.report_pages import _shorten_data_uris
from palaestra.runs.tracing import TRACE_FILE, trace_download_name
from palaestra.server.sessions import SessionError
from palaestra.ui import episode_view as ev
from palaestra.ui import memories as mem
from palaestra.ui import playground as pg
from palaestra.ui import runs_view as rv
from palaestra.ui.actions import describe_action
from palaestra.ui.guard import Guard, GuardMiddleware
from palaestra.ui.live import LiveError, LiveSessions
from palaestra.ui.roots import UiPathError, UiRoots

STATIC = Path(__file__).parent / "static"


@dataclass(frozen=True)
class UiOptions:
    """How the UI behaves beyond what its server's configuration says."""

    #: The embedding model demonstrations are saved with (default: MiniLM, loaded on first save).
    embedder: Embedder | None = None


class RequestError(PalaestraError, ValueError):
    """A request that is malformed: a missing parameter, a body that is not JSON, too large."""


Handler = Callable[[Request], Awaitable[Response]]


def app(roots: UiRoots, sessions: LiveSessions, guard: Guard, options: UiOptions | None = None) -> Starlette:
    """The UI's ASGI app over the runs and memories under ``roots``, with ``sessions`` as its live
    environments and ``guard`` saying who may use it (both from the server that mounts it)."""
    ui = _Ui(roots, options or UiOptions(), guard, sessions)
    routes = [
        Route("/", ui.index),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
        *[Route(f"/api/{path}", _json(handler), methods=methods) for path, handler, methods in ui.api()],
        Route("/api/file", ui.file),
        Route("/api/call-image", ui.call_image),
        Route("/api/live/{sid}/screenshot", ui.live_screenshot),
    ]
    starlette = Starlette(routes=routes)
    starlette.add_middleware(GuardMiddleware, guard=guard)
    starlette.state.ui = ui
    return starlette


def _json(handler: Callable[[Request], Awaitable[Any]]) -> Handler:
    """A handler returning JSON-able data, with typed errors turned into 4xx answers naming the fix."""

    async def endpoint(request: Request) -> Response:
        try:
            return JSONResponse(await handler(request))
        except UiPathError as exc:
            return JSONResponse({"error": str(exc)}, 403)
        except SessionError as exc:  # the server's own: capacity (503), not found (404), ...
            return JSONResponse({"error": str(exc)}, exc.status)
        except (ev.NotFoundError, FileNotFoundError) as exc:
            return JSONResponse({"error": str(exc)}, 404)
        except (PalaestraError, ValueError, KeyError) as exc:
            return JSONResponse({"error": str(exc).strip("'\"")}, 400)
        except sqlite3.Error as exc:
            return JSONResponse({"error": f"The run's database cannot be read: {exc}"}, 500)

    return endpoint


def _param(request: Request, name: str) -> str:
    value = request.query_params.get(name)
    if value is None or value == "":
        raise RequestError(f"Missing query parameter `{name}`.")
    return value


async def _body(request: Request) -> dict[str, Any]:
    """The JSON object a request carries (the server has bounded its size: `--max-body-bytes`)."""
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError as exc:
        raise RequestError(f"The request body is not JSON: {exc}") from None
    if not isinstance(body, dict):
        raise RequestError("The request body must be a JSON object.")
    return body


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _int(value: Any, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise RequestError(f"`{name}` must be an integer, got {value!r}.") from None


class _Ui:
    def __init__(self, roots: UiRoots, options: UiOptions, guard: Guard, sessions: LiveSessions) -> None:
        self.roots, self.options, self.guard, self.sessions = roots, options, guard, sessions
        self.embedders = mem.Embedders(options.embedder)

    def owner(self, request: Request) -> str:
        return self.guard.owner(request)

    def api(self) -> list[tuple[str, Callable[[Request], Awaitable[Any]], list[str]]]:
        get, post = ["GET"], ["POST"]
        return [
            ("info", self.info, get), ("runs", self.runs, get), ("run", self.run, get),
            ("compare", self.compare, get), ("episode", self.episode, get),
            ("observation", self.observation, get), ("prompt", self.prompt, get),
            ("playground", self.playground, post), ("tasks", self.tasks, get),
            ("live", self.live_list, get), ("live", self.live_open, post),
            ("live/{sid}", self.live_state, get), ("live/{sid}/step", self.live_step, post),
            ("live/{sid}/reset", self.live_reset, post), ("live/{sid}/propose", self.live_propose, post),
            ("live/{sid}/save", self.live_save, post), ("live/{sid}/close", self.live_close, post),
            ("memories", self.memories, get), ("memory", self.memory, get),
            ("exemplar", self.exemplar, get), ("exemplar/delete", self.exemplar_delete, post),
        ]  # fmt: skip

    async def index(self, request: Request) -> Response:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    # -- runs and episodes --------------------------------------------------------------------------

    async def info(self, request: Request) -> Any:
        from palaestra.agents.registry import agent_names

        return {
            "runs": [str(r) for r in self.roots.runs],
            "memories": [str(m) for m in self.roots.memories],
            "agents": agent_names(),
            "max_live": self.sessions.manager.config.max_sessions,
            "idle_timeout": self.sessions.manager.config.idle_timeout,
        }

    async def runs(self, request: Request) -> Any:
        return await asyncio.to_thread(rv.run_list, self.roots)

    async def run(self, request: Request) -> Any:
        return await asyncio.to_thread(rv.run_detail, self.roots, self.roots.run(_param(request, "run")))

    async def compare(self, request: Request) -> Any:
        paths = [self.roots.run(r) for r in request.query_params.getlist("run")]
        if not paths:
            raise RequestError(
                "Pick two runs to compare (run=A&run=B), or one run of several agents (run=A)."
            )
        return await asyncio.to_thread(rv.comparison, self.roots, paths)

    async def episode(self, request: Request) -> Any:
        run = self.roots.run(_param(request, "run"))
        return await asyncio.to_thread(ev.episode_detail, run, _param(request, "key"))

    async def observation(self, request: Request) -> Any:
        run = self.roots.run(_param(request, "run"))
        key, step = _param(request, "key"), _param(request, "step")
        return await asyncio.to_thread(ev.observation_detail, run, key, step)

    async def file(self, request: Request) -> Response:
        try:
            run = self.roots.run(_param(request, "run"))
            path = await asyncio.to_thread(
                ev.artifact_path, run, _param(request, "key"), _param(request, "name")
            )
        except UiPathError as exc:
            return JSONResponse({"error": str(exc)}, 403)
        except (ev.NotFoundError, RequestError, FileNotFoundError) as exc:
            return JSONResponse({"error": str(exc)}, 404)
        if path.name == TRACE_FILE:  # a download, for Playwright's trace viewer: never shown inline
            return FileResponse(path, media_type="application/zip", filename=trace_download_name(path))
        kind = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}.get(path.suffix.lower())
        if kind is None:  # only pictures and traces are files; text goes through the JSON API, escaped
            return JSONResponse({"error": f"{path.name} is not a screenshot or a trace."}, 404)
        return FileResponse(path, media_type=kind)

    async def call_image(self, request: Request) -> Response:
        """An image a step's model call sent, which the prompt view shows where its part was: only a
        plain file name of the episode's folder, read as `palaestra export` reads it."""
        try:
            run = self.roots.run(_param(request, "run"))
            key, name = _param(request, "key"), _param(request, "name")
            path = await asyncio.to_thread(ev.call_image_path, run, key, name)
        except UiPathError as exc:
            return JSONResponse({"error": str(exc)}, 403)
        except (ev.NotFoundError, FileNotFoundError) as exc:  # a missing file included
            return JSONResponse({"error": str(exc)}, 404)
        except (RecordedImageError, RequestError) as exc:  # a path, not a file name; a missing parameter
            return JSONResponse({"error": str(exc)}, 400)
        return FileResponse(path, media_type=MEDIA_TYPES[path.suffix.lower()])

    # -- playground ---------------------------------------------------------------------------------

    async def prompt(self, request: Request) -> Any:
        run = self.roots.run(_param(request, "run"))
        step = _int(_param(request, "step"), "step")
        return await asyncio.to_thread(ev.step_prompt, run, _param(request, "key"), step)

    async def playground(self, request: Request) -> Any:
        body = await _body(request)
        messages = pg.check_messages(body.get("messages"))
        recorded: dict[str, Any] = {}
        read_action = pg.action_reader(None)
        image_path: pg.ImagePath | None = None
        if body.get("run") and body.get("key") and body.get("step") is not None:
            run, key = self.roots.run(str(body["run"])), str(body["key"])
            found = await asyncio.to_thread(ev.step_prompt, run, key, _int(body["step"], "step"))
            recorded, read_action = found["model"], pg.action_reader(found.get("agent_name"))
            image_path = functools.partial(ev.call_image_path, run, key)
        messages = await asyncio.to_thread(pg.with_recorded_images, messages, image_path)
        overrides = _mapping(body.get("model"))
        model = await asyncio.to_thread(pg.choose_model, recorded, overrides)  # may load weights
        return await pg.send(messages, model, read_action)

    # -- live ---------------------------------------------------------------------------------------

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
        body = await _body(request)
        task = str(body.get("task") or "").strip()
        if not task:
            raise RequestError("Pick a task to start.")
        # The agent to be asked, if chosen now: the environment computes the parts it reads.
        agent = str(body.get("agent") or "").strip()
        args = self._agent_args(body) if agent else {}
        seed = _int(body.get("seed", 0), "seed")
        session = await self.sessions.open(self.owner(request), task, seed, agent, args)
        if agent:  # the session's page offers it first, with the arguments as typed
            session.chosen_agent = {"agent": agent, "args": _mapping(body.get("args"))}
        return session.state()

    def _agent_args(self, body: Mapping[str, Any]) -> dict[str, str]:
        args = {str(k): str(v) for k, v in _mapping(body.get("args")).items() if str(v) != ""}
        if "memory" in args:  # agents read memories inside the UI's memory folders only
            args["memory"] = str(self.roots.memory(args["memory"]))
        return args

    async def live_state(self, request: Request) -> Any:
        return self.sessions.get(request.path_params["sid"], self.owner(request)).state()

    async def live_step(self, request: Request) -> Any:
        body = await _body(request)
        session = self.sessions.get(request.path_params["sid"], self.owner(request))
        await self.sessions.step(session, str(body.get("action") or ""), str(body.get("by") or "person"))
        return session.state()

    async def live_reset(self, request: Request) -> Any:
        body = await _body(request)
        session = self.sessions.get(request.path_params["sid"], self.owner(request))
        await self.sessions.reset(session, _int(body.get("seed", session.session.seed), "seed"))
        return session.state()

    async def live_propose(self, request: Request) -> Any:
        body = await _body(request)
        session = self.sessions.get(request.path_params["sid"], self.owner(request))
        name = str(body.get("agent") or "").strip()
        if not name:
            raise RequestError("Pick an agent to ask.")
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
        body = await _body(request)
        session = self.sessions.get(request.path_params["sid"], self.owner(request))
        path = self.roots.memory(str(body.get("memory") or ""))
        return await asyncio.to_thread(mem.save_demonstration, session, path, self.embedders)

    async def live_close(self, request: Request) -> Any:
        closed = await self.sessions.close(request.path_params["sid"], self.owner(request))
        return {"closed": closed}

    async def live_screenshot(self, request: Request) -> Response:
        try:
            session = self.sessions.get(request.path_params["sid"], self.owner(request))
            png = await asyncio.to_thread(session.screenshot_png)
        except (LiveError, SessionError) as exc:
            return JSONResponse({"error": str(exc)}, 404)
        return Response(png, media_type="image/png")

    # -- memories -----------------------------------------------------------------------------------

    async def memories(self, request: Request) -> Any:
        found = await asyncio.to_thread(self.roots.find_memories)
        return {
            "roots": [str(m) for m in self.roots.memories],
            "memories": [{"path": str(p), "label": self.roots.label(p)} for p in found],
        }

    async def memory(self, request: Request) -> Any:
        path = self.roots.memory(_param(request, "path"))
        return await asyncio.to_thread(mem.memory_summary, path)

    async def exemplar(self, request: Request) -> Any:
        path = self.roots.memory(_param(request, "path"))
        return await asyncio.to_thread(mem.exemplar_detail, path, _param(request, "id"))

    async def exemplar_delete(self, request: Request) -> Any:
        body = await _body(request)
        path = self.roots.memory(str(body.get("path") or ""))
        return await asyncio.to_thread(mem.delete_exemplar, path, str(body.get("id") or ""))
