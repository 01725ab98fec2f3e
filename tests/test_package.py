"""The package's structure: every sub-package ships, suites and agents plug in, imports stay light."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import tomllib
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from palaestra.agents.registry import AGENTS_GROUP, agent_names, get_agent_spec
from palaestra.tasks.registry import SUITES_GROUP, TaskSpec, all_tasks

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
NOT_PACKAGED = {"tests", "bench", "scripts", "build", ".venv", ".git", ".ci", ".cache", "results"}


def source_packages() -> set[str]:
    found = {"palaestra"}
    for init in ROOT.rglob("__init__.py"):
        parts = init.parent.relative_to(ROOT).parts
        if parts and parts[0] not in NOT_PACKAGED and not any(p.startswith(".") for p in parts):
            found.add(".".join(("palaestra", *parts)))
    return found


def test_every_sub_package_is_listed_in_pyproject() -> None:
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    assert source_packages() - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"
    assert listed - source_packages() == set(), "pyproject.toml lists packages that do not exist"


def test_every_data_file_is_covered_by_package_data() -> None:
    """A sub-package's non-Python files (pages, scripts, task files) must ship with it."""
    import fnmatch

    package_data: dict[str, list[str]] = PYPROJECT["tool"]["setuptools"]["package-data"]
    missing = []
    for package in source_packages() - {"palaestra"}:
        folder = ROOT.joinpath(*package.split(".")[1:])
        globs = package_data.get(package, [])
        for path in folder.rglob("*"):
            rel = path.relative_to(folder)
            inside_subpackage = any(
                (folder / part).joinpath("__init__.py").exists() for part in rel.parents if part != Path(".")
            )
            if (
                path.is_dir()
                or path.suffix in (".py", ".pyc")
                or "__pycache__" in rel.parts
                or inside_subpackage
            ):
                continue
            if not any(fnmatch.fnmatch(rel.as_posix(), g) for g in globs):
                missing.append(str(path.relative_to(ROOT)))
    assert missing == [], "add these to [tool.setuptools.package-data] in pyproject.toml"


def test_built_in_suites_and_agents_are_entry_points() -> None:
    declared = PYPROJECT["project"]["entry-points"]
    suites = {ep.name: ep.value for ep in entry_points(group=SUITES_GROUP)}
    agents = {ep.name: ep.value for ep in entry_points(group=AGENTS_GROUP)}
    assert declared[SUITES_GROUP].items() <= suites.items(), "reinstall: pip install -e ."
    assert declared[AGENTS_GROUP].items() <= agents.items(), "reinstall: pip install -e ."
    assert {"miniwob", "tools"} <= {s.suite for s in all_tasks().values()}
    assert {"generic", "memory", "oracle", "random", "synapse"} <= set(agent_names())
    assert get_agent_spec("random").name == "random"


def _python(code: str, **env: str) -> str:
    import os

    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **env},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize(
    "module",
    [
        "palaestra", "palaestra.routing", "palaestra.memory", "palaestra.agents", "palaestra.ui",
        # Task modules load Playwright only when an episode runs (a runner imports tasks to list them).
        "palaestra.tasks.miniwob.task", "palaestra.tasks.webarena.task",
        "palaestra.tasks.webarena.official_task",
    ],
)  # fmt: skip
def test_importing_a_sub_package_loads_no_browser_driver_or_model(module: str) -> None:
    # webarena_verified's evaluators load pydantic and geopy (a second): its task files are read without it.
    heavy = ("playwright", "miniwob", "torch", "sentence_transformers", "django", "webarena_verified")
    out = _python(f"import sys, {module}; print(sorted(m for m in {heavy!r} if m in sys.modules))")
    assert out.strip() == "[]"


def test_a_run_worker_imports_the_openai_sdk_only_when_a_model_is_asked_for() -> None:
    """`palaestra.runs.episode` is what every run worker imports; the SDK costs it half a second."""
    out = _python(
        "import sys, palaestra.runs.episode, palaestra.agents.llm as llm; print('openai' in sys.modules); "
        "llm.ChatModel, llm.LLMError; print('openai' in sys.modules)"
    )
    assert out.split() == ["False", "True"]


def test_gym_make_works_after_importing_palaestra() -> None:
    out = _python(
        """
        import gymnasium as gym, palaestra
        env = gym.make("palaestra/miniwob.click-test", pages_ahead=0)
        obs, info = env.reset(seed=0)
        print(type(env.unwrapped).__name__, bool(obs["goal"]))
        env.close()
        """
    )
    assert out.split() == ["BrowserEnv", "True"]


PLUGIN_PYPROJECT = """
[build-system]
requires = ["setuptools"]
build-backend = "setuptools.build_meta"

[project]
name = "palaestra-plugin-demo"
version = "0.0.1"

[project.entry-points."palaestra.suites"]
demo = "plugin_demo:suite_tasks"

[project.entry-points."palaestra.agents"]
press-ok = "plugin_demo:PressOk"
"""

PLUGIN_MODULE = """
from palaestra.agents import Agent, AgentStep
from palaestra.tasks.registry import TaskSpec

PAGE = "data:text/html,<button onclick='window.done=1'>OK</button>"


def suite_tasks():
    return [TaskSpec("demo.press-ok", "demo", "palaestra.tasks.page:PageTask",
                     {"url": PAGE, "goal": "Press OK.", "success_js": "window.done === 1"})]


class PressOk(Agent):
    async def aact(self, obs):
        button = next(e for e in obs["elements"] if e["tag"] == "button")
        return AgentStep(action=f"click('{button['id']}')")
"""


def test_an_out_of_tree_suite_and_agent_plug_in(tmp_path: Path) -> None:
    source, target = tmp_path / "src", tmp_path / "site"
    source.mkdir()
    (source / "pyproject.toml").write_text(PLUGIN_PYPROJECT)
    (source / "plugin_demo.py").write_text(PLUGIN_MODULE)
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
         "--target", str(target), str(source)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    out = _python(
        """
        import gymnasium as gym, palaestra
        from palaestra.agents import make_agent, TaskInfo
        from palaestra.tasks import list_tasks
        print(list_tasks(suite="demo"))
        env = gym.make("palaestra/demo.press-ok", pages_ahead=0)
        obs, _ = env.reset(seed=0)
        agent = make_agent("press-ok")
        agent.reset(TaskInfo(goal=obs["goal"], action_set=env.unwrapped.action_set))
        obs, reward, terminated, *_ = env.step(agent.act(obs).action)
        print(reward, terminated)
        env.close()
        """,
        PYTHONPATH=str(target),
    )
    assert out.split("\n")[:2] == ["['demo.press-ok']", "1.0 True"]


def test_a_task_spec_names_its_classes_by_path() -> None:
    spec = TaskSpec("x.y", "x", "palaestra.tasks.page:PageTask", {"url": "about:blank", "goal": "g"})
    assert type(spec.make()).__name__ == "PageTask"
    assert spec.env == "palaestra.envs.browser_env:BrowserEnv"
