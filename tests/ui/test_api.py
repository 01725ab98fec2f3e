"""The UI's HTTP surface over real HTTP: paths confined to the configured roots, the loopback and token
rules, cross-site requests refused, bad input answered with errors that name the fix, idle live
environments closed, live environments private, and exemplars listed, viewed and deleted."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from ui_support import Runs, ServedUi

from palaestra.memory import Exemplar
from palaestra.runs.memory_cli import add_to_memory
from palaestra.runs.store import RunStore
from palaestra.server import ServerConfig
from palaestra.testing import ScriptedLLMServer
from palaestra.ui import UiRoots


@pytest.fixture
def client(ui: ServedUi) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=ui.url, timeout=60) as http:
        yield http


def test_runs_and_files_outside_the_roots_are_refused(
    client: httpx.Client, runs: Runs, tmp_path: Path
) -> None:
    outside = tmp_path / "elsewhere"
    RunStore(outside).close()  # a real run, but not under the UI's folders
    planted = runs.results / "planted"
    planted.symlink_to(outside, target_is_directory=True)
    try:
        listed = [r["id"] for r in client.get("api/runs").json()]
        assert listed == sorted([str(runs.baseline), str(runs.model_run)])  # the link is not followed out
        for run in ("../../etc", str(outside), str(planted), "/etc/passwd"):
            answer = client.get("api/run", params={"run": run})
            assert answer.status_code == 403 and "outside the folders" in answer.json()["error"], run
        key = "oracle|miniwob.click-button|0"
        ok = client.get("api/file", params={"run": str(runs.baseline), "key": key, "name": "shot-000.jpg"})
        assert ok.status_code == 200 and ok.headers["content-type"] == "image/jpeg"
        for name in ("../../../results.sqlite", "/etc/passwd", "obs-000.txt"):
            answer = client.get("api/file", params={"run": str(runs.baseline), "key": key, "name": name})
            assert answer.status_code == 404, name
        assert client.get("api/memory", params={"path": "../../x"}).status_code == 403
    finally:
        planted.unlink()


def test_security_headers_host_origin_and_body_rules(client: httpx.Client) -> None:
    page = client.get("")
    assert page.status_code == 200 and "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY" and page.headers["x-content-type-options"] == "nosniff"
    rebound = client.get("api/runs", headers={"host": "attacker.example:80"})
    assert (
        rebound.status_code == 421
    )  # DNS rebinding: a foreign name pointed at 127.0.0.1 (the server's rule)
    forged = client.post("api/live", json={"task": "x"}, headers={"origin": "http://evil.example"})
    assert forged.status_code == 403 and "cross-site" in forged.json()["error"]
    form = client.post("api/live", content=b"task=x", headers={"content-type": "text/plain"})
    assert form.status_code == 415  # what a plain HTML form can send


def test_bad_input_gets_an_error_that_names_the_fix(client: httpx.Client, runs: Runs) -> None:
    unknown = client.post("api/live", json={"task": "miniwob.clik-button", "seed": 0})
    assert unknown.status_code == 400 and "Did you mean" in unknown.json()["error"]
    wrong_seed = client.post("api/live", json={"task": "miniwob.click-test", "seed": "one"})
    assert "`seed` must be an integer" in wrong_seed.json()["error"]
    assert client.get("api/run").json()["error"] == "Missing query parameter `run`."
    missing = client.get("api/episode", params={"run": str(runs.baseline), "key": "nobody|x|0"})
    assert missing.status_code == 404
    # A run moved or mistyped inside the UI's folders is missing (404), not forbidden, and the answer
    # names the runs there are.
    typo = runs.results / "baselin"
    moved = client.get("api/run", params={"run": str(typo)})
    assert moved.status_code == 404, moved.text
    assert moved.json()["error"].startswith(f"No run at {typo} (no results.sqlite there).")
    assert runs.baseline.name in moved.json()["error"]
    shot = {"run": str(typo), "key": "k", "name": "shot-000.jpg"}
    assert client.get("api/file", params=shot).status_code == 404
    assert "non-empty list" in client.post("api/playground", json={"messages": []}).json()["error"]
    unreachable = {"model": "m", "base_url": "http://127.0.0.1:9/v1"}  # nothing listens on port 9
    down = client.post(
        "api/playground", json={"messages": [{"role": "user", "content": "hi"}], "model": unreachable}
    )
    assert down.status_code == 200 and not down.json()["ok"] and "127.0.0.1:9" in down.json()["error"]
    bad = client.post(
        "api/playground",
        json={"messages": [{"role": "user", "content": "hi"}], "model": {"temperature": "hot"}},
    )
    assert bad.status_code == 400 and "`temperature` must be a number" in bad.json()["error"]
    body = b'{"messages": "' + b"x" * 9_000_000 + b'"}'
    huge = client.post("api/playground", content=body, headers={"content-type": "application/json"})
    assert huge.status_code == 413  # the server's body limit holds for the UI too
    assert client.post("api/live/nope/step", json={"action": "click('1')"}).status_code == 404


def test_the_servers_tokens_decide_and_a_link_sets_the_token_as_a_cookie(runs: Runs) -> None:
    config = ServerConfig(tokens=("alice-token", "bob-token"))
    with ServedUi(UiRoots.of([runs.results]), config) as served:
        with httpx.Client(base_url=served.url, timeout=60) as http:
            refused = http.get("api/runs")
            assert refused.status_code == 401 and "token" in refused.json()["error"]
            page = http.get("")  # a person's browser, which cannot send a bearer header: the link is the fix
            assert page.status_code == 401 and "open the URL `palaestra ui` printed" in page.text
        with httpx.Client(base_url=served.url, cookies={"palaestra_token": "of-a-ui-started-before"}) as old:
            stale = old.get("")
            assert stale.status_code == 401 and "a UI started again makes a new token" in stale.text
        with httpx.Client(base_url=served.url, timeout=60) as http:
            assert http.get("", params={"token": "wrong"}).status_code == 401
            visit = http.get("", params={"token": "alice-token"})
            assert visit.status_code == 303 and "token" not in visit.headers["location"]
            cookie = visit.headers["set-cookie"].lower()
            assert "httponly" in cookie and "samesite=strict" in cookie
            assert http.get("api/runs").status_code == 200  # the cookie carries it from now on
            opened = http.post("api/live", json={"task": "miniwob.click-test", "seed": 0}).json()
            assert opened["goal"]
            # A live environment is a session of the server: its session API sees it, for its owner.
            api = http.get(
                f"{served.server.url}/sessions/{opened['id']}",
                headers={"authorization": "Bearer alice-token"},
            )
            assert api.status_code == 200
        with httpx.Client(base_url=served.url, headers={"authorization": "Bearer bob-token"}) as bob:
            assert bob.get(f"api/live/{opened['id']}").status_code == 404  # private to who opened it
            assert bob.get("api/live").json() == []
            assert bob.post(f"api/live/{opened['id']}/close", json={}).json() == {"closed": False}
        assert opened["id"] in served.sessions


def test_an_idle_live_environment_is_closed(runs: Runs) -> None:
    with ServedUi(UiRoots.of([runs.results]), ServerConfig(idle_timeout=1.0)) as served:
        with httpx.Client(base_url=served.url, timeout=60) as http:
            baseline = served.browser_contexts()
            opened = http.post("api/live", json={"task": "miniwob.click-test", "seed": 1}).json()
            assert opened["goal"] and served.browser_contexts() > baseline
            time.sleep(3.5)
            gone = http.get(f"api/live/{opened['id']}")
            assert gone.status_code == 404 and "timed out" in gone.json()["error"]
        deadline = time.monotonic() + 10
        while served.browser_contexts() > baseline and time.monotonic() < deadline:
            time.sleep(0.2)
        assert served.browser_contexts() == baseline


def test_an_exemplar_is_listed_viewed_and_deleted(client: httpx.Client, ui: ServedUi) -> None:
    folder = ui.ui.roots.memory("by-hand")
    steps = [{"action": "click('4')", "state": "[4] button OK"}]
    add_to_memory(
        folder, [Exemplar(goal="Click <b>OK</b>.", suite="miniwob", task="click-button", trajectory=steps)]
    )
    assert str(folder) in [m["path"] for m in client.get("api/memories").json()["memories"]]
    (exemplar,) = client.get("api/memory", params={"path": "by-hand"}).json()["exemplars"]
    assert exemplar["goal"] == "Click <b>OK</b>."
    detail = client.get("api/exemplar", params={"path": "by-hand", "id": exemplar["id"]}).json()
    assert detail["steps"] == [{"action": "click('4')", "state": "[4] button OK", "by": "", "url": ""}]
    deleted = client.post("api/exemplar/delete", json={"path": "by-hand", "id": exemplar["id"]}).json()
    assert deleted["total"] == 0
    assert client.get("api/memory", params={"path": "by-hand"}).json()["count"] == 0


def test_a_saved_demonstration_leaves_out_the_actions_that_failed(client: httpx.Client, ui: ServedUi) -> None:
    """A typo or a missed element in a live episode stays in its history, but an exemplar holding it
    taught the memory agent a wasted step and Synapse's model the typo."""
    opened = client.post("api/live", json={"task": "miniwob.enter-text", "seed": 3}).json()
    sid, word = opened["id"], opened["goal"].split('"')[1]
    actions = [f"fill('17', '{word}')", "clik('18')", "click('999')", "click('18')"]
    for action in actions:
        stepped = client.post(f"api/live/{sid}/step", json={"action": action}).json()
    assert stepped["success"] and [bool(h["error"]) for h in stepped["history"]] == [False, True, True, False]
    unnamed = client.post(f"api/live/{sid}/save", json={"memory": " "})
    assert unnamed.status_code == 400 and "Name the memory" in unnamed.json()["error"]  # not a refusal
    saved = client.post(f"api/live/{sid}/save", json={"memory": "typos"}).json()
    assert saved["added"] == 1
    (listed,) = client.get("api/memory", params={"path": "typos"}).json()["exemplars"]
    detail = client.get("api/exemplar", params={"path": "typos", "id": listed["id"]}).json()
    assert [s["action"] for s in detail["steps"]] == [actions[0], actions[3]]
    assert detail["metadata"]["actors"] == ["person", "person"]
    client.post(f"api/live/{sid}/close", json={})


def test_failures_and_errors_are_kept_apart(tmp_path: Path) -> None:
    from palaestra.runs.records import EpisodeOutcome, StepRecord

    run = tmp_path / "results" / "mixed"
    with RunStore(run) as store:
        for seed, outcome, kind in ((0, "success", ""), (1, "failure", ""), (2, "", "browser_crashed")):
            store.record(EpisodeOutcome(
                key=f"a|miniwob.click-test|{seed}", agent="a", agent_name="random", agent_hash="h",
                task="miniwob.click-test", seed=seed, outcome=outcome, success=outcome == "success",
                error_kind=kind, error_message="The browser stopped." if kind else "",
                steps=[StepRecord(index=0, action="click('1')")],
            ))  # fmt: skip
    with ServedUi(UiRoots.of([tmp_path / "results"])) as served, httpx.Client(base_url=served.url) as http:
        detail = http.get("api/run", params={"run": "mixed"}).json()  # relative to the root works too
    (summary,) = detail["summary"]
    assert (summary["episodes"], summary["errors"], summary["success"]) == (2, 1, 0.5)  # errors never fail
    assert detail["errors"] == [
        {
            "kind": "browser_crashed",
            "episodes": 1,
            "attempts": 1,
            "sample": "a|miniwob.click-test|2",
            "class": "retryable",
        }
    ]
    assert [e["result"] for e in detail["episodes"]] == ["success", "failure", "error"]


def test_a_live_environment_computes_what_its_agent_reads(
    client: httpx.Client, llm: ScriptedLLMServer
) -> None:
    """As a run does, a live environment started with an agent computes the observation parts that
    agent reads (`Agent.observation_parts`): `generic` with `vision=som` sees its set-of-marks
    screenshot. Asking it of an environment started without it says how to start one that does."""
    vision = {"model": "scripted-model", "base_url": llm.base_url, "vision": "som", "parse_retries": "0"}
    plain = client.post("api/live", json={"task": "miniwob.click-test", "seed": 2}).json()
    refused = client.post(f"api/live/{plain['id']}/propose", json={"agent": "generic", "args": vision})
    assert refused.status_code == 400
    assert (
        "som" in refused.json()["error"]
        and "start the environment with generic chosen" in refused.json()["error"]
    )
    client.post(f"api/live/{plain['id']}/close", json={})
    asked = len(llm.chat_requests)
    opened = client.post(
        "api/live", json={"task": "miniwob.click-test", "seed": 2, "agent": "generic", "args": vision}
    )
    assert opened.status_code == 200, opened.text
    state = opened.json()
    assert "som" in state["parts"] and state["agent"] == {"agent": "generic", "args": vision}
    proposal = client.post(f"api/live/{state['id']}/propose", json={"agent": "generic", "args": vision})
    assert proposal.status_code == 200, proposal.text
    assert proposal.json()["action"]
    images = [
        part for message in llm.chat_requests[asked].json["messages"] if isinstance(message["content"], list)
        for part in message["content"] if part.get("type") == "image_url"
    ]  # fmt: skip
    assert images  # the set-of-marks screenshot went to the model
    client.post(f"api/live/{state['id']}/close", json={})
