"""A WebArena-style task is judged on the agent's answer: what the agent does after answering, in
the same step, must not change the verdict. On the real shop, through ``BrowserEnv``.

An agent sending ``send_msg_to_user('Lopez')`` and ``report_infeasible(...)`` in one step was paid
on an "N/A" task (the report met it) and on a task asking for the name (the answer met it): one
hedge won both kinds. And a form saved after the answer counted, which WebArena's harness, ending
the episode at the answer, never sees.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from palaestra.envs import BrowserEnv
from palaestra.sites.isolation import RECORDS
from palaestra.sites.runtime import SiteRuntime
from palaestra.tasks.webarena.config import from_json
from palaestra.tasks.webarena.task import SiteTask
from palaestra.tasks.webarena.templates.base import click

MakeEnv = Callable[..., BrowserEnv]


def _task(evaluation: dict[str, Any], start: str = "__SHOP__/") -> SiteTask:
    config = {
        "sites": ["shop"],
        "task_id": 9,
        "require_login": True,
        "start_url": start,
        "intent": "Tell me Emma's last name.",
        "eval": evaluation,
    }
    return SiteTask(from_json(config), "shop.answer-test")


NOT_APPLICABLE = {"eval_types": ["string_match"], "reference_answers": {"fuzzy_match": "N/A"}}
HEDGE = "send_msg_to_user('Lopez')\nreport_infeasible('It cannot be done.')"


def test_an_answer_and_a_report_of_infeasibility_in_one_step_do_not_meet_an_na_reference(
    runtime: SiteRuntime, make_env: MakeEnv
) -> None:
    env = make_env(_task(NOT_APPLICABLE))
    env.reset(seed=0)
    _, reward, terminated, _, info = env.step(HEDGE)
    assert terminated and reward == 0.0 and not info["success"]
    assert info["actions_not_run"] == ["report_infeasible('It cannot be done.')"]
    assert info["infeasible"] is None
    # The report alone still meets it (the check can pass).
    env.reset(seed=0)
    _, reward, terminated, _, info = env.step("report_infeasible('It cannot be done.')")
    assert terminated and reward == 1.0 and info["success"]


def test_a_form_saved_after_the_answer_does_not_count(runtime: SiteRuntime, make_env: MakeEnv) -> None:
    record = RECORDS["shop"](runtime)
    evaluation = {"eval_types": ["db_state"], "db_state": [record.db_state("Answered")]}
    env = make_env(_task(evaluation, "__SHOP__" + record.edit_path))

    def filled() -> dict[str, Any]:
        obs, _ = env.reset(seed=0)
        field = next(e for e in obs["elements"] if e["role"] == "textbox" and e.get("value") == record.seeded)
        obs, *_ = env.step(f"fill({field['id']!r}, 'Answered')")
        return obs

    save = click(filled(), "button", record.buttons[0], exact=False)
    _, reward, terminated, _, info = env.step(f"send_msg_to_user('done')\n{save}")
    assert terminated and reward == 0.0
    assert [a.split("(")[0] for a in info["actions_not_run"]] == ["click"]
    # Saved in the step before the answer, it counts (the check can pass).
    env.step(click(filled(), "button", record.buttons[0], exact=False))
    _, reward, terminated, _, info = env.step("send_msg_to_user('done')")
    assert terminated and reward == 1.0 and info["success"]
