"""Intent templates: how tasks are made from the seeded database, and how an oracle solves them.

A ``Template`` has WebArena's ``intent_template`` (``"What is the price of the {product}?"``), an
``instances`` function that reads the built seed (read-only SQLite) and returns instantiations with
their evaluation computed from the data, never typed, and an ``oracle``: a generator that solves one
instantiation from observations alone, through the public action strings, reading answers off the
pages it visits. ``generate.py`` turns every template into WebArena-format task files.
"""

from __future__ import annotations

import random
import re
import sqlite3
from collections.abc import Callable, Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from palaestra.errors import PalaestraError, RegistrationError

Obs = dict[str, Any]
Plan = Generator[str, Obs, None]
#: A part of a plan that ends on a page and hands its observation back (``obs = yield from ...``).
Step = Generator[str, Obs, Obs]
Oracle = Callable[[dict[str, Any], Obs], Plan]


class Seed:
    """Read-only queries on a built dataset (``palaestra.sites.build``)."""

    def __init__(self, build: Path, others: dict[str, Path] | None = None) -> None:
        self.build = build
        self.conn = sqlite3.connect(f"file:{build / 'db.sqlite3'}?mode=ro", uri=True)
        #: Site -> build, for cross-site templates (``seed.of("code")``).
        self.others = dict(others or {})

    def of(self, site: str) -> Seed:
        """The seed of another site of a cross-site template."""
        return Seed(self.others[site])

    def rows(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        return list(self.conn.execute(sql, args).fetchall())

    def value(self, sql: str, *args: Any) -> Any:
        row = self.conn.execute(sql, args).fetchone()
        return None if row is None else row[0]


@dataclass(frozen=True)
class Instance:
    values: dict[str, Any]
    eval: dict[str, Any]
    start: str | None = None


@dataclass(frozen=True)
class Template:
    key: str
    site: str
    intent_template: str
    instances: Callable[[Seed, random.Random], list[Instance]]
    oracle: Oracle
    #: The start page's path (after the site's placeholder); an instance may override it.
    start: str = "/"
    login: bool = True
    #: Seeded accounts to log in as, per site, instead of the site's default one.
    login_as: dict[str, str] | None = None
    #: The sites of a cross-site template (``site`` is then its suite, ``cross``); the first starts it.
    sites: tuple[str, ...] = ()

    def intent(self, values: dict[str, Any]) -> str:
        return self.intent_template.format(**values)


TEMPLATES: dict[str, Template] = {}


def register(*templates: Template) -> None:
    for t in templates:
        if t.key in TEMPLATES:
            raise RegistrationError(f"Template {t.key!r} is registered twice: give the second another key.")
        TEMPLATES[t.key] = t


# -- evaluation dictionaries, in WebArena's shape ----------------------------------------------------


def answer_eval(**answers: Any) -> dict[str, Any]:
    """``string_match`` on the agent's answer: ``must_include=[...]``, ``exact_match=...`` or
    ``fuzzy_match=...``."""
    return {
        "eval_types": ["string_match"],
        "reference_answers": answers,
        "reference_url": "",
        "program_html": [],
    }


def unachievable_eval(note: str) -> dict[str, Any]:
    return {
        "eval_types": ["string_match"],
        "reference_answers": {"fuzzy_match": "N/A"},
        "reference_url": "",
        "program_html": [],
        "string_note": note,
    }


def url_eval(url: str, note: str = "GOLD in PRED") -> dict[str, Any]:
    return {
        "eval_types": ["url_match"],
        "reference_answers": None,
        "reference_url": url,
        "url_note": note,
        "program_html": [],
    }


def db_eval(
    dataset: str, *checks: tuple[str, Any], html: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """``db_state`` checks (query, expected value), with optional ``program_html`` checks as well."""
    spec: dict[str, Any] = {
        "eval_types": ["db_state"] + (["program_html"] if html else []),
        "reference_answers": None,
        "reference_url": "",
        "program_html": html or [],
        "db_state": [{"dataset": dataset, "query": q, "expected": e} for q, e in checks],
    }
    return spec


def page_text(url: str, text: str, locator: str = "document.body.innerText") -> dict[str, Any]:
    """A ``program_html`` check: the page at ``url`` (``last``: the agent's) shows ``text``."""
    return {"url": url, "locator": locator, "required_contents": {"must_include": [text]}}


def page_value(url: str, locator: str, value: str) -> dict[str, Any]:
    """A ``program_html`` check: ``locator`` on the page at ``url`` gives exactly ``value``."""
    return {"url": url, "locator": locator, "required_contents": {"exact_match": value}}


# -- reading observations and acting, for oracles ---------------------------------------------------


class OracleError(PalaestraError, RuntimeError):
    """An oracle could not find what it looks for on the page."""


def elements(
    obs: Obs, role: str | None = None, name: str | None = None, exact: bool = True
) -> list[dict[str, Any]]:
    found = []
    want = None if name is None else " ".join(name.split()).lower()
    for el in obs["elements"]:
        if role is not None and el["role"] != role:
            continue
        if want is not None:
            have = " ".join(str(el["name"]).split()).lower().removesuffix(" *")  # required fields
            if (have != want) if exact else (want not in have):
                continue
        found.append(el)
    return found


def find(obs: Obs, role: str | None = None, name: str | None = None, exact: bool = True) -> dict[str, Any]:
    found = [el for el in elements(obs, role, name, exact) if el["visible"]] or elements(
        obs, role, name, exact
    )
    if not found:
        raise OracleError(f"No {role or 'element'} named {name!r} on {obs['url']}")
    return found[0]


def click(obs: Obs, role: str | None = None, name: str | None = None, exact: bool = True) -> str:
    return f"click({find(obs, role, name, exact)['id']!r})"


def fill(obs: Obs, name: str, text: str, role: str = "textbox", enter: bool = False) -> str:
    element = find(obs, role, name)
    action = f"fill({element['id']!r}, {text!r})"
    return action + (f"\npress({element['id']!r}, 'Enter')" if enter else "")


def say(text: Any) -> str:
    return f"send_msg_to_user({str(text)!r})"


OFFSCREEN = re.compile(r" offscreen$", re.M)


def tree(obs: Obs) -> str:
    """The page's accessibility tree text as an oracle reads it: without the ``offscreen`` marks
    that end the lines of elements out of view. A person who scrolls reads the same words wherever
    they stand, and the oracles' patterns are about words and their order."""
    return OFFSCREEN.sub("", obs["axtree"])


def read(obs: Obs, pattern: str) -> re.Match[str]:
    """The first match of ``pattern`` in the page's accessibility tree text."""
    match = re.search(pattern, tree(obs))
    if match is None:
        raise OracleError(f"{pattern!r} not found on {obs['url']}")
    return match


def cell_after(obs: Obs, header: str) -> str:
    """The text of the cell that follows the row header ``header`` (a product's details table)."""
    return read(obs, rf"rowheader '{re.escape(header)}'\s*\n\s*\[\w+\] cell '([^']*)'")[1]


def choose(rng: random.Random, rows: list[Any], k: int) -> list[Any]:
    return rng.sample(rows, k=min(k, len(rows)))
