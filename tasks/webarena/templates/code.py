"""The code host's templates (WebArena "gitlab"), as the seeded member the manifest names.

The seed's hub database (``db.sqlite3``: projects, members, tickets) gives the answers; changes are
judged on the episode's own copy of the project's Fossil repository (``db_state`` with ``file``).
Tickets are found the way a person finds them: the project's "All Tickets" report, whose rows show
each ticket's hash link, type, status, subsystem and title.
"""

from __future__ import annotations

import random
import re
from typing import Any

from palaestra.tasks.webarena.templates.base import (
    Instance,
    Obs,
    Plan,
    Seed,
    Step,
    Template,
    answer_eval,
    choose,
    click,
    read,
    register,
    say,
    tree,
    unachievable_eval,
    url_eval,
)

PUBLIC = "SELECT name, title FROM project WHERE public = 1 ORDER BY name"


def _me(seed: Seed) -> str:
    import json

    return str(json.loads((seed.build / "manifest.json").read_text())["accounts"]["code"])


def draw_tickets(seed: Seed, rng: random.Random, k: int, where: str = "1") -> list[tuple[Any, ...]]:
    rows = seed.rows(
        "SELECT t.project, p.title, t.uuid, t.title, t.type, t.status, t.subsystem, t.severity, t.reporter"
        f" FROM ticket t JOIN project p ON p.name = t.project WHERE p.public = 1 AND {where}"
        " AND (SELECT COUNT(*) FROM ticket o WHERE o.project = t.project AND o.title = t.title) = 1"
        " ORDER BY t.project, t.uuid"
    )
    return choose(rng, rows, k)


def open_project(obs: Obs, title: str) -> Step:
    """From the list of projects, open a project's home page."""
    obs = yield click(obs, "link", title)
    return obs


def open_report(obs: Obs, title: str) -> Step:
    obs = yield from open_project(obs, title)
    obs = yield click(obs, "link", "Tickets")
    obs = yield click(obs, "link", "All Tickets")
    return obs


def report_row(obs: Obs, title: str) -> list[str]:
    """The cells of the report's row of the ticket ``title``: hash, mtime, type, status, subsystem."""
    cells = r"\s*\[\w+\] cell '([^']*)'\n"
    pattern = (
        r"cell '([0-9a-f]{10})'\n\s*\[\w+\] link '[0-9a-f]{10}'[^\n]*\n"
        + cells * 4
        + rf"\s*\[\w+\] cell '{re.escape(title)}'"
    )
    return list(read(obs, pattern).groups())


# -- information ------------------------------------------------------------------------------------


def status_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    return [Instance({"title": t, "project": pt}, answer_eval(exact_match=s))
            for _, pt, _, t, _, s, *_ in draw_tickets(seed, rng, 4)]  # fmt: skip


def status_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from open_report(obs, values["project"])
    yield say(report_row(obs, values["title"])[3])


def subsystem_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    return [Instance({"title": t, "project": pt}, answer_eval(exact_match=sub))
            for _, pt, _, t, _, _, sub, *_ in draw_tickets(seed, rng, 4)]  # fmt: skip


def subsystem_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from open_report(obs, values["project"])
    yield say(report_row(obs, values["title"])[4])


def severity_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    return [Instance({"title": t, "project": pt}, answer_eval(exact_match=sev))
            for _, pt, _, t, _, _, _, sev, _ in draw_tickets(seed, rng, 3)]  # fmt: skip


def open_ticket(obs: Obs, values: dict[str, Any]) -> Step:
    obs = yield from open_report(obs, values["project"])
    obs = yield click(obs, "link", report_row(obs, values["title"])[0])
    return obs


def severity_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from open_ticket(obs, values)
    yield say(read(obs, r"cell 'Severity:'\n\s*\[\w+\] cell '([^']*)'")[1])


def reporter_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    return [Instance({"title": t, "project": pt}, answer_eval(exact_match=r))
            for _, pt, _, t, *_, r in draw_tickets(seed, rng, 4)]  # fmt: skip


def reporter_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from open_ticket(obs, values)
    yield say(read(obs, r"StaticText '([\w.]+) added on \d{4}-")[1])


def count_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    out = []
    for name, title in choose(rng, seed.rows(PUBLIC), 4):
        status = rng.choice(["Open", "Closed", "Fixed"])
        n = seed.value("SELECT COUNT(*) FROM ticket WHERE project = ? AND status = ?", name, status)
        out.append(Instance({"project": title, "status": status}, answer_eval(must_include=[str(n)])))
    return out


def count_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from open_report(obs, values["project"])
    row = r"cell '[0-9a-f]{10}'\n(?:.*\n){2}\s*\[\w+\] cell '[^']*'\n\s*\[\w+\] cell '([^']*)'"
    statuses = re.findall(row,
                          tree(obs))  # fmt: skip
    yield say(sum(s == values["status"] for s in statuses))


def branch_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    from palaestra.sites.data.code_words import PROJECTS

    rows = [(p.title, f"experimental/{p.subsystems[0]}") for p in PROJECTS if p.public]
    return [Instance({"project": t}, answer_eval(must_include=[b])) for t, b in choose(rng, rows, 4)]


def branch_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from open_project(obs, values["project"])
    obs = yield click(obs, "link", "Branches")
    merged = set(re.findall(r"cell 'merged into [^']*'\n\s*\[\w+\] link '([^']+)'", tree(obs)))
    names = re.findall(r"row\n\s*\[\w+\] cell '([^']+)'\n\s*\[\w+\] link", tree(obs))
    row = r"cell '([^']+)'\n\s*\[\w+\] link '[^']+'[^\n]*\n(?:.*\n){4}\s*\[\w+\] cell( 'merged into)?"
    rows = re.findall(row, tree(obs))
    unmerged = [n for n, m in rows if not m and n != "trunk"] or [n for n in names if n not in merged]
    yield say(unmerged[0])


def tags_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    rows = seed.rows(PUBLIC)
    return [Instance({"project": t}, answer_eval(must_include=["v0.1", "v0.2", "v1.0"]))
            for _, t in choose(rng, rows, 3)]  # fmt: skip


def tags_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from open_project(obs, values["project"])
    obs = yield click(obs, "link", "Tags")
    yield say(", ".join(re.findall(r"link '(v[\d.]+)'", tree(obs))))


def missing_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    out = []
    for title, project in [("Index corruption on Windows network drives", "Whoosh Search"),
                           ("Spirit emails are sent twice", "Spirit Forum")]:  # fmt: skip
        assert not seed.value("SELECT COUNT(*) FROM ticket WHERE title = ?", title)
        out.append(
            Instance({"title": title, "project": project}, unachievable_eval("No ticket has this title."))
        )
    return out


def missing_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from open_report(obs, values["project"])
    if values["title"] in tree(obs):
        raise RuntimeError("the ticket should not exist")
    yield f"report_infeasible({'There is no ticket titled ' + values['title']!r})"


# -- navigation ------------------------------------------------------------------------------------


def nav_ticket_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    return [Instance({"title": t, "project": pt}, url_eval(f"__CODE__/{p}/tktview/{u[:10]}"))
            for p, pt, u, t, *_ in draw_tickets(seed, rng, 3)]  # fmt: skip


def nav_ticket_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    yield from open_ticket(obs, values)
    yield say("Done.")


def nav_branches_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    return [
        Instance({"project": t}, url_eval(f"__CODE__/{n}/brlist"))
        for n, t in choose(rng, seed.rows(PUBLIC), 3)
    ]


def nav_branches_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from open_project(obs, values["project"])
    yield click(obs, "link", "Branches")
    yield say("Done.")


# -- changes ---------------------------------------------------------------------------------------


def repo_eval(project: str, *checks: tuple[str, Any]) -> dict[str, Any]:
    return {
        "eval_types": ["db_state"], "reference_answers": None, "reference_url": "", "program_html": [],
        "db_state": [{"dataset": "code", "file": f"repos/{project}.fossil", "query": q, "expected": e}
                     for q, e in checks],
    }  # fmt: skip


NEW_TICKETS = [
    ("whoosh-search", "Whoosh Search", "Highlighter drops the last fragment", "Code_Defect", "Severe"),
    ("whoosh-search", "Whoosh Search", "Document the BM25F parameters", "Documentation", "Minor"),
    ("spirit-forum", "Spirit Forum", "Allow pinning a comment", "Feature_Request", "Important"),
]


def new_ticket_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    out = []
    for project, ptitle, title, kind, severity in NEW_TICKETS:
        query = (f"SELECT COUNT(*) FROM ticket WHERE title = '{title}' AND type = '{kind}'"
                 f" AND severity = '{severity}' AND status = 'Open'")  # fmt: skip
        values = {"project": ptitle, "title": title, "type": kind, "severity": severity}
        out.append(Instance(values, repo_eval(project, (query, 1))))
    return out


def new_ticket_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    yield from file_ticket(values, obs)
    yield say("Done.")


def file_ticket(values: dict[str, Any], obs: Obs) -> Step:
    """From the list of projects, file a ticket (``title``, ``type``, ``severity``) in ``project``."""
    obs = yield from open_project(obs, values["project"])
    obs = yield click(obs, "link", "Tickets")
    obs = yield click(obs, "link", "New Ticket")
    boxes = [e for e in obs["elements"] if e["role"] == "textbox"]
    combos = [e for e in obs["elements"] if e["role"] == "combobox"]
    obs = yield (f"fill({boxes[0]['id']!r}, {values['title']!r})\n"
                 f"select_option({combos[0]['id']!r}, {values['type']!r})\n"
                 f"select_option({combos[1]['id']!r}, {values['severity']!r})\n"
                 f"fill({boxes[-1]['id']!r}, 'Reported from the web interface.')")  # fmt: skip
    obs = yield click(obs, "button", "Preview")
    obs = yield click(obs, "button", "Submit")
    return obs


def close_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    out = []
    for project, ptitle, uuid, title, *_ in draw_tickets(
        seed, rng, 3, "t.status = 'Open' AND t.project = 'whoosh-search'"
    ):
        query = (
            f"SELECT COUNT(*) FROM ticket WHERE tkt_uuid = '{uuid}' AND status = 'Closed'"
            " AND resolution = 'Fixed'"
        )
        out.append(Instance({"project": ptitle, "title": title}, repo_eval(project, (query, 1))))
    return out


def close_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from open_ticket(obs, values)
    obs = yield click(obs, "link", "Edit")
    combos = [e for e in obs["elements"] if e["role"] == "combobox"]
    status = next(c for c in combos if c["value"] in ("Open", "Verified", "Review", "Deferred"))
    obs = yield f"select_option({status['id']!r}, 'Closed')"
    resolution = [c for c in obs["elements"] if c["role"] == "combobox" and c["value"] == "Open"]
    obs = yield f"select_option({resolution[0]['id']!r}, 'Fixed')"
    obs = yield click(obs, "button", "Preview")
    obs = yield click(obs, "button", "Submit")
    yield say("Done.")


register(
    Template("ticket-status", "code", 'What is the status of the ticket "{title}" in {project}?',
             status_instances, status_oracle),
    Template("ticket-subsystem", "code", 'Which subsystem is the ticket "{title}" of {project} filed under?',
             subsystem_instances, subsystem_oracle),
    Template("ticket-severity", "code", 'What severity does the ticket "{title}" of {project} have?',
             severity_instances, severity_oracle),
    Template("ticket-reporter", "code", 'Who reported the ticket "{title}" in {project}? Give the user name.',
             reporter_instances, reporter_oracle),
    Template("ticket-count", "code", 'How many tickets of {project} have the status "{status}"?',
             count_instances, count_oracle),
    Template("unmerged-branch", "code", "Which branch of {project} has not been merged into trunk?",
             branch_instances, branch_oracle),
    Template("release-tags", "code", "Which release tags does {project} have?", tags_instances, tags_oracle),
    Template("ticket-missing", "code", 'What is the status of the ticket "{title}" in {project}?',
             missing_instances, missing_oracle),
    Template("nav-ticket", "code", 'Open the ticket "{title}" of {project}.', nav_ticket_instances,
             nav_ticket_oracle),
    Template("nav-branches", "code", "Show me the branches of {project}.", nav_branches_instances,
             nav_branches_oracle),
    Template("new-ticket", "code",
             'File a {type} ticket in {project} titled "{title}" with severity {severity}.',
             new_ticket_instances, new_ticket_oracle),
    Template("close-ticket", "code", 'Close the ticket "{title}" of {project} as fixed.', close_instances,
             close_oracle),
)  # fmt: skip
