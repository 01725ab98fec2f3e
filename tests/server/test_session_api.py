"""Palaestra's session API over real HTTP: sessions, observations on demand, limits, bad input, tokens."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

import httpx
import pytest
from PIL import Image

from palaestra.config import ConfigError
from palaestra.server.auth import Auth, AuthError
from palaestra.server.config import ServerConfig
from palaestra.server.run import ServerThread


def test_a_session_plays_an_episode_and_shows_its_parts_on_demand(client: httpx.Client) -> None:
    made = client.post("/sessions", json={"task": "miniwob.click-test", "seed": 1})
    assert made.status_code == 201
    session = made.json()
    sid = session["id"]
    assert session["action_set"]["name"] == "miniwob" and "click" in session["action_set"]["actions"]
    assert session["layout"]["viewport"] == [500, 320] and "screenshot" in session["layout"]["keys"]
    obs = session["observation"]
    assert "[15] button 'Click Me!'" in obs["axtree"] and "screenshot" not in obs  # pixels on demand only
    assert session["state"]["seed"] == 1 and session["state"]["goal"] == obs["goal"]

    step = client.post(f"/sessions/{sid}/step", json={"action": "click('15')"}).json()
    assert (step["reward"], step["terminated"], step["truncated"]) == (1.0, True, False)
    assert step["info"]["success"] is True and step["observation"]["last_action"] == "click('15')"

    png = client.get(f"/sessions/{sid}/screenshot.png")
    assert png.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(png.content)).size == (500, 320)
    some = client.get(
        f"/sessions/{sid}/observation", params={"keys": "url,screenshot", "screenshots": "true"}
    )
    assert sorted(some.json()["observation"]) == ["screenshot", "url"]
    assert len(some.json()["observation"]["screenshot"]) > 1000  # base64 PNG, not a nested list

    listed = client.get("/sessions").json()["sessions"]
    assert [s["id"] for s in listed] == [sid] and listed[0]["state"]["success"] is True
    assert client.delete(f"/sessions/{sid}").status_code == 204
    gone = client.get(f"/sessions/{sid}")
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "SESSION_NOT_FOUND"


def test_an_agents_mistake_is_an_observation_not_an_http_error(client: httpx.Client) -> None:
    sid = client.post("/sessions", json={"task": "miniwob.click-test", "seed": 2}).json()["id"]
    step = client.post(f"/sessions/{sid}/step", json={"action": "click('9999')"})
    assert step.status_code == 200
    assert "No element with id '9999'" in step.json()["observation"]["last_action_error"]
    assert not step.json()["terminated"]


def test_a_step_after_the_end_earns_no_reward_again(client: httpx.Client) -> None:
    """An RL client stepping past `done` must not be paid twice (the state's total once doubled)."""
    sid = client.post("/sessions", json={"task": "miniwob.click-test", "seed": 3}).json()["id"]
    first = client.post(f"/sessions/{sid}/step", json={"action": "click('15')"}).json()
    assert (first["reward"], first["terminated"]) == (1.0, True)
    again = client.post(f"/sessions/{sid}/step", json={"action": "click('15')"}).json()
    assert again["reward"] == 0.0 and again["terminated"] and again["info"]["success"] is True
    assert "episode is over" in again["observation"]["last_action_error"]
    state = client.get(f"/sessions/{sid}").json()["state"]
    assert (state["total_reward"], state["step_count"]) == (1.0, 2)


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/sessions", {"task": "miniwob.click-test", "seed": "three"}, "seed"),
        ("/sessions", {"task": "miniwob.click-test", "seed": -1}, "seed"),
        ("/sessions", {"task": "miniwob.click-test", "parts": ["pixels"]}, "parts.0"),
        ("/sessions", {"task": "miniwob.click-test", "sead": 3}, "sead"),
        ("/sessions", {}, "task"),
        ("/sessions", {"task": "miniwob.clik-test"}, "task"),
    ],
)
def test_bad_bodies_get_a_422_naming_the_field(
    client: httpx.Client, path: str, body: dict, field: str
) -> None:
    answer = client.post(path, json=body)
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == "VALIDATION_ERROR" and field in [f["field"] for f in error["fields"]]
    if field == "task" and body:
        assert "Did you mean: `miniwob.click-test`" in error["message"]


def test_malformed_and_oversized_requests(client: httpx.Client) -> None:
    sid = client.post("/sessions", json={"task": "miniwob.click-test", "reset": False}).json()["id"]
    not_json = client.post(
        f"/sessions/{sid}/step", content=b"{click", headers={"content-type": "application/json"}
    )
    assert not_json.status_code == 422 and not_json.json()["error"]["fields"][0]["field"] == "body"
    early = client.post(f"/sessions/{sid}/step", json={"action": "click('1')"})
    assert early.status_code == 409 and "reset it first" in early.json()["error"]["message"]
    huge = client.post(f"/sessions/{sid}/step", json={"action": "x" * (2 << 20)})
    assert huge.status_code == 413 and huge.json()["error"]["code"] == "TOO_LARGE"
    long = client.post(f"/sessions/{sid}/step", json={"action": "noop()" + " " * 20_000})
    assert long.status_code == 422 and long.json()["error"]["fields"][0]["field"] == "action"
    plain = client.post(f"/sessions/{sid}/reset", content=b"{}", headers={"content-type": "text/plain"})
    assert plain.status_code == 415  # what a web page may send to localhost without a preflight
    rebound = client.get("/sessions", headers={"host": "evil.example:8765"})
    assert rebound.status_code == 421  # a DNS name rebound to 127.0.0.1 gets nothing


def test_openapi_document_describes_the_routes_and_bodies(client: httpx.Client) -> None:
    doc = client.get("/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    assert {"/sessions", "/sessions/{sid}/step", "/reset", "/step", "/schema"} <= set(doc["paths"])
    body = doc["paths"]["/sessions"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/CreateSession"}
    assert "task" in doc["components"]["schemas"]["CreateSession"]["required"]


def test_capacity_and_idle_timeout(start_server: Callable[..., ServerThread]) -> None:
    server = start_server(max_sessions=2, idle_timeout=1.0)
    with httpx.Client(base_url=server.url, timeout=60) as http:
        for _ in range(2):
            assert (
                http.post("/sessions", json={"task": "miniwob.click-test", "reset": False}).status_code == 201
            )
        full = http.post("/sessions", json={"task": "miniwob.click-test", "reset": False})
        assert full.status_code == 503 and full.json()["error"]["code"] == "CAPACITY_REACHED"
        deadline = time.monotonic() + 10
        while server.context.sessions.sessions and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not server.context.sessions.sessions  # idle ones were closed
        assert http.post("/sessions", json={"task": "miniwob.click-test", "reset": False}).status_code == 201


def test_a_request_over_the_timeout_closes_its_session(start_server: Callable[..., ServerThread]) -> None:
    server = start_server()
    with httpx.Client(base_url=server.url, timeout=60) as http:
        sid = http.post("/sessions", json={"task": "miniwob.click-test", "seed": 0}).json()["id"]
        manager = server.context.sessions  # a short timeout once the browser runs (its launch is slow)
        manager.config = replace(manager.config, request_timeout=0.5)
        slow = http.post(f"/sessions/{sid}/step", json={"action": "noop(3000)"})
        assert slow.status_code == 504 and slow.json()["error"]["code"] == "REQUEST_TIMEOUT"
        assert http.get(f"/sessions/{sid}").status_code == 404


def test_requests_queued_on_a_busy_session_wait_at_most_the_request_timeout(
    start_server: Callable[..., ServerThread],
) -> None:
    """Eight steps sent at once to one session, each taking 0.8 s: the session serves them one at a
    time, so the last would wait 5.6 s; those that waited the 3 s request timeout for their turn
    are refused (409 ``SESSION_BUSY``, naming the step in progress) without being run, and the
    session goes on."""
    server = start_server()
    with httpx.Client(base_url=server.url, timeout=60) as http:
        sid = http.post("/sessions", json={"task": "miniwob.click-test", "seed": 0}).json()["id"]
        manager = server.context.sessions  # a short timeout once the browser runs (its launch is slow)
        manager.config = replace(manager.config, request_timeout=3.0)

        def step(_: int) -> httpx.Response:
            return http.post(f"/sessions/{sid}/step", json={"action": "noop(800)"})

        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(step, range(8)))
        served = [a for a in answers if a.status_code == 200]
        busy = [a for a in answers if a.status_code == 409]
        assert len(served) + len(busy) == 8 and served and busy  # none timed out, none failed
        error = busy[0].json()["error"]
        assert error["code"] == "SESSION_BUSY"
        assert f"Session `{sid}` is busy with its step 'noop(800)', running for" in error["message"]
        assert "waited 3 s (--request-timeout) for its turn and was not run" in error["message"]
        state = http.get(f"/sessions/{sid}").json()["state"]
        assert state["step_count"] == len(served)  # the refused ones never ran
        after = http.post(f"/sessions/{sid}/step", json={"action": "click('15')"})
        assert after.status_code == 200 and after.json()["reward"] == 1.0


def test_tokens_keep_sessions_private(start_server: Callable[..., ServerThread]) -> None:
    server = start_server(tokens=("alpha-token", "beta-token"))
    alice = httpx.Client(base_url=server.url, timeout=60, headers={"Authorization": "Bearer alpha-token"})
    bob = httpx.Client(base_url=server.url, timeout=60, auth=("anyone", "beta-token"))  # Basic: password
    with alice, bob, httpx.Client(base_url=server.url) as nobody:
        assert nobody.get("/health").status_code == 200  # probes need no token
        refused = nobody.post("/sessions", json={"task": "miniwob.click-test"})
        assert refused.status_code == 401 and refused.headers["www-authenticate"].startswith("Bearer")
        wrong = nobody.get("/sessions", headers={"Authorization": "Bearer alpha-tokeN"})
        assert wrong.status_code == 401
        sid = alice.post("/sessions", json={"task": "miniwob.click-test", "reset": False}).json()["id"]
        assert bob.get("/sessions").json()["sessions"] == []
        for answer in (bob.get(f"/sessions/{sid}"), bob.delete(f"/sessions/{sid}"),
                       bob.post(f"/sessions/{sid}/reset", json={})):  # fmt: skip
            assert answer.status_code == 404  # indistinguishable from an id that does not exist
        assert alice.get(f"/sessions/{sid}").status_code == 200


def test_only_loopback_may_go_without_a_token() -> None:
    ServerConfig(host="127.0.0.1").check()
    ServerConfig(host="::1").check()
    with pytest.raises(ConfigError, match="give a token"):
        ServerConfig(host="0.0.0.0").check()
    config, token = ServerConfig(host="0.0.0.0").with_generated_token()
    assert token and config.tokens == (token,) and len(token) >= 40
    config.check()
    auth = Auth(config.tokens)
    assert auth.owner({"authorization": f"Bearer {token}"}) == auth.owner_of_token(token)
    with pytest.raises(AuthError):
        auth.owner({"authorization": f"Bearer {token[:-1]}"})


def test_extensions_mount_sub_apps_under_the_same_auth_and_sessions() -> None:
    """The seam the debugging UI uses: a mounted Starlette app reaches the server's context."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Mount, Route

    from palaestra.server import ServerContext, context_of, owner_of
    from palaestra.server.app import EXCEPTION_HANDLERS

    seen: list[ServerContext] = []

    async def whoami(request: Request) -> JSONResponse:
        context = context_of(request)
        sessions = context.sessions.owned_by(owner_of(request))
        return JSONResponse({"owner": owner_of(request), "sessions": [s.id for s in sessions]})

    def extension(context: ServerContext) -> list[Mount]:
        seen.append(context)
        sub_app = Starlette(routes=[Route("/whoami", whoami)], exception_handlers=EXCEPTION_HANDLERS)
        return [Mount("/ext", app=sub_app)]

    with ServerThread(ServerConfig(tokens=("tok",)), extensions=[extension]) as server:
        assert seen == [server.context]
        auth = {"Authorization": "Bearer tok"}
        with httpx.Client(base_url=server.url, timeout=60, headers=auth) as http:
            sid = http.post("/sessions", json={"task": "miniwob.click-test", "reset": False}).json()["id"]
            answer = http.get("/ext/whoami").json()
            assert answer["sessions"] == [sid] and answer["owner"].startswith("t-")
            assert httpx.get(f"{server.url}/ext/whoami").status_code == 401


def test_failing_close_and_shutdown_callbacks_are_logged_and_the_rest_still_run(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Extensions' callbacks once failed in silence (`suppress(Exception)`): now each failure is a
    warning naming it, and the callbacks after it, and the session's own close, still run."""
    from palaestra.server import ServerContext

    ran: list[str] = []

    async def broken() -> None:
        raise RuntimeError("extension bug")

    async def recorded() -> None:
        ran.append("shutdown")

    def extension(context: ServerContext) -> list[Any]:
        context.on_shutdown += [recorded, broken]  # run in reverse: the broken one first
        return []

    caplog.set_level("WARNING", logger="palaestra.server")
    with ServerThread(ServerConfig(), extensions=[extension]) as server:
        with httpx.Client(base_url=server.url, timeout=60) as http:
            sid = http.post("/sessions", json={"task": "miniwob.click-test", "reset": False}).json()["id"]
            session = server.context.sessions.sessions[sid]
            session.on_close.append(broken)
            assert http.delete(f"/sessions/{sid}").status_code < 300
        assert session.closed and sid not in server.context.sessions.sessions
    assert ran == ["shutdown"]
    warnings = [r for r in caplog.records if r.levelname == "WARNING" and r.exc_info]
    assert any(sid in r.getMessage() and "close callback" in r.getMessage() for r in warnings)
    assert any("shutdown callback" in r.getMessage() for r in warnings)
