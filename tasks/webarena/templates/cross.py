"""Cross-site templates (WebArena's multi-site tasks): the wiki and the code host in one episode.

The intent names the other site's address (``__WIKI__``, ``__CODE__``, filled when the episode
starts), as WebArena's multi-site intents name the sites; the oracle reads it from the goal.
"""

from __future__ import annotations

import random
import re
from typing import Any

from palaestra.tasks.webarena.templates import code, wiki
from palaestra.tasks.webarena.templates.base import (
    Instance,
    Obs,
    OracleError,
    Plan,
    Seed,
    Template,
    register,
    say,
    unachievable_eval,
    url_eval,
)

SITES = ("wiki", "code")


def address(obs: Obs, site: str) -> str:
    """The base URL the goal gives for ``site`` ("... on the code host (http://...)")."""
    match = re.search(rf"{site} \((https?://[^)\s]+)\)", obs["goal"])
    if match is None:
        raise OracleError(f"the goal names no address for the {site}")
    return match[1]


def _projects(seed: Seed, rng: random.Random, k: int) -> list[tuple[str, str]]:
    rows = [(n, t) for n, t in seed.of("code").rows(code.PUBLIC) if n in ("whoosh-search", "spirit-forum")]
    return [rng.choice(rows) for _ in range(k)]


def review_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    out = []
    for (article, title, *_), (project, ptitle) in zip(
        wiki.articles(seed, rng, 3), _projects(seed, rng, 3), strict=True
    ):
        author = wiki.revisions(seed, article)[0][1]
        ticket = f"Review {title} with {author}"
        query = f"SELECT COUNT(*) FROM ticket WHERE title = '{ticket}' AND type = 'Documentation'"
        out.append(Instance({"title": title, "project": ptitle}, code.repo_eval(project, (query, 1))))
    return out


def review_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from wiki.open_changes(obs, values["title"])
    author = min(wiki.changes(obs), key=lambda c: c[2])[3]
    obs = yield f"goto({address(obs, 'code host') + '/'!r})"
    ticket = {"project": values["project"], "title": f"Review {values['title']} with {author}",
              "type": "Documentation", "severity": "Minor"}  # fmt: skip
    yield from code.file_ticket(ticket, obs)
    yield say("Done.")


def subsystem_search_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    return [Instance({"title": t, "project": pt}, url_eval(f"__WIKI__/_search/?q={sub}"))
            for _, pt, _, t, _, _, sub, *_ in code.draw_tickets(seed.of("code"), rng, 3)]  # fmt: skip


def subsystem_search_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from code.open_report(obs, values["project"])
    subsystem = code.report_row(obs, values["title"])[4]
    obs = yield f"goto({address(obs, 'wiki') + '/'!r})"
    yield from wiki.search(obs, subsystem)
    yield say("Done.")


def missing_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    note = "The wiki has no such article, so there is nothing to quote."
    return [Instance({"title": wiki.MISSING[0], "project": "Whoosh Search"}, unachievable_eval(note))]


def missing_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    yield from wiki.missing_oracle(values, obs)


register(
    Template("cross-review-ticket", "cross",
             'On the wiki (__WIKI__), find who wrote the first version of the article "{title}"; then, on '
             "the code host (__CODE__), file a Documentation ticket in {project} titled "
             '"Review {title} with " followed by that user name.',
             review_instances, review_oracle, sites=SITES),
    Template("cross-subsystem-search", "cross",
             'On the code host (__CODE__), find the subsystem of the ticket "{title}" of {project}; '
             "then search the wiki (__WIKI__) for that subsystem's name.",
             subsystem_search_instances, subsystem_search_oracle, sites=("code", "wiki")),
    Template("cross-missing-quote", "cross",
             'On the wiki (__WIKI__), find the article "{title}"; then, on the code host (__CODE__), file a '
             "ticket in {project} quoting its first sentence.",
             missing_instances, missing_oracle, sites=SITES),
)  # fmt: skip
