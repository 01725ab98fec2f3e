"""WebArena's harness judges every episode: one that reaches the step limit ends with the stop
action "Early stop: Reach max steps N" and its evaluators still run, so a `url_match` task passes
in the paper column without the agent ever answering. Palaestra's runner does the same for the
official tasks (`Task.judge_at_step_limit`).

The task is WebArena's own task 44 ("Check out my todos", url_match on ``__GITLAB__/dashboard/todos``)
on a loopback HTTP server standing in for a user's GitLab instance (its log-in left out: not what is
tested here), played in a real Chromium by agents that never answer.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from palaestra.runs import evidence
from palaestra.runs.episode import EpisodeWorker
from palaestra.runs.records import STEP_LIMIT, SUCCESS
from palaestra.runs.spec import AgentEntry, EpisodeSpec, RunSettings
from palaestra.server.config import ServerConfig
from palaestra.server.run import ServerThread
from palaestra.tasks import registry
from palaestra.tasks.registry import TaskSpec
from palaestra.tasks.webarena.official import benchmark_configs
from palaestra.tasks.webarena.official_task import OfficialTask
from palaestra.tasks.webarena.rejudge_official import judge_official_again
from palaestra.testing.loopback import QuietHandler, serve

HERE = Path(__file__).parent
TASK = "wa-step-limit.44"
PAGES = {
    "/": '<h1>Projects</h1><a href="/dashboard/todos">To-Do List</a>',
    "/dashboard/todos": "<h1>To-Do List</h1><p>Nothing to do.</p>",
}


class GitLab(QuietHandler):
    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        self.reply(200 if path in PAGES else 404, PAGES.get(path, "<h1>Not found</h1>"))


@pytest.fixture(scope="module")
def gitlab() -> Iterator[str]:
    with serve(GitLab) as served:
        yield served.url


@pytest.fixture
def official_task(gitlab: str, monkeypatch: pytest.MonkeyPatch) -> str:
    config = dataclasses.replace(benchmark_configs("webarena")["44"], require_login=False)

    def make() -> OfficialTask:
        return OfficialTask(config, TASK, "webarena", hosts={"gitlab": gitlab})

    monkeypatch.setitem(registry._registry, TASK, TaskSpec(TASK, "wa-step-limit", make))
    monkeypatch.syspath_prepend(str(HERE))  # runner_agents, answer_agents
    return TASK


def test_an_official_task_reached_by_navigation_passes_at_the_step_limit(
    official_task: str, tmp_path: Path
) -> None:
    worker = EpisodeWorker(RunSettings(max_steps=3, step_timeout=20.0, screenshots=False), str(tmp_path))
    try:
        there = worker.run(EpisodeSpec(AgentEntry("runner_agents:LinkThenIdleAgent"), official_task, 0))
        stayed = worker.run(EpisodeSpec(AgentEntry("runner_agents:IdleAgent"), official_task, 0))
        gave_up = worker.run(EpisodeSpec(AgentEntry("runner_agents:LinkThenStopAgent"), official_task, 0))
    finally:
        worker.close()
    assert not there.error_kind, there.error_message
    # WebArena's paper column judges it as its harness would: the URL matches, a success.
    assert there.extra.get("columns", {}).get("paper") == 1.0, there.extra
    assert len(there.steps) == 3 and there.extra["early_stop"] == "Reach max steps 3"
    assert there.outcome == SUCCESS and there.success and there.reward == 1.0
    verdict = there.extra["verdict"]
    assert verdict["early_stop"] == "Early stop: Reach max steps 3"
    assert verdict["details"]["paper"]["url_match"] == 1.0
    # The corrected column judges the page too; Verified wants the agent's own answer.
    assert there.extra["columns"]["corrected"] == 1.0
    assert there.extra["columns"]["verified"] == 0.0 and verdict["verified"]["status"] == "failure"
    # Its evidence keeps why it was stopped: judged again offline, the columns are the same.
    folder = tmp_path / there.artifacts
    record = evidence.load(folder)
    assert record["early_stop"] == "Reach max steps 3" and record["answer"] is None
    task = registry.get_task_spec(official_task).make()
    again = asyncio.run(judge_official_again(task, record, evidence.network(folder, record), None))
    assert (again.column, again.score) == ("paper", 1.0) and again.details["columns"] == there.extra[
        "columns"
    ]

    # An agent that never leaves the start page is judged too, and fails: still a step_limit.
    assert not stayed.error_kind, stayed.error_message
    assert stayed.outcome == STEP_LIMIT and not stayed.success
    assert stayed.extra["columns"]["paper"] == 0.0

    # An agent that gives up without answering is judged the same way (WebArena's harness stops
    # agents for repeated or unparsable actions with an "Early stop" answer too).
    assert not gave_up.error_kind, gave_up.error_message
    assert len(gave_up.steps) == 1 and gave_up.extra["early_stop"] == "The agent stopped without an answer"
    assert gave_up.extra["columns"]["paper"] == 1.0 and gave_up.outcome == SUCCESS


def test_an_agent_counting_answers_gets_its_steps_in_answers_and_is_judged_at_the_limit(
    official_task: str, tmp_path: Path
) -> None:
    """OSWorld's counting (`Agent.step_limit_counts = "answers"`): two steps are two answers, the
    first one's three actions all played, and the episode is judged at that limit as the
    environment's own limit would judge it. The same answers counted as actions end after two
    actions, inside the first answer, never reaching the link; an agent that says nothing of
    answers counts one per action."""
    worker = EpisodeWorker(RunSettings(max_steps=2, step_timeout=20.0, screenshots=False), str(tmp_path))
    try:
        answers = worker.run(
            EpisodeSpec(AgentEntry("answer_agents:WaitTwiceThenLinkAnswers"), official_task, 0)
        )
        actions = worker.run(
            EpisodeSpec(AgentEntry("answer_agents:WaitTwiceThenLinkActions"), official_task, 0)
        )
        idle = worker.run(EpisodeSpec(AgentEntry("runner_agents:IdleAgent"), official_task, 0))
    finally:
        worker.close()
    for out in (answers, actions, idle):
        assert not out.error_kind, out.error_message
    assert [s.action for s in answers.steps[:2]] == ["noop(0)", "noop(0)"]
    assert answers.steps[2].action.startswith("click(") and answers.steps[3].action == "noop(0)"
    assert len(answers.steps) == 4 and answers.extra["answers"] == 2, answers.extra
    assert answers.extra["step_limit_counts"] == "answers"
    assert answers.outcome == SUCCESS and answers.extra["early_stop"] == "Reach max steps 2"
    assert answers.extra["columns"]["paper"] == 1.0
    # Counted as actions: two steps, the first answer cut short (counted, as OSWorld's loop would).
    assert [s.action for s in actions.steps] == ["noop(0)", "noop(0)"]
    assert actions.extra["answers"] == 1 and actions.extra["step_limit_counts"] == "actions"
    assert actions.outcome == STEP_LIMIT and actions.extra["columns"]["paper"] == 0.0
    assert actions.extra["early_stop"] == "Reach max steps 2"
    # A Palaestra agent: one answer per action, its limit in actions, as before.
    assert len(idle.steps) == 2 and idle.extra["answers"] == 2
    assert idle.extra["step_limit_counts"] == "actions" and idle.outcome == STEP_LIMIT


def test_a_served_official_task_is_judged_at_the_step_limit_as_a_local_one(
    official_task: str, tmp_path: Path
) -> None:
    """`palaestra eval --env-server`: the runner's step limit reaches the server's session
    (`POST /sessions/{id}/early_stop`), which judges the episode as the local environment does; an
    episode's verdict used to be missing there. The session then runs no further action."""
    with ServerThread(ServerConfig(env_options={"pages_ahead": 1})) as server:
        settings = RunSettings(max_steps=3, step_timeout=20.0, screenshots=False, env_server=server.url)
        worker = EpisodeWorker(settings, str(tmp_path))
        try:
            there = worker.run(EpisodeSpec(AgentEntry("runner_agents:LinkThenIdleAgent"), official_task, 0))
            stayed = worker.run(EpisodeSpec(AgentEntry("runner_agents:IdleAgent"), official_task, 0))
        finally:
            worker.close()
        with httpx.Client(base_url=server.url, timeout=60) as http:
            sid = http.post("/sessions", json={"task": official_task, "seed": 0}).json()["id"]
            judged = http.post(f"/sessions/{sid}/early_stop", json={"reason": "Reach max steps 1"}).json()
            late = http.post(f"/sessions/{sid}/step", json={"action": "click('1')"}).json()
            again = http.post(f"/sessions/{sid}/early_stop", json={}).json()
    for out in (there, stayed):
        assert not out.error_kind, out.error_message
    assert (
        there.outcome == SUCCESS and there.reward == 1.0 and there.extra["early_stop"] == "Reach max steps 3"
    )
    assert there.extra["columns"]["paper"] == 1.0 and there.extra["columns"]["corrected"] == 1.0
    assert there.extra["verdict"]["early_stop"] == "Early stop: Reach max steps 3"
    assert stayed.outcome == STEP_LIMIT and stayed.extra["columns"]["paper"] == 0.0

    assert judged["judged"] and judged["truncated"] is False and judged["terminated"] is True
    assert judged["info"]["early_stop"] == "Reach max steps 1" and judged["info"]["task_info"]["columns"]
    assert late["reward"] == 0.0 and "over" in late["observation"]["last_action_error"].lower()
    assert again == {"judged": False}  # judged once: the episode has ended


def test_an_agent_repeating_itself_is_stopped_and_judged_as_webarenas_run_py_does(
    official_task: str, tmp_path: Path
) -> None:
    """`--repeat-stop 3` (WebArena's --repeating_action_failure_th): the agent follows the link, then
    waits; its third wait in a row ends the episode well before the step limit, judged on the page
    it reached with WebArena's "Early stop: Same action for 3 times"."""
    settings = RunSettings(max_steps=10, step_timeout=20.0, screenshots=False, repeat_stop=3)
    worker = EpisodeWorker(settings, str(tmp_path))
    try:
        out = worker.run(EpisodeSpec(AgentEntry("runner_agents:LinkThenIdleAgent"), official_task, 0))
    finally:
        worker.close()
    assert not out.error_kind, out.error_message
    assert [s.action for s in out.steps][1:] == ["noop(0)"] * 3 and len(out.steps) == 4
    assert out.extra["early_stop"] == "Same action for 3 times"
    assert out.extra["verdict"]["early_stop"] == "Early stop: Same action for 3 times"
    assert out.outcome == SUCCESS and out.extra["columns"]["paper"] == 1.0
