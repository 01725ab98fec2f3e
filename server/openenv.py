"""OpenEnv's protocol, so `openenv.core.GenericEnvClient` drives any Palaestra task unchanged.

``WS /ws``: each connection is one session. Messages in: ``reset`` (``data``: ``seed``,
``episode_id``, and Palaestra's ``task``, ``parts``, ``screenshots``, ``views``), ``step`` (``data``:
``{"action": "click('12')"}``, or the tool actions of OpenEnv's ``MCPToolClient``: `openenv_tools`),
``state``, ``close``. Messages out: ``observation`` (``data``: ``observation``, ``reward``,
``done``), ``state``, ``error`` (``data``: ``message``, ``code``).
The session starts with the first ``reset``; a reset naming another task replaces its environment.

``POST /reset``, ``POST /step``, ``GET /state``: OpenEnv's HTTP routes build a fresh environment
per request, which cannot hold a browser episode; here ``/reset`` opens a session (or resets the
one named by ``session_id``) and says its id in the observation, and ``/step`` and ``/state`` take
that ``session_id``. ``GET /health``, ``/schema`` and ``/metadata`` are as in OpenEnv.

Gymnasium's 5-tuple on OpenEnv's wire: ``reward`` is the reward, ``done`` is
``terminated or truncated``, and the observation carries ``terminated``, ``truncated``,
``success``, ``error_kind`` and ``error_message`` (see `palaestra.server.wire`).

Views (`palaestra.envs.views`: BrowserGym's or OSWorld's observation dict), asked for with the
reset's ``views``, come back in the observation too, as ``views: {name: dict}``: OpenEnv's wire
drops ``metadata``, so the observation is the one place its clients are handed extra data.
OSWorld's screenshot is then this observation's ``screenshot`` (`palaestra.server.view_wire`).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable
from typing import Any

from starlette.requests import Request
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from palaestra.server.api import check_action
from palaestra.server.auth import AuthError
from palaestra.server.capabilities import CAPABILITIES
from palaestra.server.http import BadRequest, WireResponse, body, context_of, error_of, owner_of, validate
from palaestra.server.models import OpenEnvAction, OpenEnvReset, OpenEnvStep
from palaestra.server.openenv_tools import ToolActions, is_tool_action
from palaestra.server.sessions import Session, SessionError, SessionManager, StepOutcome
from palaestra.server.view_wire import shared_pngs, views_json
from palaestra.server.wire import dumps, episode_fields, observation_json, observation_schema

#: OpenEnv's error codes for what went wrong with a message (``WSErrorCode``).
INVALID_JSON, UNKNOWN_TYPE, VALIDATION_ERROR, EXECUTION_ERROR = (
    "INVALID_JSON", "UNKNOWN_TYPE", "VALIDATION_ERROR", "EXECUTION_ERROR",
)  # fmt: skip


def openenv_result(outcome: StepOutcome, *, images: bool, session_id: str | None = None) -> dict[str, Any]:
    """``{"observation", "reward", "done"}``: what OpenEnv's ``serialize_observation`` gives."""
    observation = observation_json(outcome.obs, images=images, pngs=shared_pngs(outcome.views))
    observation.update(episode_fields(outcome.terminated, outcome.truncated, outcome.info))
    if session_id is not None:
        observation["session_id"] = session_id
    if outcome.views:  # OSWorld's screen travels once: as this observation's (`view_wire`)
        observation["views"] = views_json(outcome.views, observation, screen=outcome.obs.get("screenshot"))
    return {
        "observation": observation,
        "reward": outcome.reward,
        "done": outcome.terminated or outcome.truncated,
    }


def same_views(session: Session, views: Iterable[str]) -> bool:
    return set(session.views) == set(views)


class _Connection:
    """One WebSocket's session, opened by its first reset."""

    def __init__(self, sessions: SessionManager, owner: str, default_task: str, max_action: int) -> None:
        self.sessions, self.owner, self.default_task, self.max_action = (
            sessions,
            owner,
            default_task,
            max_action,
        )
        self.session_id: str | None = None
        self.tools = ToolActions(sessions)

    async def handle(self, message: dict[str, Any]) -> dict[str, Any] | None:
        kind = message.get("type", "")
        if kind == "reset":
            return {"type": "observation", "data": await self.reset(message.get("data") or {})}
        if kind == "step":
            data = message.get("data")
            if isinstance(data, dict) and is_tool_action(data):  # OpenEnv's MCPToolClient (`openenv_tools`)
                return {"type": "observation", "data": await self.tools.answer(self._session(), data)}
            action = validate(OpenEnvAction, data, ("data",))
            check_action(action.action, self.max_action)
            session = self._session()
            outcome = await self.sessions.run(session, lambda: session.step(action.action))
            return {"type": "observation", "data": openenv_result(outcome, images=session.inline_images)}
        if kind == "state":
            state = self._session().state() if self.session_id else {"episode_id": None, "step_count": 0}
            return {"type": "state", "data": state}
        if kind == "close":
            return None
        raise _Unknown(f"Unknown message type: {kind!r}; expected reset, step, state or close.")

    async def reset(self, data: dict[str, Any]) -> dict[str, Any]:
        spec = validate(OpenEnvReset, data, ("data",))
        if spec.session_id is not None:
            raise BadRequest("data.session_id: a WebSocket is its own session; drop session_id.")
        session = self.sessions.sessions.get(self.session_id or "")
        task = spec.task or (session.task if session else "") or self.default_task
        if not task:
            raise BadRequest(
                "data.task: this server has no default task; reset with a task id, e.g. "
                "reset(task='miniwob.click-test').",
                [{"field": "data.task", "message": "required"}],
            )
        parts = spec.parts if spec.parts is not None else (session.asked_parts if session else None)
        views = spec.views if spec.views is not None else (list(session.views) if session else [])
        same = session is not None and session.task == task and same_views(session, views)
        if session is None or not same or tuple(parts or session.asked_parts) != session.asked_parts:
            await self.close()
            session = await self.sessions.create(self.owner, task, parts=parts, views=views)
            self.session_id = session.id
        if spec.screenshots is not None:
            session.inline_images = spec.screenshots
        live = session
        outcome = await self.sessions.run(
            live, lambda: live.reset(seed=spec.seed, episode_id=spec.episode_id)
        )
        return openenv_result(outcome, images=session.inline_images)

    def _session(self) -> Any:
        if self.session_id is None:
            raise BadRequest("Send a reset first: it opens this connection's session.")
        return self.sessions.get(self.owner, self.session_id)

    async def close(self) -> None:
        if self.session_id is not None:
            sid, self.session_id = self.session_id, None
            if sid in self.sessions.sessions:
                await self.sessions.close(self.owner, sid)


class _Unknown(Exception):
    pass


async def websocket_endpoint(websocket: WebSocket) -> None:
    ctx = context_of(websocket)
    try:
        owner = owner_of(websocket)
    except AuthError:
        await websocket.close(code=1008, reason="invalid or missing token")
        return
    await websocket.accept()
    conn = _Connection(ctx.sessions, owner, ctx.config.default_task, ctx.config.max_action_chars)
    try:
        while True:
            raw = await websocket.receive_text()
            if len(raw) > ctx.config.max_body_bytes:
                await _send_error(
                    websocket, f"Message larger than {ctx.config.max_body_bytes} bytes.", VALIDATION_ERROR
                )
                continue
            try:
                message = json.loads(raw)
                if not isinstance(message, dict):
                    raise ValueError("a message is a JSON object")
            except ValueError as exc:
                await _send_error(websocket, f"Invalid JSON: {exc}", INVALID_JSON)
                continue
            try:
                reply = await conn.handle(message)
            except _Unknown as exc:
                await _send_error(websocket, str(exc), UNKNOWN_TYPE)
                continue
            except (SessionError, AuthError, LookupError, ValueError) as exc:
                status, code, text, extra = error_of(exc)
                await _send_error(websocket, text, VALIDATION_ERROR if status == 422 else code, **extra)
                continue
            except Exception as exc:  # an environment's failure must not take the connection down
                await _send_error(websocket, f"{type(exc).__name__}: {exc}", EXECUTION_ERROR)
                continue
            if reply is None:
                break
            await websocket.send_text(dumps(reply))
    except WebSocketDisconnect:
        pass
    finally:
        await conn.close()
    with contextlib.suppress(RuntimeError, WebSocketDisconnect):
        await websocket.close()


async def _send_error(websocket: WebSocket, message: str, code: str, **extra: Any) -> None:
    await websocket.send_text(
        json.dumps({"type": "error", "data": {"message": message, "code": code, **extra}})
    )


async def http_reset(request: Request) -> WireResponse:
    ctx = context_of(request)
    owner = owner_of(request)
    spec = await body(request, OpenEnvReset)
    if spec.session_id is not None:
        session = ctx.sessions.get(owner, spec.session_id)
        if spec.views is not None and not same_views(session, spec.views):
            raise BadRequest(
                f"views: session {session.id} makes {list(session.views)}; views are chosen when a "
                "session opens. Fix: reset without session_id (a new session) to change them.",
                [{"field": "views", "message": "differs from the session's"}],
            )
    else:
        task = spec.task or ctx.config.default_task
        if not task:
            raise BadRequest(
                "task: this server has no default task; name one.", [{"field": "task", "message": "required"}]
            )
        session = await ctx.sessions.create(owner, task, parts=spec.parts, views=spec.views or [])
    if spec.screenshots is not None:
        session.inline_images = spec.screenshots
    outcome = await ctx.sessions.run(
        session, lambda: session.reset(seed=spec.seed, episode_id=spec.episode_id)
    )
    return WireResponse(openenv_result(outcome, images=session.inline_images, session_id=session.id))


#: What a stateless OpenEnv client that sends no ``session_id`` must learn: where the id comes from.
SESSION_ID_FIX = (
    "session_id: required: POST /reset opens a session and answers its id as observation.session_id; "
    "send it with each /step and /state (or use WS /ws, where the connection is the session)."
)


async def http_step(request: Request) -> WireResponse:
    ctx = context_of(request)
    try:
        spec = await body(request, OpenEnvStep)
    except BadRequest as exc:  # OpenEnv's own HTTP routes take no session: say where it comes from
        if not any(f["field"] == "session_id" and f["message"] == "Field required" for f in exc.fields):
            raise
        others = [f for f in exc.fields if f["field"] != "session_id"]
        fields = [{"field": "session_id", "message": "required"}, *others]
        raise BadRequest("; ".join([SESSION_ID_FIX, *(f"{f['field']}: {f['message']}" for f in others)]),
                         fields) from None  # fmt: skip
    check_action(spec.action.action, ctx.config.max_action_chars)
    session = ctx.sessions.get(owner_of(request), spec.session_id)
    outcome = await ctx.sessions.run(session, lambda: session.step(spec.action.action))
    return WireResponse(openenv_result(outcome, images=session.inline_images, session_id=session.id))


async def http_state(request: Request) -> WireResponse:
    sid = request.query_params.get("session_id")
    if not sid:
        raise BadRequest(SESSION_ID_FIX, [{"field": "session_id", "message": "required"}])
    return WireResponse(context_of(request).sessions.get(owner_of(request), sid).state())


async def health(request: Request) -> WireResponse:
    """Unauthenticated, for probes: whether the server answers, and how full it is."""
    ctx = context_of(request)
    return WireResponse(
        {
            "status": "healthy",
            "sessions": len(ctx.sessions.sessions),
            "max_sessions": ctx.config.max_sessions,
            "sessions_opened": ctx.sessions.opened,
        }
    )


async def schema(request: Request) -> WireResponse:
    owner_of(request)
    action = OpenEnvAction.model_json_schema()
    state = {"type": "object", "properties": {"episode_id": {"type": ["string", "null"]},
                                              "step_count": {"type": "integer"}},
             "additionalProperties": True}  # fmt: skip
    observation = observation_schema()
    observation["properties"]["views"] = {
        "type": "object",
        "additionalProperties": {"type": "object"},
        "description": "The views the reset asked for (browsergym, osworld), by name; absent without. "
        'An osworld view whose screenshot is this observation\'s holds "screenshot_from": "observation" '
        "in its place.",
    }
    return WireResponse({"action": action, "observation": observation, "state": state})


async def metadata(request: Request) -> WireResponse:
    from importlib.metadata import version

    owner_of(request)
    return WireResponse({
        "name": "palaestra",
        "description": "Palaestra's environments (real Chromium tasks: MiniWoB++, tools, sites) over "
                       "OpenEnv's protocol; actions are strings such as click('12').",
        "version": version("palaestra"),
        # What clients check before using a newer route or field (`palaestra.server.capabilities`).
        "capabilities": list(CAPABILITIES),
        "default_task": context_of(request).config.default_task or None,
        "documentation_url": None,
    })  # fmt: skip


def routes() -> list[BaseRoute]:
    return [
        WebSocketRoute("/ws", websocket_endpoint),
        Route("/reset", http_reset, methods=["POST"]),
        Route("/step", http_step, methods=["POST"]),
        Route("/state", http_state, methods=["GET"]),
        Route("/health", health, methods=["GET"]),
        Route("/schema", schema, methods=["GET"]),
        Route("/metadata", metadata, methods=["GET"]),
    ]
