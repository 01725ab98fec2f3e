"""Clients and servers of different ages: the server lists its capabilities in ``GET /metadata``,
and a client uses only what its server has, naming the upgrade when it needs what it lacks.

An older server is this very server (real HTTP, real Chromium) with the newer routes taken off its
router, so that it answers them as Starlette answers any unknown path, and its ``/metadata`` as it
was: with no capabilities at all (older than the list), or with fewer.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable
from pathlib import Path

import httpx
import numpy as np
import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from palaestra.cli import main
from palaestra.envs import loop as loop_mod
from palaestra.envs.obs import ObsConfig
from palaestra.runs.results import load_rows
from palaestra.server import RemoteEnv
from palaestra.server.browsergym_remote import browsergym_from_json
from palaestra.server.capabilities import CAPABILITIES, EVIDENCE, VIEWS
from palaestra.server.remote import ServerTooOld
from palaestra.server.run import ServerThread
from palaestra.server.view_wire import SCREENSHOT_FROM

NEWER_ROUTES = ("/sessions/{sid}/evidence", "/sessions/{sid}/early_stop")


def made_older(server: ServerThread, *, declares: list[str] | None, without: tuple[str, ...] = ()) -> None:
    """``server`` as an older one: ``without`` these routes, its metadata listing ``declares``
    (no list at all when None)."""
    routes = server.app.router.routes
    routes[:] = [r for r in routes if getattr(r, "path", None) not in (*without, "/metadata")]

    async def metadata(request: Request) -> JSONResponse:
        listed = {} if declares is None else {"capabilities": declares}
        return JSONResponse({"name": "palaestra", "version": "0.0.9", "default_task": None, **listed})

    routes.append(Route("/metadata", metadata, methods=["GET"]))


def test_the_server_lists_its_capabilities_in_its_metadata(start_server: Callable[..., ServerThread]) -> None:
    server = start_server()
    metadata = httpx.get(f"{server.url}/metadata", timeout=30).json()
    assert metadata["capabilities"] == list(CAPABILITIES)
    assert {"views", "early_stop", "evidence", "screenshot_once"} <= set(metadata["capabilities"])


def test_a_run_against_a_server_without_evidence_keeps_its_episodes_and_names_the_upgrade(
    start_server: Callable[..., ServerThread], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server is older than the capability list: the client tries the route, and a bare 404
    (no error body: the route is unknown) becomes `ServerTooOld`, never a plain HTTP error."""
    server = start_server()
    made_older(server, declares=None, without=NEWER_ROUTES)
    monkeypatch.chdir(tmp_path)
    argv = ["eval", "--agent", "oracle", "--tasks", "enter-text", "--seeds", "0", "--workers", "1",
            "--out", "run", "--env-server", server.url]  # fmt: skip
    assert main(argv) == 0
    (row,) = load_rows(tmp_path / "run")
    assert row["success"] and not row["error_kind"]  # the verdict is the server's: kept
    said = json.loads(row["extra"])["evidence_error"]
    assert said.startswith("ServerTooOld: ") and f"server at {server.url} is older than this client" in said
    assert "no evidence endpoint" in said and "--no-evidence" in said and "'evidence'" in said


def test_a_server_without_early_stop_leaves_an_unanswered_episode_unjudged_and_says_so_once(
    start_server: Callable[..., ServerThread], caplog: pytest.LogCaptureFixture
) -> None:
    server = start_server()
    made_older(server, declares=None, without=NEWER_ROUTES)
    env = RemoteEnv("miniwob.click-test", server=server.url, obs_config=ObsConfig(dom=False))
    try:
        env.reset(seed=1)
        with caplog.at_level(logging.WARNING, logger="palaestra.server.remote"):
            assert loop_mod.run_sync(env.aearly_stop("Reach max steps 1")) is None  # not an error
            env.reset(seed=2)
            assert loop_mod.run_sync(env.aearly_stop("Reach max steps 1")) is None
        warned = [r.getMessage() for r in caplog.records if "older than this client" in r.getMessage()]
        assert len(warned) == 1 and "no early_stop endpoint" in warned[0]
        with pytest.raises(ServerTooOld) as raised:
            loop_mod.run_sync(env.aevidence())
        assert raised.value.capability == EVIDENCE and raised.value.code == "SERVER_TOO_OLD"
    finally:
        env.close()


def test_a_client_decides_from_the_declared_capabilities_not_from_answers(
    start_server: Callable[..., ServerThread],
) -> None:
    """This server still has the evidence route (it would answer NO_EVIDENCE), but declares no
    evidence: the client does not ask it. Views it lacks are refused when the client is made."""
    server = start_server()
    made_older(server, declares=["early_stop"])
    env = RemoteEnv("miniwob.click-test", server=server.url, obs_config=ObsConfig(dom=False))
    try:
        env.reset(seed=1)
        env.step("click('15')")
        with pytest.raises(ServerTooOld, match="no evidence endpoint"):
            loop_mod.run_sync(env.aevidence())
    finally:
        env.close()
    with pytest.raises(ServerTooOld) as raised:
        RemoteEnv("miniwob.click-test", server=server.url, views=["browsergym"])
    assert raised.value.capability == VIEWS and "running Palaestra" not in str(raised.value)
    assert "it runs Palaestra 0.0.9" in str(raised.value) and "no views" in str(raised.value)
    # A client asking for no views sends no views field, which a server older than views refuses.
    assert env.features.has("views") is False


def test_the_current_server_answers_a_client_that_asks_nothing_new_as_before(
    start_server: Callable[..., ServerThread],
) -> None:
    """A client older than ``screenshot_once`` (it never sends it) still gets BrowserGym's
    screenshot inside the view, which the codec of its own age decodes."""
    server = start_server()
    body = {"task": "miniwob.click-test", "seed": 3, "parts": ["screenshot"], "screenshots": True,
            "views": ["browsergym"]}  # fmt: skip
    with httpx.Client(base_url=server.url, timeout=60) as http:
        answer = http.post("/sessions", json=body).json()
        view = answer["views"]["browsergym"]
        assert SCREENSHOT_FROM not in view and view["screenshot"] == answer["observation"]["screenshot"]
        assert browsergym_from_json(view)["screenshot"].shape == (320, 500, 3)
        http.delete(f"/sessions/{answer['id']}")


def step_answer_bytes(http: httpx.Client, once: bool) -> tuple[int, dict[str, object]]:
    body = {"task": "miniwob.click-test", "seed": 3, "parts": ["screenshot"], "screenshots": True,
            "views": ["browsergym"], "screenshot_once": once}  # fmt: skip
    sid = http.post("/sessions", json=body).json()["id"]
    try:
        answer = http.post(f"/sessions/{sid}/step", json={"action": "noop()"})
        assert answer.status_code == 200, answer.text
        return len(answer.content), answer.json()
    finally:
        http.delete(f"/sessions/{sid}")


def test_browsergyms_screenshot_travels_once_over_the_wire(start_server: Callable[..., ServerThread]) -> None:
    server = start_server()
    with httpx.Client(base_url=server.url, timeout=60) as http:
        twice, _ = step_answer_bytes(http, once=False)
        once, answer = step_answer_bytes(http, once=True)
    view = answer["views"]["browsergym"]  # type: ignore[index]
    shot = answer["observation"]["screenshot"]  # type: ignore[index]
    assert view[SCREENSHOT_FROM] == "observation" and "screenshot" not in view
    assert twice - once >= len(shot) - 64  # the screenshot's base64 text, less the key that replaced it

    env = RemoteEnv("miniwob.click-test", server=server.url, views=["browsergym"],
                    obs_config=ObsConfig(dom=False, elements=False))  # fmt: skip
    try:
        obs, _ = env.reset(seed=3)
        (session,) = server.context.sessions.sessions.values()
        assert session.screenshot_once  # the client asked for it, the server having it
        screen = env.served_views["browsergym"]["screenshot"]
        assert screen is obs["screenshot"]  # decoded once, shared as in-process
        assert screen.shape == (320, 500, 3) and screen.any()
        pixels = np.asarray(session.last.obs["screenshot"])
        assert np.array_equal(screen, pixels)  # lossless: the server's own pixels
        assert base64.b64decode(shot)[:8] == b"\x89PNG\r\n\x1a\n"
    finally:
        env.close()
