"""Views as a session option: a session asked for ``views`` makes them with the converters runs use
(`palaestra.envs.views`) and answers them as ``views: {name: JSON}``; `RemoteEnv` asks for them and
decodes them; a view the task's environment cannot give is a 422 naming the fix."""

from __future__ import annotations

from collections.abc import Callable
from typing import get_args

import httpx
import pytest

from palaestra.envs.obs import VIEWS
from palaestra.errors import ConfigError
from palaestra.server.models import View
from palaestra.server.remote import RemoteEnv, RemoteEnvError
from palaestra.server.run import ServerThread
from palaestra.server.view_wire import SharedScreenshotError, osworld_from_json, osworld_json, view_from_json
from palaestra.server.wire import png_array
from tests.server.browsergym_support import assert_identical


def test_the_requests_views_are_the_envs_views() -> None:
    assert get_args(View) == VIEWS


def test_a_session_answers_the_views_it_was_opened_with(server: ServerThread, client: httpx.Client) -> None:
    made = client.post("/sessions", json={"task": "miniwob.click-test", "views": ["browsergym"], "seed": 1})
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["view_names"] == ["browsergym"] and "browsergym_observation" not in body
    session = server.context.sessions.sessions[body["id"]]

    def made_by_server() -> dict[str, object]:
        assert session.last is not None
        return session.last.views["browsergym"]

    assert_identical(view_from_json("browsergym", body["views"]["browsergym"]), made_by_server())
    step = client.post(f"/sessions/{body['id']}/step", json={"action": "noop()"}).json()
    assert step["views"]["browsergym"]["last_action"] == "noop()"
    assert_identical(view_from_json("browsergym", step["views"]["browsergym"]), made_by_server())
    latest = client.get(f"/sessions/{body['id']}/observation", params={"views": "browsergym"}).json()
    assert latest["views"] == step["views"] and "browsergym_observation" not in latest
    refused = client.get(f"/sessions/{body['id']}/observation", params={"views": "osworld"})
    assert refused.status_code == 422 and '"views": ["osworld"]' in refused.json()["error"]["message"]


def test_a_view_the_environment_cannot_give_is_a_422_naming_the_fix(
    server: ServerThread, client: httpx.Client
) -> None:
    refused = client.post("/sessions", json={"task": "miniwob.click-test", "views": ["osworld"]})
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert error["code"] == "VIEW_UNAVAILABLE" and error["fields"][0]["field"] == "views"
    assert "not BrowserEnv. Fix: ask for it on a desktop task" in error["message"]
    assert server.context.sessions.sessions == {}  # its environment was closed with the refusal
    unknown = client.post("/sessions", json={"task": "miniwob.click-test", "views": ["browsergim"]})
    assert unknown.status_code == 422 and unknown.json()["error"]["fields"][0]["field"] == "views.0"


def test_a_remote_env_asks_for_views_and_hands_back_what_the_session_made(server: ServerThread) -> None:
    env = RemoteEnv("miniwob.click-test", server=server.url, views=["browsergym"])
    try:
        assert env.obs_config.browsergym and env.served_views == {}
        env.reset(seed=2)
        assert env.session_id is not None
        session = server.context.sessions.sessions[env.session_id]
        assert session.views == ("browsergym",) and session.last is not None
        assert_identical(env.served_views["browsergym"], session.last.views["browsergym"])
        env.step("noop()")
        assert env.served_views["browsergym"]["last_action"] == "noop()"
        assert_identical(env.served_views["browsergym"], session.last.views["browsergym"])
    finally:
        env.close()
    plain = RemoteEnv("miniwob.click-test", server=server.url)
    try:
        plain.reset(seed=2)
        assert plain.views == () and plain.served_views == {}
    finally:
        plain.close()
    with pytest.raises(ConfigError, match="Did you mean: `osworld`"):
        RemoteEnv("miniwob.click-test", server=server.url, views=["osworld2"])


def test_a_remote_env_is_told_which_view_its_task_cannot_give(
    start_server: Callable[..., ServerThread],
) -> None:
    server = start_server()  # `pages_ahead` goes only to environments that take it: not a desktop
    env = RemoteEnv("desktop.calc-add", server=server.url, views=["browsergym"])
    with pytest.raises(RemoteEnvError, match="a desktop task gives the osworld view") as caught:
        env.reset(seed=1)
    env.close()
    assert (caught.value.code, caught.value.status) == ("VIEW_UNAVAILABLE", 422)
    with httpx.Client(base_url=server.url, timeout=60) as http:
        body = {"task": "desktop.calc-add", "parts": ["elements"], "views": ["osworld"], "reset": False}
        made = http.post("/sessions", json=body).json()
        # OSWorld's dict is made from the screen and the accessibility tree: the session computes them
        assert made["view_names"] == ["osworld"] and made["parts"] == ["elements", "axtree", "screenshot"]
        assert server.context.sessions.sessions[made["id"]].asked_parts == ("elements",)


def test_osworlds_view_travels_as_base64_and_comes_back_as_png_bytes() -> None:
    view = {"screenshot": b"\x89PNG\r\n\x1a\nrest", "accessibility_tree": "<desktop/>", "terminal": None,
            "instruction": "Add"}  # fmt: skip
    sent = osworld_json(view)
    assert isinstance(sent["screenshot"], str) and sent["accessibility_tree"] == "<desktop/>"
    assert osworld_from_json(sent) == view == view_from_json("osworld", sent)


def test_osworlds_screen_travels_once_beside_the_observations(
    start_server: Callable[..., ServerThread],
) -> None:
    """OSWorld's PNG is the observation's screen: an answer holding both sends its base64 once, as
    the observation's, and the view names it; decoded, the view is the session's own, byte for
    byte, and the observation's pixels are the screen's. An answer whose observation carries no
    screenshot still sends the view's."""
    server = start_server()
    with httpx.Client(base_url=server.url, timeout=120) as http:
        body = {"task": "desktop.calc-add", "seed": 2, "views": ["osworld"], "screenshots": True}
        made = http.post("/sessions", json=body)
        assert made.status_code == 201, made.text
        sid = made.json()["id"]
        session = server.context.sessions.sessions[sid]
        for answer in (made, http.post(f"/sessions/{sid}/step", json={"action": "noop()"})):
            sent = answer.json()
            screen = sent["observation"]["screenshot"]
            assert answer.text.count(screen) == 1
            assert sent["views"]["osworld"]["screenshot_from"] == "observation"
            assert session.last is not None
            made_here = session.last.views["osworld"]
            assert view_from_json("osworld", sent["views"]["osworld"], sent["observation"]) == made_here
            assert (png_array(made_here["screenshot"]) == session.last.obs["screenshot"]).all()
        with pytest.raises(SharedScreenshotError, match="pass the answer's observation"):
            view_from_json("osworld", sent["views"]["osworld"])
        latest = http.get(f"/sessions/{sid}/observation", params={"views": "osworld", "screenshots": "true"})
        assert latest.text.count(screen) == 1 and "screenshot_from" in latest.json()["views"]["osworld"]
        alone = http.get(f"/sessions/{sid}/observation", params={"views": "osworld"}).json()
        assert "screenshot" not in alone["observation"]
        assert view_from_json("osworld", alone["views"]["osworld"]) == made_here
    env = RemoteEnv("desktop.calc-add", server=server.url, views=["osworld"])
    try:
        obs, _ = env.reset(seed=2)
        assert env.session_id is not None
        served = server.context.sessions.sessions[env.session_id].last
        assert served is not None and env.served_views["osworld"] == served.views["osworld"]
        assert (obs["screenshot"] == served.obs["screenshot"]).all()
    finally:
        env.close()
