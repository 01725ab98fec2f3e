"""WebArena-style suites on Palaestra's own sites: ``shop``, ``shop-admin`` and ``forum``.

Tasks are WebArena-format JSON files in ``data/`` (generated from the seeded databases by
``generate.py``), loaded by ``config.load_configs`` (which reads WebArena's own files too), run as
``SiteTask`` episodes and judged by ``evaluators``.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from palaestra.tasks.registry import TaskSpec
from palaestra.tasks.webarena.config import TaskConfig, load_configs

DATA = Path(__file__).parent / "data"
SITE_SUITES = ("shop", "shop-admin", "forum", "code", "wiki", "cross", "map")


@functools.cache
def suite_configs(suite: str) -> dict[str, TaskConfig]:
    """The suite's tasks by short name (``product-price-0``)."""
    path = DATA / f"{suite}.json"
    return {c.extra["name"]: c for c in load_configs(path)} if path.is_file() else {}


def make_site_task(suite: str, name: str, **kwargs: Any) -> Any:
    from palaestra.tasks.webarena.task import SiteTask

    return SiteTask(suite_configs(suite)[name], f"{suite}.{name}", **kwargs)


def suite_specs(suite: str) -> list[TaskSpec]:
    return [
        TaskSpec(f"{suite}.{name}", suite, "palaestra.tasks.webarena:make_site_task",
                 {"suite": suite, "name": name}, config.intent,
                 seeded=False, deterministic=False)
        for name, config in suite_configs(suite).items()
    ]  # fmt: skip


def shop_tasks() -> list[TaskSpec]:
    """The `shop` suite's entry point (listing reads JSON only: no browser, no Django)."""
    return suite_specs("shop")


def shop_admin_tasks() -> list[TaskSpec]:
    return suite_specs("shop-admin")


def forum_tasks() -> list[TaskSpec]:
    return suite_specs("forum")


def code_tasks() -> list[TaskSpec]:
    return suite_specs("code")


def wiki_tasks() -> list[TaskSpec]:
    return suite_specs("wiki")


def map_tasks() -> list[TaskSpec]:
    """The map's tasks (OpenStreetMap's central Helsinki; WebArena's ``map``)."""
    return suite_specs("map")


def cross_tasks() -> list[TaskSpec]:
    """Tasks over two sites at once (the wiki and the code host)."""
    return suite_specs("cross")


def site_oracle(task: str) -> Any:
    """The oracle of a site task (``shop.product-price-0``): a function of the first observation
    returning the generator of its actions."""
    from palaestra.tasks.webarena.templates import TEMPLATES

    suite, name = task.split(".", 1)
    config = suite_configs(suite)[name]
    oracle = TEMPLATES[config.extra["template"]].oracle
    return functools.partial(oracle, dict(config.instantiation_dict))


def play_oracle(env: Any, task: str, max_steps: int = 40) -> Any:
    """Play one episode of a site task with its oracle on a (sync) environment made for ``task``."""
    from palaestra.tasks.miniwob.oracles.base import play

    return play(env, site_oracle(task), 0, max_steps)
