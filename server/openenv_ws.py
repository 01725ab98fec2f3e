"""OpenEnv's WebSocket, ``WS /ws``: each connection is one session (`palaestra.server.openenv`).

Messages in: ``reset`` (``data``: ``seed``, ``episode_id``, and Palaestra's ``task``, ``parts``,
``screenshots``, ``views``, ``record``), ``step`` (``data``: ``{"action": "click('12')"}``, or the
tool actions of OpenEnv's ``MCPToolClient``: `openenv_tools`), ``state``, ``close``. Messages out:
``observation`` (``data``: ``observation``, ``reward``, ``done``), ``state``, ``error`` (``data``:
``message``, ``code``). The session starts with the first ``reset``; a reset naming another task
(or other parts, views or ``record``) replaces its environment. The connection remembers what its
session was asked for, so a reset after the server closed it (left idle past ``--idle-timeout``,
or after a request timed out) opens a new one on the same task, as a reset of a live one would
continue it.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from palaestra.server.api import check_action
from palaestra.server.auth import AuthError
from palaestra.server.http import BadRequest, context_of, error_of, owner_of, validate
from palaestra.server.models import OpenEnvAction, OpenEnvReset
from palaestra.server.openenv_tools import ToolActions, is_tool_action
from palaestra.server.sessions import Session, SessionError, SessionManager, SessionNotFound, StepOutcome
from palaestra.server.view_wire import shared_pngs, views_json
from palaestra.server.wire import dumps, episode_fields, observation_json

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
        #: The session this connection opened last, kept when the server closes it: what it was asked
        #: for (task, parts, views, screenshots) is what a reset without them opens again.
        self.previous: Session | None = None
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
        if kind == "mcp":  # OpenEnv's JSON-RPC over the socket: MCP itself is served apart, in full
            where = f"/mcp/{self.session_id}" if self.session_id else "/mcp/{session_id} (after a reset)"
            raise _Unknown(
                f"'mcp' messages are not served on /ws. MCP is at {where} (Streamable HTTP, any MCP "
                "client); on /ws, step with {'type': 'list_tools'} or {'type': 'call_tool', ...} "
                "(OpenEnv's MCPToolClient)."
            )
        raise _Unknown(f"Unknown message type: {kind!r}; expected reset, step, state or close.")

    async def reset(self, data: dict[str, Any]) -> dict[str, Any]:
        spec = validate(OpenEnvReset, data, ("data",))
        if spec.session_id is not None:
            raise BadRequest("data.session_id: a WebSocket is its own session; drop session_id.")
        session = self.sessions.sessions.get(self.session_id or "")
        gone = self.previous if session is None else None  # closed by the server, not by this client
        earlier = session or gone
        task = spec.task or (earlier.task if earlier else "") or self.default_task
        if not task:
            raise BadRequest(
                "data.task: this server has no default task; reset with a task id, e.g. "
                "reset(task='miniwob.click-test').",
                [{"field": "data.task", "message": "required"}],
            )
        parts = spec.parts if spec.parts is not None else (earlier.asked_parts if earlier else None)
        views = spec.views if spec.views is not None else (list(earlier.views) if earlier else [])
        record = spec.record if spec.record is not None else bool(earlier and earlier.record_root)
        # An action set fits one kind of environment: kept for the same task only.
        kept = earlier.asked_action_set if earlier is not None and earlier.task == task else ""
        action_set = spec.action_set if spec.action_set is not None else kept
        same = session is not None and session.task == task and same_views(session, views)
        same = same and session is not None and (session.record_root is not None) == record
        same = same and session is not None and session.asked_action_set == action_set
        if session is None or not same or tuple(parts or session.asked_parts) != session.asked_parts:
            await self.close("replaced: the client reset on another task, parts, views, record or action set")
            session = await self.sessions.create(
                self.owner, task, parts=parts, views=views, record=record, action_set=action_set
            )
            self.session_id = session.id
            if gone is not None and gone.task == task:
                session.inline_images = gone.inline_images
        self.previous = session
        if spec.screenshots is not None:
            session.inline_images = spec.screenshots
        live = session
        outcome = await self.sessions.run(
            live, lambda: live.reset(seed=spec.seed, episode_id=spec.episode_id)
        )
        return openenv_result(outcome, images=session.inline_images)

    def _session(self) -> Session:
        if self.session_id is None:
            raise BadRequest("Send a reset first: it opens this connection's session.")
        live = self.sessions.sessions.get(self.session_id)
        if live is None or live.closed:
            raise SessionNotFound(
                f"This connection's session `{self.session_id}` was closed by the server: it was left "
                f"unused longer than its idle timeout ({self.sessions.config.idle_timeout:g} s, "
                "`palaestra serve --idle-timeout`), or a request on it timed out. Send a reset to open a "
                "new one (the task, parts and views are remembered)."
            )
        return self.sessions.get(self.owner, self.session_id)

    async def close(self, why: str) -> None:
        if self.session_id is not None:
            sid, self.session_id = self.session_id, None
            if sid in self.sessions.sessions:
                await self.sessions.close(self.owner, sid, why)


def too_large(size: int, limit: int) -> str:
    """Why a message was refused, and what to do: the session it was meant for is untouched."""
    return (
        f"Message of {size} bytes is larger than this server's limit of {limit} bytes; it was not "
        "read and the session goes on. Send less (e.g. a shorter action), or start the server with a "
        "larger `palaestra serve --max-body-bytes` (PALAESTRA_SERVER_MAX_BODY_BYTES)."
    )


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
            if (size := len(raw.encode())) > ctx.config.max_body_bytes:
                await _send_error(websocket, too_large(size, ctx.config.max_body_bytes), VALIDATION_ERROR)
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
    finally:  # a client that vanished mid-step lands here too, once that step is over
        await conn.close("its WebSocket closed")
    with contextlib.suppress(RuntimeError, WebSocketDisconnect):
        await websocket.close()


async def _send_error(websocket: WebSocket, message: str, code: str, **extra: Any) -> None:
    await websocket.send_text(
        json.dumps({"type": "error", "data": {"message": message, "code": code, **extra}})
    )
