"""WebArena-format task files of a user's own (`PALAESTRA_WEBARENA_TASKS`, the `webarena-json`
suite): played and judged as WebArena's own tasks are, and refused with the fix when the file has a
mistake WebArena's harness would only meet while running it.

The played task is on the user's "shopping" instance, here a loopback HTTP server, driven by the
generic agent over the scripted OpenAI-compatible server in a real Chromium.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from palaestra.errors import SiteError, SuiteUnavailable
from palaestra.runs import evidence
from palaestra.runs.episode import EpisodeWorker
from palaestra.runs.records import FAILURE, SUCCESS
from palaestra.runs.spec import AgentEntry, EpisodeSpec, RunSettings
from palaestra.tasks import registry
from palaestra.tasks.webarena.official import benchmark_configs, webarena_json_tasks
from palaestra.tasks.webarena.official_task import NOT_VERIFIED
from palaestra.tasks.webarena.own_tasks import TASKS_ENV
from palaestra.tasks.webarena.rejudge_official import judge_official_again
from palaestra.testing import ScriptedLLMServer
from palaestra.testing.loopback import QuietHandler, serve
from palaestra.testing.script import ScriptRequest, reply_text


def own_task(**changes: Any) -> dict[str, Any]:
    """A new intent on the shop in WebArena's format, with its three kinds of check."""
    task: dict[str, Any] = {
        "sites": ["shopping"], "task_id": 9001, "require_login": False, "storage_state": None,
        "start_url": "__SHOPPING__/basket/", "geolocation": None, "intent_template": "What is {{page}}?",
        "instantiation_dict": {"page": "this page"}, "intent": "What is this page called?",
        "require_reset": False, "intent_template_id": 9000,
        "eval": {
            "eval_types": ["string_match", "url_match", "program_html"],
            "reference_answers": {"must_include": ["basket"]},
            "reference_url": "__SHOPPING__/basket/", "url_note": "GOLD in PRED",
            "program_html": [{"url": "last", "locator": "document.querySelector('h1').textContent",
                              "required_contents": {"must_include": ["Your basket"]}}],
        },
    }  # fmt: skip
    task.update(changes)
    return task


def write(folder: Path, *tasks: dict[str, Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for task in tasks:
        (folder / f"{task['task_id']}.json").write_text(json.dumps(task))
    return folder


class Shop(QuietHandler):
    def do_GET(self) -> None:
        found = self.path.split("?")[0] == "/basket/"
        self.reply(200 if found else 404, "<h1>Your basket</h1>" if found else "<h1>Not found</h1>")


@pytest.fixture(scope="module")
def shop() -> Iterator[str]:
    with serve(Shop) as served:
        yield served.url


def test_the_suite_says_what_to_set_when_no_file_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TASKS_ENV, raising=False)
    with pytest.raises(SuiteUnavailable, match=f"set {TASKS_ENV}=/path/to/config_files"):
        webarena_json_tasks()


def test_reading_a_runs_own_tasks_without_their_files_names_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`palaestra show --by site` and `judge` read a run's tasks; the error says where from."""
    monkeypatch.delenv(TASKS_ENV, raising=False)
    with pytest.raises(
        SiteError, match=f"webarena-json tasks are read from your own task files: set {TASKS_ENV}"
    ):
        benchmark_configs("webarena-json")


def test_a_folder_of_config_files_is_a_suite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    second = own_task(task_id=9002, intent="Open the basket.")
    monkeypatch.setenv(TASKS_ENV, str(write(tmp_path / "config_files", own_task(), second)))
    specs = webarena_json_tasks()
    assert [(s.name, s.suite, s.description) for s in specs] == [
        ("webarena-json.9001", "webarena-json", "What is this page called?"),
        ("webarena-json.9002", "webarena-json", "Open the basket."),
    ]
    task = specs[0].make()  # the verdict's sources name the user's files, not WebArena's packages
    assert task.benchmark == "webarena-json" and task.sources() == {
        "task_files": str(tmp_path / "config_files")
    }


MISSPELT_CHECK = {"url": "last", "locatr": "", "required_contents": {"must_include": ["x"]}}
MISSPELT_CHECK = {"url": "last", "locatr": "", "required_contents": {"must_include": ["x"]}}
BAD = {
    "a misspelt site": (own_task(sites=["shoping"]), "unknown site `shoping`. Did you mean: `shopping`"),
    "a stand-in's name": (
        own_task(sites=["shop"]),
        re.escape('files name WebArena\'s sites: "sites": ["shopping"]'),
    ),
    "a misspelt placeholder": (
        own_task(start_url="__SHOPING__/basket/"),
        "start_url uses the unknown placeholder __SHOPING__. Did you mean: `__SHOPPING__`",
    ),
    "a site missing from sites": (
        own_task(start_url="__REDDIT__/forums"),
        'start_url uses __REDDIT__, but `sites` lists only shopping; add "reddit" to `sites`',
    ),
    "a check without its locator": (
        own_task(eval={**own_task()["eval"], "program_html": [MISSPELT_CHECK]}),
        r"eval.program_html\[0\] has no `locator` \(is `locatr` meant to be it\?\)",
    ),
    "a misspelt evaluator": (
        own_task(eval={**own_task()["eval"], "eval_types": ["string_match", "url_matc"]}),
        "unknown eval type `url_matc`. Did you mean: `url_match`",
    ),
    "evaluators as one string": (
        own_task(eval={**own_task()["eval"], "eval_types": "string_match"}),
        re.escape(
            '`eval.eval_types` must be a list of evaluator names, such as "eval_types": ["string_match"]'
        ),
    ),
    "a string must_include": (
        own_task(eval={**own_task()["eval"], "reference_answers": {"must_include": "basket"}}),
        re.escape(
            "`eval.reference_answers.must_include` must be a list of strings, "
            'such as "must_include": ["basket"]'
        ),
    ),
    "a number as exact_match": (
        own_task(eval={**own_task()["eval"], "reference_answers": {"exact_match": 42}}),
        re.escape(
            '`eval.reference_answers.exact_match` must be a string, such as "exact_match": "42", not 42'
        ),
    ),
    "a db_state check": (
        own_task(
            eval={
                **own_task()["eval"],
                "eval_types": ["db_state"],
                "db_state": [{"site": "shop", "query": "select count(*) from basket_basket", "expected": 1}],
            }
        ),
        "`db_state` is not judged in WebArena-format files: it is Palaestra's check for its own site suites",
    ),
    "a fuzzy_match of numbers": (
        own_task(eval={**own_task()["eval"], "reference_answers": {"fuzzy_match": [3, 4]}}),
        re.escape('must be a list of strings (or "N/A" for an unachievable task)'),
    ),
}


@pytest.mark.parametrize("case", BAD)
def test_a_mistake_in_the_file_makes_the_suite_unavailable_naming_task_file_and_fix(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    task, expected = BAD[case]
    folder = write(tmp_path / "config_files", task)
    monkeypatch.setenv(TASKS_ENV, str(folder))
    with pytest.raises(SuiteUnavailable, match=expected) as caught:
        webarena_json_tasks()
    assert f"task 9001 in {folder / '9001.json'}" in str(caught.value)


def test_a_task_id_given_twice_is_refused_naming_both_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = write(tmp_path / "config_files", own_task())
    extra = tmp_path / "more.json"
    extra.write_text(json.dumps([own_task(intent="Another.")]))
    monkeypatch.setenv(TASKS_ENV, f"{folder}:{extra}")
    with pytest.raises(SuiteUnavailable, match=f"task_id 9001 is given twice .*9001.json and {extra}"):
        webarena_json_tasks()


def test_an_own_task_is_played_and_judged_as_an_official_one(
    shop: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, llm_server: ScriptedLLMServer
) -> None:
    """Its three checks judge it in the paper and corrected columns (the reward is paper's, as on
    `webarena`); Verified has no evaluation of it, which is said, not reported as an error; judged
    again offline from its evidence, the columns are the same."""
    monkeypatch.setenv(TASKS_ENV, str(write(tmp_path / "config_files", own_task())))
    monkeypatch.setenv("PALAESTRA_WEBARENA_SITES", json.dumps({"shopping": shop}))
    for spec in webarena_json_tasks():
        monkeypatch.setitem(registry._registry, spec.name, spec)
    answers = iter(["It is your basket.", "It is the checkout."])  # one request per episode: it answers

    def script(request: ScriptRequest) -> Any:
        return reply_text(f"I read the heading.\n```\nsend_msg_to_user({next(answers)!r})\n```")

    llm_server.script = script
    agent = AgentEntry(
        "generic", (("model", "scripted-model"), ("base_url", llm_server.base_url), ("api_key", "k"))
    )
    worker = EpisodeWorker(
        RunSettings(max_steps=3, step_timeout=20.0, screenshots=False), str(tmp_path / "run")
    )
    try:
        right = worker.run(EpisodeSpec(agent, "webarena-json.9001", 0))
        wrong = worker.run(EpisodeSpec(agent, "webarena-json.9001", 1))
    finally:
        worker.close()
    for out in (right, wrong):
        assert not out.error_kind, out.error_message
    assert right.outcome == SUCCESS and right.reward == 1.0
    assert right.extra["columns"] == {"paper": 1.0, "corrected": 1.0, "verified": None}
    verdict = right.extra["verdict"]
    assert verdict["details"]["paper"] == {
        "string_match": 1.0, "url_match": 1.0, "url": f"{shop}/basket/", "program_html": 1.0
    }  # fmt: skip
    assert verdict["verified"] == {"skipped": NOT_VERIFIED} and "verified" not in verdict["errors"]
    assert wrong.outcome == FAILURE and wrong.extra["columns"]["paper"] == 0.0
    assert wrong.extra["verdict"]["details"]["corrected"]["string_match"] == 0.0

    folder = tmp_path / "run" / wrong.artifacts
    record = evidence.load(folder)
    task = registry.get_task_spec("webarena-json.9001").make()
    again = asyncio.run(judge_official_again(task, record, evidence.network(folder, record), None))
    assert (again.column, again.score) == ("paper", 0.0)
    assert again.details["undecided"] == {}, again.details["undecided"]
