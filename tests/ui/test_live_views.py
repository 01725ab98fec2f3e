"""Live play with an agent that reads a view: AgentLab's GenericAgent (`agentlab`, its model the
scripted server answering as GPT-4) chosen when the environment starts is handed, each time it is
asked, the BrowserGym dict the live session made of the page it proposes on."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from ui_support import ServedUi

from palaestra.server import ServerConfig
from palaestra.testing import ScriptedLLMServer
from palaestra.ui import UiRoots
from tests.server.test_agentlab_agent import MISSING_BID, answer_as_gpt4


@pytest.fixture
def client(tmp_path: Path) -> Iterator[tuple[ServedUi, httpx.Client]]:
    with (
        ServedUi(UiRoots.of([tmp_path], [tmp_path]), ServerConfig(max_sessions=2)) as served,
        httpx.Client(base_url=served.url, timeout=300) as http,
    ):
        yield served, http


def test_agentlab_proposes_from_the_live_sessions_browsergym_view(
    client: tuple[ServedUi, httpx.Client], make_llm_server: Callable[..., ScriptedLLMServer]
) -> None:
    served, http = client
    llm = make_llm_server(answer_as_gpt4)
    agent = {"agent": "agentlab", "args": {"base_url": llm.base_url}}
    opened = http.post("api/live", json={"task": "miniwob.enter-text", "seed": 4, **agent})
    assert opened.status_code == 200, opened.text
    sid = opened.json()["id"]
    session = served.sessions[sid]
    assert session.views == ("browsergym",)  # the agent's view, made with every reset and step

    first = http.post(f"api/live/{sid}/propose", json=agent)
    assert first.status_code == 200, first.text
    assert first.json()["action"] == f"click('{MISSING_BID}')"
    prompt = llm.chat_requests[0].last_user_text()
    state = http.get(f"api/live/{sid}").json()
    textbox = next(e["id"] for e in state["elements"] if e["tag"] == "input")
    assert f"[{textbox}] textbox" in prompt and state["goal"] in prompt  # the page, from the view

    took = http.post(f"api/live/{sid}/step", json={"action": first.json()["action"], "by": "agent"})
    assert took.status_code == 200, took.text
    error = took.json()["last_action_error"]
    assert MISSING_BID in error
    assert session.last.views["browsergym"]["last_action_error"] == error
    second = http.post(f"api/live/{sid}/propose", json=agent)
    assert second.status_code == 200, second.text
    word = re.search(r'Enter "([^"]+)" into', state["goal"])
    assert word and second.json()["action"] == f"fill('{textbox}', '{word[1]}')"
    assert error in llm.chat_requests[1].last_user_text()  # this step's view, not the first one's
    solved = http.post(f"api/live/{sid}/step", json={"action": second.json()["action"], "by": "agent"})
    assert solved.status_code == 200 and not solved.json()["last_action_error"], solved.text
    assert http.post(f"api/live/{sid}/close", json={}).json() == {"closed": True}
    assert served.sessions == {}


def test_an_agent_reading_a_view_the_session_does_not_make_is_told_the_fix(
    client: tuple[ServedUi, httpx.Client],
) -> None:
    served, http = client
    sid = http.post("api/live", json={"task": "miniwob.click-test", "seed": 1}).json()["id"]
    assert served.sessions[sid].views == ()
    refused = http.post(f"api/live/{sid}/propose", json={"agent": "agentlab"})
    assert refused.status_code == 400, refused.text
    message = refused.json()["error"]
    assert "agentlab reads browsergym" in message and "Fix: start the environment with agentlab" in message
