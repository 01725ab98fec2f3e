"""Palaestra's own session API: what OpenEnv's protocol lacks.

GET    /tasks                         registered task ids (?pattern=glob)
GET    /tasks/{task}                  what a session on it observes and accepts (?parts=a,b), no session
POST   /sessions                      open a session on any task (seed, observation parts,
                                      views: BrowserGym's or OSWorld's observation dict too)
GET    /sessions                      the caller's sessions
GET    /sessions/{id}                 one session: its state, verdict and layout
DELETE /sessions/{id}                 close it (its browser context with it)
POST   /sessions/{id}/reset           start an episode
POST   /sessions/{id}/step            act: Gymnasium's 5-tuple as JSON
POST   /sessions/{id}/early_stop      end the episode unanswered and judge it, as WebArena's harness does
GET    /sessions/{id}/observation     the latest observation (?keys=a,b&screenshots=true&views=a,b)
GET    /sessions/{id}/screenshot.png  the latest screenshot as PNG bytes
GET    /sessions/{id}/evidence        the ended episode's evidence for `palaestra judge`, as a tar
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from palaestra.envs.base import PalaestraEnv
from palaestra.envs.obs import ObsConfig
from palaestra.server.env_options import env_options
from palaestra.server.evidence_wire import MEDIA_TYPE, pack
from palaestra.server.http import BadRequest, WireResponse, body, context_of, owner_of
from palaestra.server.models import CreateSession, EarlyStopSession, ResetSession, StepSession
from palaestra.server.sessions import DEFAULT_PARTS, Session, StepOutcome, check_session_action_set
from palaestra.server.view_wire import shared_pngs, view_json, views_json
from palaestra.server.wire import observation_json, png_bytes


def describe(session: Session) -> dict[str, Any]:
    """A session as its creator sees it: enough for `RemoteEnv` to rebuild its layout and actions."""
    return {
        "id": session.id,
        "task": session.task,
        "parts": list(session.parts),
        "view_names": list(session.views),  # (``views`` is a reset's or step's: the views made)
        "browsergym": "browsergym" in session.views,
        **env_shape(session.env),
        "mcp": f"/mcp/{session.id}",
        "state": session.state(),
    }


def env_shape(env: PalaestraEnv) -> dict[str, Any]:
    """What an environment observes (its layout: keys, parts, viewport) and which actions it takes."""
    return {
        "layout": {
            "keys": list(env.layout.keys),
            "parts": sorted(env.layout.parts),
            "viewport": list(env.layout.viewport),
        },
        "action_set": {"name": env.action_set.name, "actions": list(env.action_set.actions)},
    }


def outcome_json(
    outcome: StepOutcome, *, images: bool, alias: bool = False, screenshot_once: bool = False
) -> dict[str, Any]:
    """A reset's or step's outcome as Gymnasium returns it: observation, reward, terminated,
    truncated, info; and the views the session makes (`palaestra.server.view_wire`), by name.
    With ``alias`` (a session opened with ``"browsergym": true``), BrowserGym's dict is
    ``browsergym_observation`` too, as those sessions answered before views. ``screenshot_once``
    (the session asked for it) leaves BrowserGym's screenshot to the observation's."""
    observation = observation_json(outcome.obs, images=images, pngs=shared_pngs(outcome.views))
    out: dict[str, Any] = {
        "observation": observation,
        "reward": outcome.reward,
        "terminated": outcome.terminated,
        "truncated": outcome.truncated,
        "info": outcome.info,
    }
    if outcome.views:  # OSWorld's screen travels once: as the observation's (`view_wire`)
        screen = outcome.obs.get("screenshot")
        views = out["views"] = views_json(
            outcome.views, observation, screen=screen, screenshot_once=screenshot_once
        )
        if alias and "browsergym" in views:
            out["browsergym_observation"] = views["browsergym"]
    return out


def session_outcome(session: Session, outcome: StepOutcome, *, images: bool | None = None) -> dict[str, Any]:
    """`outcome_json` of one of ``session``'s outcomes, as the session asked for it."""
    shown = session.inline_images if images is None else images
    once = session.screenshot_once
    return outcome_json(outcome, images=shown, alias=session.browsergym_alias, screenshot_once=once)


def _session(request: Request) -> Session:
    return context_of(request).sessions.get(owner_of(request), request.path_params["sid"])


async def list_tasks(request: Request) -> WireResponse:
    from palaestra.tasks.registry import list_tasks as registered

    owner_of(request)
    pattern = request.query_params.get("pattern", "*")
    return WireResponse({"tasks": registered(pattern)})


async def describe_task(request: Request) -> WireResponse:
    """What a session on a task would observe and accept (its layout and action set), with no session.

    Built from the environment a session would get (this server's options, such as a desktop's
    screen size, included) but never started: no browser or display. `RemoteEnv` asks it when it
    is made, so that its observation space is right before the first reset (a vector environment
    sizes its shared memory from it).
    """
    ctx = context_of(request)
    owner_of(request)
    task = request.path_params["task"]
    parts_param = request.query_params.get("parts")
    parts = [p.strip() for p in parts_param.split(",") if p.strip()] if parts_param is not None else None
    chosen = list(DEFAULT_PARTS if parts is None else parts)
    # An unknown part is refused with the known ones (ConfigError: 400).
    obs_config = ObsConfig(axtree=False, dom=False, elements=False, screenshot=False).including(chosen)
    action_set = request.query_params.get("action_set", "")
    chosen_set: dict[str, Any] = {}
    if action_set:  # as a session opened with it would have (only when chosen: see `SessionManager.create`)
        check_session_action_set(action_set, task)
        chosen_set["action_set"] = action_set
    env = ctx.sessions.env_factory(
        task, obs_config=obs_config, step_timeout=ctx.config.step_timeout, **chosen_set,
        **env_options(ctx.config, task),
    )  # fmt: skip
    try:
        return WireResponse({"task": task, "parts": chosen, **env_shape(env)})
    finally:
        await env.aclose()  # never started: closing it starts nothing


async def create_session(request: Request) -> WireResponse:
    ctx = context_of(request)
    owner = owner_of(request)
    spec = await body(request, CreateSession)
    views = [*spec.views, *(["browsergym"] if spec.browsergym else [])]
    session = await ctx.sessions.create(
        owner, spec.task, parts=spec.parts, record=spec.record, views=views, action_set=spec.action_set
    )
    session.inline_images, session.browsergym_alias = spec.screenshots, spec.browsergym
    session.screenshot_once = spec.screenshot_once
    out = describe(session)
    if spec.reset:
        outcome = await ctx.sessions.run(session, lambda: session.reset(seed=spec.seed))
        out.update(session_outcome(session, outcome))
        out["state"] = session.state()
    return WireResponse(out, status_code=201)


async def list_sessions(request: Request) -> WireResponse:
    owner = owner_of(request)
    sessions = context_of(request).sessions.owned_by(owner)
    return WireResponse({"sessions": [describe(s) for s in sessions]})


async def get_session(request: Request) -> WireResponse:
    return WireResponse(describe(_session(request)))


async def close_session(request: Request) -> Response:
    await context_of(request).sessions.close(owner_of(request), request.path_params["sid"])
    return Response(status_code=204)


async def reset_session(request: Request) -> WireResponse:
    session = _session(request)
    spec = await body(request, ResetSession)
    outcome = await context_of(request).sessions.run(
        session, lambda: session.reset(seed=spec.seed, episode_id=spec.episode_id)
    )
    return WireResponse(session_outcome(session, outcome), headers=server_timing(session))


async def step_session(request: Request) -> WireResponse:
    ctx = context_of(request)
    session = _session(request)
    spec = await body(request, StepSession)
    check_action(spec.action, ctx.config.max_action_chars)
    agent = spec.agent.model_dump() if spec.agent is not None else None
    outcome = await ctx.sessions.run(session, lambda: session.step(spec.action, agent=agent))
    return WireResponse(session_outcome(session, outcome), headers=server_timing(session))


async def early_stop_session(request: Request) -> WireResponse:
    """Judge the episode without an answer (the client's step limit, or its agent gave up), as
    WebArena's harness does: ``judged`` false when the task is not judged so (or the episode had
    ended), with no outcome; else the verdict as a step's outcome with no action run."""
    session = _session(request)
    spec = await body(request, EarlyStopSession)
    outcome = await context_of(request).sessions.run(session, lambda: session.early_stop(spec.reason))
    if outcome is None:
        return WireResponse({"judged": False})
    return WireResponse({"judged": True, **session_outcome(session, outcome)}, headers=server_timing(session))


async def get_evidence(request: Request) -> Response:
    """The evidence of the episode that just ended, as one tar of the files a run keeps
    (`palaestra.server.evidence_wire`): 409 while it is played, 404 when its task keeps none."""
    session = _session(request)

    async def archive() -> bytes:
        kept = await session.evidence()
        return await asyncio.to_thread(pack, kept, session.task)

    data = await context_of(request).sessions.run(session, archive)
    name = f"evidence-{session.episode_id or session.id}.tar"
    disposition = f'attachment; filename="{name}"'
    return Response(data, media_type=MEDIA_TYPE, headers={"Content-Disposition": disposition})


def server_timing(session: Session) -> dict[str, str]:
    """The environment's own time in the answer (``Server-Timing``), so clients can tell the
    server's overhead from the browser's work."""
    return {"Server-Timing": f"env;dur={session.env_s * 1000:.3f}"}


def check_action(action: str, limit: int) -> None:
    if len(action) > limit:
        raise BadRequest(
            f"action: {len(action)} characters, over this server's limit of {limit}.",
            [{"field": "action", "message": f"longer than {limit} characters"}],
        )


async def get_observation(request: Request) -> WireResponse:
    session = _session(request)
    if session.last is None:
        return WireResponse({"observation": None})
    keys_param = request.query_params.get("keys")
    keys = [k.strip() for k in keys_param.split(",") if k.strip()] if keys_param else None
    unknown = [k for k in keys or [] if k not in session.last.obs]
    if unknown:
        raise BadRequest(
            f"keys: {unknown} not in this session's observation; it has {list(session.last.obs)}.",
            [{"field": "keys", "message": f"unknown keys {unknown}"}],
        )
    images = request.query_params.get("screenshots", "").lower() in ("1", "true", "yes")
    views_param = request.query_params.get("views", "")
    views = [v.strip() for v in views_param.split(",") if v.strip()]
    asked = {name: session.last.views[name] for name in views if name in session.last.views}
    observation = observation_json(session.last.obs, images=images, keys=keys, pngs=shared_pngs(asked))
    out: dict[str, Any] = {"observation": observation}
    alias = request.query_params.get("browsergym", "").lower() in ("1", "true", "yes")
    missing = [v for v in (*views, *(["browsergym"] if alias else [])) if v not in session.last.views]
    if missing:
        field = "views" if views else "browsergym"
        raise BadRequest(
            f"{field}: this session makes no {', '.join(missing)} view (it makes "
            f"{list(session.views) or 'none'}); views are chosen when the session opens: create it "
            f'with "views": {json.dumps(missing)}.',
            [{"field": field, "message": f"not made by this session: {missing}"}],
        )
    if views:
        screen = session.last.obs.get("screenshot")
        once = session.screenshot_once
        out["views"] = views_json(asked, observation, screen=screen, screenshot_once=once)
    if alias:
        out["browsergym_observation"] = view_json("browsergym", session.last.views["browsergym"])
    return WireResponse(out)


async def get_screenshot(request: Request) -> Response:
    session = _session(request)
    shot = session.last.obs.get("screenshot") if session.last is not None else None
    if shot is None:
        raise BadRequest(
            "This session computes no screenshot: create it with parts including 'screenshot'.",
            [{"field": "parts", "message": "no screenshot part"}],
        )
    return Response(png_bytes(shot), media_type="image/png")


def routes() -> list[BaseRoute]:
    return [
        Route("/tasks", list_tasks, methods=["GET"]),
        Route("/tasks/{task}", describe_task, methods=["GET"]),
        Route("/sessions", create_session, methods=["POST"]),
        Route("/sessions", list_sessions, methods=["GET"]),
        Route("/sessions/{sid}", get_session, methods=["GET"]),
        Route("/sessions/{sid}", close_session, methods=["DELETE"]),
        Route("/sessions/{sid}/reset", reset_session, methods=["POST"]),
        Route("/sessions/{sid}/step", step_session, methods=["POST"]),
        Route("/sessions/{sid}/early_stop", early_stop_session, methods=["POST"]),
        Route("/sessions/{sid}/observation", get_observation, methods=["GET"]),
        Route("/sessions/{sid}/screenshot.png", get_screenshot, methods=["GET"]),
        Route("/sessions/{sid}/evidence", get_evidence, methods=["GET"]),
    ]
