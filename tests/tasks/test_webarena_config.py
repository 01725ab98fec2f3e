"""The WebArena-format loader, on WebArena-shaped files and on the suites' own generated files."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from palaestra.tasks import list_tasks
from palaestra.tasks.webarena import SITE_SUITES, suite_configs
from palaestra.tasks.webarena.config import TaskConfigError, fill_placeholders, from_json, load_configs

#: A task in the shape of WebArena's config_files/<id>.json (values made up here).
WEBARENA_SHAPED = {
    "sites": ["shopping_admin"],
    "task_id": 0,
    "require_login": True,
    "storage_state": "./.auth/shopping_admin_state.json",
    "start_url": "__SHOPPING_ADMIN__",
    "geolocation": None,
    "intent_template": "What is the top-{{n}} best-selling product in {{year}}",
    "instantiation_dict": {"n": 1, "year": 2022},
    "intent": "What is the top-1 best-selling product in 2022",
    "require_reset": False,
    "eval": {
        "eval_types": ["string_match"],
        "reference_answers": {"exact_match": "Quest Lumaflex™ Band"},
        "reference_url": "",
        "program_html": [],
        "string_note": "",
        "reference_answer_raw_annotation": "Quest Lumaflex™ Band",
    },
    "intent_template_id": 279,
}


def test_loads_a_folder_of_webarena_task_files_and_a_list(tmp_path: Path) -> None:
    folder = tmp_path / "config_files"
    folder.mkdir()
    for task_id in (0, 1, 10):
        (folder / f"{task_id}.json").write_text(json.dumps({**WEBARENA_SHAPED, "task_id": task_id}))
    (tmp_path / "test.raw.json").write_text(json.dumps([WEBARENA_SHAPED, {**WEBARENA_SHAPED, "task_id": 5}]))
    assert [c.task_id for c in load_configs(folder)] == [0, 1, 10]
    configs = load_configs(tmp_path / "test.raw.json")
    assert [c.task_id for c in configs] == [0, 5]
    first = configs[0]
    assert first.sites == ("shopping_admin",) and first.require_login and first.intent_template_id == 279
    assert first.eval.reference_answers == {"exact_match": "Quest Lumaflex™ Band"}
    assert first.to_json()["eval"]["reference_answer_raw_annotation"] == "Quest Lumaflex™ Band"
    assert from_json(first.to_json()) == first
    urls = {"__SHOPPING__": "http://a:1", "__SHOPPING_ADMIN__": "http://b:2/admin"}
    assert fill_placeholders("__SHOPPING_ADMIN__/sales", urls) \
        == "http://b:2/admin/sales"  # fmt: skip


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"eval": {"eval_types": ["string_macth"], "reference_answers": {"exact_match": "x"}}},
            "unknown eval type `string_macth`.*Did you mean: `string_match`",
        ),
        (
            {"eval": {"eval_types": ["string_match"], "reference_answers": {"must_includes": ["x"]}}},
            "unknown answer kind `must_includes`.*`must_include`",
        ),
        ({"eval": {"eval_types": ["url_match"], "reference_url": ""}}, "url_match needs `reference_url`"),
        ({"sites": "shopping"}, "`sites` must be a list"),
    ],
)
def test_malformed_tasks_get_errors_that_name_the_task_and_the_fix(
    change: dict[str, object], message: str
) -> None:
    with pytest.raises(TaskConfigError, match=message):
        from_json({**WEBARENA_SHAPED, **change})
    missing = {k: v for k, v in WEBARENA_SHAPED.items() if k != "intent"}
    with pytest.raises(TaskConfigError, match="task 0 has no `intent`"):
        from_json(missing)


def test_the_site_suites_are_registered_with_enough_tasks_templates_and_unachievable_ones() -> None:
    configs = [c for suite in SITE_SUITES for c in suite_configs(suite).values()]
    assert len(configs) >= 150
    templates = {(c.sites, c.intent_template) for c in configs}
    assert len(templates) >= 45
    unachievable = sum(c.unachievable for c in configs)
    assert 0.04 <= unachievable / len(configs) <= 0.08
    kinds = Counter(kind for c in configs for kind in c.eval.eval_types)
    assert {"string_match", "url_match", "db_state"} <= set(kinds)
    assert len({c.task_id for c in configs}) == len(configs)
    for suite in SITE_SUITES:
        names = list_tasks("*", suite=suite)
        assert len(names) == len(suite_configs(suite)) and all(n.startswith(f"{suite}.") for n in names)
    assert any(c.login_as for c in configs)  # a task that logs in as another seeded account
