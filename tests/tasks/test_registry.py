"""The task registry: names, globs, Gymnasium ids and did-you-mean errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import gymnasium as gym
import pytest

from palaestra.errors import RegistrationError, SuiteUnavailable, UnknownNameError
from palaestra.tasks import get_task_spec, list_tasks, registry, suites
from palaestra.tasks.miniwob import HTML_DIR
from palaestra.tasks.registry import (
    SUITES_ENV,
    TaskSpec,
    all_tasks,
    register_gymnasium_env,
    register_gymnasium_envs,
    register_task,
    unavailable_suites,
)


def test_every_miniwob_page_is_registered() -> None:
    pages = {p.stem for p in HTML_DIR.glob("*.html")}
    assert len(pages) >= 125
    assert set(list_tasks(suite="miniwob")) == {f"miniwob.{p}" for p in pages}
    assert suites() == [
        "code", "cross", "desktop", "forum", "map", "miniwob", "osworld-json", "shop", "shop-admin", "tools",
        "webarena", "webarena-lite", "webarena-verified", "wiki",
    ]  # fmt: skip


def test_globs() -> None:
    assert list_tasks("miniwob.click-test*") == [
        "miniwob.click-test",
        "miniwob.click-test-2",
        "miniwob.click-test-transfer",
    ]
    assert list_tasks("email-inbox-*", suite="miniwob")[0] == "miniwob.email-inbox-delete"


def test_unknown_task_suggests_close_names() -> None:
    with pytest.raises(
        UnknownNameError, match=r"Unknown task `miniwob.clik-test`. Did you mean: `miniwob.click-test`"
    ):
        get_task_spec("miniwob.clik-test")
    with pytest.raises(UnknownNameError, match="Did you mean: `miniwob`"):
        list_tasks(suite="minwob")


def test_registering_a_taken_or_misnamed_task_is_a_typed_error() -> None:
    taken = get_task_spec("miniwob.click-test")
    with pytest.raises(RegistrationError, match=r"`miniwob.click-test` is registered twice"):
        register_task(taken)
    with pytest.raises(RegistrationError, match=r"must be named `mine.<task>`"):
        register_task(TaskSpec(name="click-test", suite="mine", factory=taken.factory))
    assert all_tasks()["miniwob.click-test"] is taken and "click-test" not in all_tasks()


def test_an_agent_or_a_template_registered_twice_is_a_registration_error() -> None:
    from palaestra.agents.registry import get_agent_spec, register_agent
    from palaestra.tasks.webarena.templates import TEMPLATES
    from palaestra.tasks.webarena.templates.base import register

    with pytest.raises(RegistrationError, match=r"Agent 'random' is registered already.*another name"):
        register_agent(get_agent_spec("random"))
    key, template = next(iter(TEMPLATES.items()))
    with pytest.raises(RegistrationError, match=rf"Template '{key}' is registered twice"):
        register(template)
    assert TEMPLATES[key] is template


def test_gymnasium_ids_are_registered() -> None:
    spec = gym.spec("palaestra/miniwob.use-autocomplete")
    assert spec.kwargs == {"task": "miniwob.use-autocomplete"}
    with pytest.raises(gym.error.NameNotFound, match=r"Did you mean: `miniwob\.click-test`"):
        gym.spec("palaestra/miniwob.clik-test")


def test_the_ids_are_the_specs_gym_register_makes_and_a_clash_is_its_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`register_gymnasium_envs` fills Gymnasium's registry without `gym.register`'s scan of it per
    id: each spec is still the one `gym.register` makes, and an id it refuses is still refused."""
    ours = {k: v for k, v in gym.registry.items() if k.startswith("palaestra/")}
    assert len(ours) == len(all_tasks())
    plain: dict[str, gym.envs.registration.EnvSpec] = {}
    monkeypatch.setattr(gym.envs.registration, "registry", plain)
    monkeypatch.setattr(gym, "registry", plain)
    for spec in list(all_tasks().values())[::50]:
        register_gymnasium_env(spec)  # through gym.register
        assert plain[spec.gym_id] == ours[spec.gym_id]
    plain.clear()
    gym.register(
        "palaestra/miniwob.click-test-v1", entry_point=ours["palaestra/miniwob.click-test"].entry_point
    )
    with pytest.raises(gym.error.RegistrationError, match="unversioned environment"):
        register_gymnasium_envs()


SUITE_MODULE = """
from palaestra.tasks.registry import TaskSpec

def tasks():
    page = {"url": "about:blank", "goal": "Pick."}
    return [TaskSpec("mine.pick", "mine", "palaestra.tasks.page:PageTask", page)]

def broken():
    import yaml_that_is_not_installed  # the author's missing dependency
"""


@pytest.fixture
def fresh_registry(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The registry as a new process finds it, with a suite module of the user's own on the path."""
    (tmp_path / "my_suite.py").write_text(SUITE_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "my_suite", raising=False)
    monkeypatch.setattr(registry, "_registry", {})
    monkeypatch.setattr(registry, "_unavailable", {})
    monkeypatch.setattr(registry, "_suites_loaded", False)
    return tmp_path


def test_a_folder_of_ones_own_is_a_suite_through_palaestra_suites(
    fresh_registry: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SUITES_ENV, "mine=my_suite:tasks, oops")
    with pytest.warns(UserWarning, match="`oops` is not `name=package.module:function`"):
        assert list_tasks(suite="mine") == ["mine.pick"]
    assert "miniwob" in suites()  # the installed suites as well
    # A new process (a CLI command, a run's worker, gym.make after `import palaestra`) finds it too.
    code = "import gymnasium as gym, palaestra; print(gym.spec('palaestra/mine.pick').id)"
    path = os.pathsep.join([str(fresh_registry), os.environ.get("PYTHONPATH", "")])
    shown = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, SUITES_ENV: "mine=my_suite:tasks", "PYTHONPATH": path},
        capture_output=True,
        text=True,
        check=True,
    )
    assert shown.stdout.strip() == "palaestra/mine.pick"


def test_a_suite_whose_listing_fails_is_unavailable_with_the_error_and_its_line_not_unknown(
    fresh_registry: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SUITES_ENV, "mine=my_suite:broken")
    with pytest.warns(UserWarning, match="Task suite `mine`: its listing my_suite:broken failed"):
        reason = unavailable_suites()["mine"]
    assert "ModuleNotFoundError: No module named 'yaml_that_is_not_installed'" in reason
    line = SUITE_MODULE.splitlines().index(
        "    import yaml_that_is_not_installed  # the author's missing dependency"
    )
    assert f"(at {fresh_registry / 'my_suite.py'}:{line + 1})" in reason
    with pytest.raises(
        SuiteUnavailable, match="The suite `mine` has no tasks here: its listing my_suite:broken"
    ):
        list_tasks(suite="mine")
    with pytest.raises(UnknownNameError, match="PALAESTRA_SUITES=name=module:function"):
        list_tasks(suite="mien")
