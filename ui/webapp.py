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
import sqlite3
from collections.abc import Awaitable, Callable
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
from palaestra.runs.tracing import TRACE_FILE, trace_download_name
from palaestra.server.sessions import SessionError
from palaestra.ui import episode_view as ev
from palaestra.ui import memories as mem
from palaestra.ui import playground as pg
from palaestra.ui import runs_view as rv
from palaestra.ui.guard import Guard, GuardMiddleware
from palaestra.ui.live import LiveSessions
from palaestra.ui.live_agents import AgentNotAllowed
from palaestra.ui.live_routes import LiveRoutes
from palaestra.ui.requests import RequestError, as_int, as_mapping, json_body, query_param
from palaestra.ui.roots import RunNotFound, UiPathError, UiRoots

STATIC = Path(__file__).parent / "static"


@dataclass(frozen=True)
class UiOptions:
    """How the UI behaves beyond what its server's configuration says."""

    #: The embedding model demonstrations are saved with (default: MiniLM, loaded on first save).
    embedder: Embedder | None = None
    #: Module names whose ``module:Class`` agents a browser may have the server import (each
    #: allows its submodules too; `palaestra ui --allow-agent-module`). Registered agents always may.
    agent_modules: tuple[str, ...] = ()


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
        Route("/api/live/{sid}/screenshot", ui.live.screenshot),
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
        except (UiPathError, AgentNotAllowed) as exc:
            return JSONResponse({"error": str(exc)}, 403)
        except SessionError as exc:  # the server's own: capacity (503), not found (404), ...
            return JSONResponse({"error": str(exc)}, exc.status)
        except (ev.NotFoundError, RunNotFound, FileNotFoundError) as exc:
            return JSONResponse({"error": str(exc)}, 404)
        except (PalaestraError, ValueError, KeyError) as exc:
            return JSONResponse({"error": str(exc).strip("'\"")}, 400)
        except sqlite3.Error as exc:
            return JSONResponse({"error": f"The run's database cannot be read: {exc}"}, 500)

    return endpoint


class _Ui:
    def __init__(self, roots: UiRoots, options: UiOptions, guard: Guard, sessions: LiveSessions) -> None:
        self.roots, self.options, self.guard, self.sessions = roots, options, guard, sessions
        self.embedders = mem.Embedders(options.embedder)
        self.live = LiveRoutes(roots, guard, sessions, self.embedders, options.agent_modules)

    def api(self) -> list[tuple[str, Callable[[Request], Awaitable[Any]], list[str]]]:
        get, post = ["GET"], ["POST"]
        return [
            ("info", self.info, get), ("runs", self.runs, get), ("run", self.run, get),
            ("compare", self.compare, get), ("episode", self.episode, get),
            ("observation", self.observation, get), ("prompt", self.prompt, get),
            ("playground", self.playground, post), *self.live.api(),
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
        return await asyncio.to_thread(rv.run_detail, self.roots, self.roots.run(query_param(request, "run")))

    async def compare(self, request: Request) -> Any:
        paths = [self.roots.run(r) for r in request.query_params.getlist("run")]
        if not paths:
            raise RequestError(
                "Pick two runs to compare (run=A&run=B), or one run of several agents (run=A)."
            )
        return await asyncio.to_thread(rv.comparison, self.roots, paths)

    async def episode(self, request: Request) -> Any:
        run = self.roots.run(query_param(request, "run"))
        return await asyncio.to_thread(ev.episode_detail, run, query_param(request, "key"))

    async def observation(self, request: Request) -> Any:
        run = self.roots.run(query_param(request, "run"))
        key, step = query_param(request, "key"), query_param(request, "step")
        return await asyncio.to_thread(ev.observation_detail, run, key, step)

    async def file(self, request: Request) -> Response:
        try:
            run = self.roots.run(query_param(request, "run"))
            path = await asyncio.to_thread(
                ev.artifact_path, run, query_param(request, "key"), query_param(request, "name")
            )
        except (UiPathError, AgentNotAllowed) as exc:
            return JSONResponse({"error": str(exc)}, 403)
        except (ev.NotFoundError, RunNotFound, RequestError, FileNotFoundError) as exc:
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
            run = self.roots.run(query_param(request, "run"))
            key, name = query_param(request, "key"), query_param(request, "name")
            path = await asyncio.to_thread(ev.call_image_path, run, key, name)
        except (UiPathError, AgentNotAllowed) as exc:
            return JSONResponse({"error": str(exc)}, 403)
        except (ev.NotFoundError, RunNotFound, FileNotFoundError) as exc:  # a missing file included
            return JSONResponse({"error": str(exc)}, 404)
        except (RecordedImageError, RequestError) as exc:  # a path, not a file name; a missing parameter
            return JSONResponse({"error": str(exc)}, 400)
        return FileResponse(path, media_type=MEDIA_TYPES[path.suffix.lower()])

    # -- playground ---------------------------------------------------------------------------------

    async def prompt(self, request: Request) -> Any:
        run = self.roots.run(query_param(request, "run"))
        step = as_int(query_param(request, "step"), "step")
        return await asyncio.to_thread(ev.step_prompt, run, query_param(request, "key"), step)

    async def playground(self, request: Request) -> Any:
        body = await json_body(request)
        messages = pg.check_messages(body.get("messages"))
        recorded: dict[str, Any] = {}
        read_action = pg.action_reader(None)
        image_path: pg.ImagePath | None = None
        if body.get("run") and body.get("key") and body.get("step") is not None:
            run, key = self.roots.run(str(body["run"])), str(body["key"])
            found = await asyncio.to_thread(ev.step_prompt, run, key, as_int(body["step"], "step"))
            recorded, read_action = found["model"], pg.action_reader(found.get("agent_name"))
            image_path = functools.partial(ev.call_image_path, run, key)
        messages = await asyncio.to_thread(pg.with_recorded_images, messages, image_path)
        overrides = as_mapping(body.get("model"))
        model = await asyncio.to_thread(pg.choose_model, recorded, overrides)  # may load weights
        return await pg.send(messages, model, read_action)

    # -- live ---------------------------------------------------------------------------------------

    # -- memories -----------------------------------------------------------------------------------

    async def memories(self, request: Request) -> Any:
        found = await asyncio.to_thread(self.roots.find_memories)
        return {
            "roots": [str(m) for m in self.roots.memories],
            "memories": [{"path": str(p), "label": self.roots.label(p)} for p in found],
        }

    async def memory(self, request: Request) -> Any:
        path = self.roots.memory(query_param(request, "path"))
        return await asyncio.to_thread(mem.memory_summary, path)

    async def exemplar(self, request: Request) -> Any:
        path = self.roots.memory(query_param(request, "path"))
        return await asyncio.to_thread(mem.exemplar_detail, path, query_param(request, "id"))

    async def exemplar_delete(self, request: Request) -> Any:
        body = await json_body(request)
        path = self.roots.memory(str(body.get("path") or ""))
        return await asyncio.to_thread(mem.delete_exemplar, path, str(body.get("id") or ""))
