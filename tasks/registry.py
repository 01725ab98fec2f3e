"""The task registry: suites plug in through entry points and list ``TaskSpec`` records.

Names are ``<suite>.<task>`` (``miniwob.click-test``). Each is also a Gymnasium id under the
``palaestra`` namespace (``palaestra/miniwob.click-test``), made by the environment the spec names.

A suite is an entry point in the group ``palaestra.suites`` (the built-in ones are declared in our
own ``pyproject.toml`` the same way), naming a function that returns the suite's ``TaskSpec``
records. A package of yours adds a suite with no change to Palaestra::

    [project.entry-points."palaestra.suites"]
    mysuite = "mypackage.tasks:palaestra_tasks"

Without packaging, ``PALAESTRA_SUITES`` names suites the same way (``mine=mytasks:palaestra_tasks``,
several joined by commas), for a folder on ``PYTHONPATH``; run workers inherit it.

Listing is cheap by contract: the function and its module must not import a browser driver, a web
framework or a model, because ``import palaestra`` lists every suite to register the Gymnasium ids.
Specs name their task class and environment class as ``"module:attribute"`` strings, imported only
when an episode is made.
"""

from __future__ import annotations

import fnmatch
import importlib
import os
import re
import traceback
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import TYPE_CHECKING, Any

from palaestra.errors import PluginError, RegistrationError, SuiteUnavailable, UnknownNameError

if TYPE_CHECKING:
    from palaestra.tasks.base import Task

GYM_NAMESPACE = "palaestra"
SUITES_GROUP = "palaestra.suites"
#: Suites of your own without a package: ``name=module:function``, several joined by commas.
SUITES_ENV = "PALAESTRA_SUITES"
#: What an unknown suite's error says about adding one.
OWN_SUITE_HINT = (
    f"A suite of your own is an entry point in `{SUITES_GROUP}` of an installed package, or named in "
    f"{SUITES_ENV}=name=module:function (the module importable, e.g. on PYTHONPATH)."
)
BROWSER_ENV = "palaestra.envs.browser_env:BrowserEnv"


def resolve(target: str | Callable[..., Any], what: str) -> Any:
    """The object an ``"module:attribute"`` string names (or ``target`` itself when not a string)."""
    if not isinstance(target, str):
        return target
    module_name, sep, attribute = target.partition(":")
    if not sep or not module_name or not attribute:
        raise PluginError(f"{what}: `{target}` is not of the form `package.module:attribute`.")
    try:
        obj: Any = importlib.import_module(module_name)
        for part in attribute.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as exc:
        raise PluginError(f"{what}: cannot load `{target}`: {exc}") from exc
    return obj


@dataclass(frozen=True)
class TaskSpec:
    """How to build one registered task, and which environment class runs it.

    ``factory`` is the task class (or any callable returning a ``Task``), or its ``"module:attr"``
    path, imported on the first ``make()``; ``env`` is the environment's ``"module:Class"`` path.
    """

    name: str
    suite: str
    factory: str | Callable[..., Task]
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""
    env: str = BROWSER_ENV
    #: False for a task that poses one fixed problem whatever the seed (WebArena's and the site
    #: suites'): runs then default to one seed rather than five identical episodes.
    seeded: bool = True
    #: False for a task whose observations show values no seed fixes (a live web application's
    #: CSRF tokens, new at every request; a page animating in real time): Gymnasium's spec then
    #: says ``nondeterministic``, and its ``check_env`` does not expect ``reset(seed=s)`` to repeat
    #: an observation exactly.
    deterministic: bool = True
    #: The task's scripted solution, for the ``oracle`` agent and ``palaestra.tasks.check``: a
    #: generator function (or its ``"module:function"`` path, imported when played) given the
    #: episode's first observation, yielding action strings and sent each next observation. A suite
    #: of your own gives its tasks oracles so; the built-in suites find theirs by task name.
    oracle: str | Callable[..., Any] | None = None

    @property
    def gym_id(self) -> str:
        return f"{GYM_NAMESPACE}/{self.name}"

    def make(self) -> Task:
        return resolve(self.factory, f"task `{self.name}`")(**self.kwargs)


_registry: dict[str, TaskSpec] = {}
#: Suites installed but without tasks here, and what would give them tasks.
_unavailable: dict[str, str] = {}
_suites_loaded = False


def register_task(spec: TaskSpec) -> None:
    """Register one task by hand (suites in packages use the entry point instead)."""
    if spec.name in _registry:
        raise RegistrationError(
            f"Task `{spec.name}` is registered twice (by suite `{_registry[spec.name].suite}` first). "
            "Give the new task another name."
        )
    if not spec.name.startswith(f"{spec.suite}."):
        raise RegistrationError(f"Task `{spec.name}` must be named `{spec.suite}.<task>`, after its suite.")
    _registry[spec.name] = spec


def _load_suites() -> None:
    global _suites_loaded
    if _suites_loaded:
        return
    _suites_loaded = True
    found = entry_points(group=SUITES_GROUP)
    if not any(ep.value.startswith("palaestra.") for ep in found):
        warnings.warn(
            "Palaestra's built-in suites are not registered: its entry points are missing, so the "
            "package is not installed. Install it (`pip install -e .` in the checkout, or "
            "`./scripts/setup`).",
            stacklevel=3,
        )
    for ep in sorted([*found, *env_suites()], key=lambda e: e.name):
        try:
            specs: Iterable[TaskSpec] = ep.load()()
            for spec in specs:
                register_task(spec)
        except SuiteUnavailable as exc:  # not broken: said when the suite is asked for
            _unavailable[ep.name] = str(exc)
        except Exception as exc:  # one broken plug-in must not take the others down
            reason = f"its listing {ep.value} failed to load: {type(exc).__name__}: {exc}{_where(exc)}"
            warnings.warn(f"Task suite `{ep.name}`: {reason}", stacklevel=3)
            _unavailable[ep.name] = f"{reason}. Fix it, then list the suite again."  # not "unknown"


def env_suites() -> list[EntryPoint]:
    """The suites ``PALAESTRA_SUITES`` names, as entry points; a malformed item is said and skipped."""
    out = []
    for item in filter(None, (part.strip() for part in os.environ.get(SUITES_ENV, "").split(","))):
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or ":" not in value:
            warnings.warn(
                f"{SUITES_ENV}: `{item}` is not `name=package.module:function`; left out.", stacklevel=4
            )
            continue
        out.append(EntryPoint(name.strip(), value.strip(), SUITES_GROUP))
    return out


def _where(exc: BaseException) -> str:
    """Where in the suite's code it failed (its last frame), so that its author finds the line."""
    frames = traceback.extract_tb(exc.__traceback__)
    return f" (at {frames[-1].filename}:{frames[-1].lineno})" if frames else ""


def all_tasks() -> dict[str, TaskSpec]:
    _load_suites()
    return dict(_registry)


def suites() -> list[str]:
    return sorted({s.suite for s in all_tasks().values()})


def unavailable_suites() -> dict[str, str]:
    """Installed suites that offer no tasks here, each with the reason and its fix."""
    _load_suites()
    return dict(_unavailable)


def get_task_spec(name: str) -> TaskSpec:
    """The spec of ``name`` (with or without the ``palaestra/`` prefix); did-you-mean when unknown."""
    tasks = all_tasks()
    name = name.removeprefix(f"{GYM_NAMESPACE}/")
    if name not in tasks:
        reason = unavailable_suites().get(name.split(".", 1)[0])
        if reason is not None:
            raise SuiteUnavailable(f"The task `{name}` is in a suite with no tasks here: {reason}")
        raise UnknownNameError("task", name, tasks, hint="`palaestra list tasks` lists them all.")
    return tasks[name]


def suite_of(name: str) -> str:
    """The suite of task ``name``: its spec's, or, for a task not registered here (one an
    environment server serves), its name's first part, which is its suite by the registry's rule."""
    spec = all_tasks().get(name.removeprefix(f"{GYM_NAMESPACE}/"))
    return spec.suite if spec is not None else name.removeprefix(f"{GYM_NAMESPACE}/").split(".", 1)[0]


def list_tasks(pattern: str = "*", suite: str | None = None) -> list[str]:
    """Registered task names matching a glob pattern, optionally within one suite, in natural order.

    A pattern matches the full name (``miniwob.enter-*``) or the name within its suite
    (``enter-*``), so both spellings people type work.
    """
    if suite is not None and suite not in suites():
        reason = unavailable_suites().get(suite)
        if reason is not None:
            raise SuiteUnavailable(f"The suite `{suite}` has no tasks here: {reason}")
        raise UnknownNameError("suite", suite, suites(), hint=OWN_SUITE_HINT)
    names = [n for n, s in all_tasks().items() if suite is None or s.suite == suite]
    return sorted(
        (
            n
            for n in names
            if fnmatch.fnmatchcase(n, pattern) or fnmatch.fnmatchcase(n.split(".", 1)[1], pattern)
        ),
        key=natural_key,
    )


def natural_key(name: str) -> tuple[object, ...]:
    """Sort ``webarena.9`` before ``webarena.10`` and ``x-2`` before ``x-10``: numbers by value, the
    rest as text. Runs, their dry runs and `palaestra list tasks` all order tasks so."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name))


def register_gymnasium_envs() -> None:
    """Register every task as a Gymnasium id (idempotent; imports no environment code).

    ``gym.register`` checks each new id against every registered one, about 0.2 s of CPU for our
    2,000-odd ids in every process that imports palaestra (each run worker, each CLI command). The
    same check is made here once, against an index of the registry; an id it would refuse, or a
    registration inside Gymnasium's plugin loading (which renames namespaces), goes through
    ``gym.register`` itself, which says why."""
    import gymnasium as gym
    from gymnasium.envs import registration

    from palaestra.tasks.gym_names import install_namespace_hint

    install_namespace_hint()  # `miniwob.click-test` without `palaestra/`: the error names our id
    unversioned = {(s.namespace, s.name): s.version is None for s in gym.registry.values()}
    for spec in all_tasks().values():
        if spec.gym_id in gym.registry:
            continue
        made = gym_spec(spec)
        seen = unversioned.get((made.namespace, made.name))
        if registration.current_namespace is not None or seen is not None:
            register_gymnasium_env(spec)
        else:
            gym.registry[made.id] = made
            unversioned[(made.namespace, made.name)] = made.version is None


def gym_spec(spec: TaskSpec) -> Any:
    """The ``EnvSpec`` of a task, as ``gym.register`` makes it. ``max_episode_steps`` given to
    ``gym.make`` reaches the environment, which judges the episode at that limit when its task asks
    (see `palaestra.envs.step_limit`)."""
    from gymnasium.envs.registration import EnvSpec

    from palaestra.envs.step_limit import wrapper_spec

    return EnvSpec(
        id=spec.gym_id,
        entry_point=spec.env,
        kwargs={"task": spec.name},
        nondeterministic=not spec.deterministic,
        disable_env_checker=False,
        additional_wrappers=(wrapper_spec(),),
    )


def register_gymnasium_env(spec: TaskSpec) -> None:
    """Register one task as a Gymnasium id through ``gym.register``, unless it is."""
    import gymnasium as gym

    if spec.gym_id not in gym.registry:
        made = gym_spec(spec)
        gym.register(
            id=made.id,
            entry_point=made.entry_point,
            kwargs=made.kwargs,
            nondeterministic=made.nondeterministic,
            disable_env_checker=made.disable_env_checker,
            additional_wrappers=made.additional_wrappers,
        )
