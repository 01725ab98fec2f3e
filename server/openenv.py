"""OpenEnv's protocol, so `openenv.core.GenericEnvClient` drives any Palaestra task unchanged.

``WS /ws``: each connection is one session (`palaestra.server.openenv_ws`), with OpenEnv's messages
and, for OpenEnv's ``MCPToolClient``, its tool actions (`palaestra.server.openenv_tools`).

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

from starlette.requests import Request
from starlette.routing import BaseRoute, Route, WebSocketRoute

from palaestra.server.api import check_action
from palaestra.server.capabilities import CAPABILITIES
from palaestra.server.http import BadRequest, WireResponse, body, context_of, owner_of
from palaestra.server.models import OpenEnvAction, OpenEnvReset, OpenEnvStep
from palaestra.server.openenv_ws import openenv_result, same_views, websocket_endpoint
from palaestra.server.wire import observation_schema

__all__ = ["openenv_result", "routes"]


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
        if spec.record is not None and spec.record != (session.record_root is not None):
            raise BadRequest(
                f"record: session {session.id} is {'' if session.record_root else 'not '}recorded; that is "
                "chosen when a session opens. Fix: reset without session_id (a new session) to change it.",
                [{"field": "record", "message": "differs from the session's"}],
            )
        if spec.action_set is not None and spec.action_set != session.asked_action_set:
            plays = (
                f"the {session.asked_action_set} actions"
                if session.asked_action_set
                else "its task's own actions"
            )
            raise BadRequest(
                f"action_set: session {session.id} plays with {plays}; the action set is chosen when a "
                "session opens. Fix: reset without session_id (a new session) to change it.",
                [{"field": "action_set", "message": "differs from the session's"}],
            )
    else:
        task = spec.task or ctx.config.default_task
        if not task:
            raise BadRequest(
                "task: this server has no default task; name one.", [{"field": "task", "message": "required"}]
            )
        session = await ctx.sessions.create(
            owner, task, parts=spec.parts, views=spec.views or [], record=bool(spec.record),
            action_set=spec.action_set or "",
        )  # fmt: skip
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
    owner = owner_of(request)  # who asks comes first: a caller without a token learns nothing more
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
    session = ctx.sessions.get(owner, spec.session_id)
    outcome = await ctx.sessions.run(session, lambda: session.step(spec.action.action))
    return WireResponse(openenv_result(outcome, images=session.inline_images, session_id=session.id))


async def http_state(request: Request) -> WireResponse:
    owner = owner_of(request)
    sid = request.query_params.get("session_id")
    if not sid:
        raise BadRequest(SESSION_ID_FIX, [{"field": "session_id", "message": "required"}])
    return WireResponse(context_of(request).sessions.get(owner, sid).state())


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
