"""What `palaestra list` shows of WebArena-format tasks: their sites and intent templates.

WebArena's users find tasks by site ("the 180 gitlab tasks") and by intent template ("the instances
of template 300"), so the listing filters and groups by both, over WebArena's official suites
(sites named as WebArena names them: ``gitlab``) and Palaestra's own site suites (``code``). A site
may be given by either name: ``gitlab`` also finds the ``code`` suite's tasks, which stand in for it.
Listing reads the task files only (no browser, no site).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from palaestra.errors import UnknownNameError
from palaestra.tasks.registry import natural_key
from palaestra.tasks.webarena import SITE_SUITES, suite_configs
from palaestra.tasks.webarena.config import TaskConfig
from palaestra.tasks.webarena.official import BENCHMARKS, WEBARENA_SITES, benchmark_configs

#: Palaestra's site -> the WebArena site it stands in for (``code`` -> ``gitlab``).
STANDS_IN_FOR = {ours: theirs for theirs, ours in WEBARENA_SITES.items() if ours}


@dataclass(frozen=True)
class TaskFacts:
    name: str
    sites: tuple[str, ...]
    #: The intent template's key: WebArena's ``intent_template_id``; the template's name on our suites.
    template: str
    intent_template: str
    intent: str


def task_facts(name: str) -> TaskFacts | None:
    """The sites and template of a WebArena-format task (``webarena.44``, ``code.nav-ticket-0``);
    None for a task of another kind (MiniWoB++, desktop)."""
    suite, _, short = name.partition(".")
    config: TaskConfig | None = None
    if suite in BENCHMARKS:
        config = benchmark_configs(suite).get(short)
    elif suite in SITE_SUITES:
        config = suite_configs(suite).get(short)
    if config is None:
        return None
    template = str(config.extra.get("template") or config.intent_template_id)
    return TaskFacts(name, config.sites, template, config.intent_template, config.intent)


def site_names(site: str) -> set[str]:
    """The names a site goes by: WebArena's and the stand-in's (``reddit`` -> {reddit, forum})."""
    known = {*WEBARENA_SITES, *STANDS_IN_FOR}
    if site not in known:
        raise UnknownNameError("site", site, known, hint=_site_hint())
    return {site, WEBARENA_SITES.get(site) or site, STANDS_IN_FOR.get(site, site)}


def _site_hint() -> str:
    pairs = ", ".join(f"{theirs} ({ours})" for theirs, ours in WEBARENA_SITES.items() if ours)
    return f"Sites, by WebArena's name (and Palaestra's stand-in): {pairs}, homepage (none)."


def select(
    names: Iterable[str], site: str | None = None, template: str | None = None
) -> list[TaskFacts | str]:
    """``names`` kept by the filters; each as its facts, or as its name when it has none (then no
    filter may be given: a MiniWoB++ task has no site or template)."""
    wanted = site_names(site) if site else None
    out: list[TaskFacts | str] = []
    for name in names:
        facts = task_facts(name)
        if facts is None:
            if wanted is None and template is None:
                out.append(name)
            continue
        if wanted is not None and not wanted & set(facts.sites):
            continue
        if template is not None and template != facts.template:
            continue
        out.append(facts)
    return out


def format_tasks(items: list[TaskFacts | str], long: bool) -> list[str]:
    """One line per task: its name, or with ``long`` its sites, template and intent."""
    if not long:
        return [item if isinstance(item, str) else item.name for item in items]
    width = max((len(i if isinstance(i, str) else i.name) for i in items), default=0)
    lines = []
    for item in items:
        if isinstance(item, str):
            lines.append(item)
            continue
        sites = ",".join(item.sites)
        lines.append(f"{item.name:<{width}}  {sites:<22} {item.template:<22} {item.intent}")
    return lines


def format_templates(items: list[TaskFacts | str]) -> list[str]:
    """One line per intent template: suite, template, how many tasks, sites and the template text."""
    groups: dict[tuple[str, str], list[TaskFacts]] = {}
    for item in items:
        if isinstance(item, TaskFacts):
            groups.setdefault((item.name.split(".", 1)[0], item.template), []).append(item)
    lines = []
    for (suite, template), tasks in sorted(groups.items(), key=lambda kv: natural_key(" ".join(kv[0]))):
        sites = ",".join(sorted({s for t in tasks for s in t.sites}))
        text = tasks[0].intent_template or tasks[0].intent
        lines.append(f"{suite:<18} {template:<22} {len(tasks):>3}  {sites:<22} {text}")
    return lines
