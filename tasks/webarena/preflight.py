"""Checks of a run over WebArena's official tasks, made before its first episode.

Without them a run on a ``map`` task with no ``--site map=...`` failed each episode's reset three
times (as an infrastructure error, retried), a run of the ``oracle`` agent on official tasks (which
have no scripted solution) errored in every episode, and ``--site`` on a suite that never reads it
was silently ignored. Each now stops the run with the fix (exit status 2), ``--dry-run`` included,
and a dry run says where every site of the run's tasks will be served.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from palaestra.errors import SiteError
from palaestra.tasks.webarena.official import BENCHMARKS, WEBARENA_SITES, benchmark_configs

#: Agents that cannot play WebArena's official tasks, and why.
NO_OFFICIAL = {
    "oracle": "WebArena publishes no scripted solutions, so its tasks have no oracle; Palaestra's own "
    "site suites have one per task (palaestra eval --agent oracle --suite shop)",
}


def without_sites(tasks: Iterable[str], sites: Iterable[str]) -> tuple[list[str], list[str]]:
    """``tasks`` split into those that need none of ``sites`` (WebArena's names or the stand-ins')
    and those left out (``--exclude-site map``: the whole suite but the tasks of a site you lack)."""
    from palaestra.tasks.webarena.listing import site_names, task_facts

    unwanted = {name for site in sites for name in site_names(site)}
    kept: list[str] = []
    left_out: list[str] = []
    for task in tasks:
        facts = task_facts(task)
        (left_out if facts is not None and unwanted & set(facts.sites) else kept).append(task)
    return kept, left_out


def _official(tasks: Iterable[str]) -> list[tuple[str, str]]:
    """(benchmark, id) of the official tasks among ``tasks``."""
    pairs = (task.partition(".") for task in tasks)
    return [(suite, short) for suite, _, short in pairs if suite in BENCHMARKS]


def check_official_run(
    tasks: Iterable[str], agents: Iterable[str], hosts: Mapping[str, str], flags: bool = False
) -> list[str]:
    """Raise ``SiteError`` with the fix when the run cannot work; else say where each site runs.
    ``hosts`` are the user's instances; ``flags``: they were given by --site/--sites-file (not only
    by ``PALAESTRA_WEBARENA_SITES``, which may stay set for runs of any suite)."""
    official = _official(tasks)
    if flags and not official:
        raise SiteError(
            "--site/--sites-file name WebArena instances for WebArena-format suites (--suite webarena, "
            "webarena-verified, webarena-lite or webarena-json); these tasks run on Palaestra's sites "
            "only. Drop --site, or choose one of those suites."
        )
    if not official:
        return []
    for agent in agents:
        if agent in NO_OFFICIAL:
            raise SiteError(
                f"--agent {agent} cannot play {official[0][0]}.{official[0][1]}: {NO_OFFICIAL[agent]}."
            )
    needed: dict[str, list[str]] = {}
    for benchmark, task_id in official:
        for site in benchmark_configs(benchmark)[task_id].sites:
            needed.setdefault(site, []).append(f"{benchmark}.{task_id}")
    missing = {s: t for s, t in needed.items() if s not in hosts and WEBARENA_SITES.get(s) is None}
    if missing:
        site, names = next(iter(sorted(missing.items())))
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        raise SiteError(
            f"{len(names)} task(s) need WebArena's {site} site ({shown}), which Palaestra does not stand "
            f"in for. Give your instance (--site {site}=http://HOST:PORT), or leave those tasks out with "
            f"--exclude-site {site} (see `palaestra list tasks --suite {official[0][0]} --site {site}`)."
        )
    return [
        f"  {site}: {hosts[site] + ' (yours)' if site in hosts else 'stand-in ' + str(WEBARENA_SITES[site])}"
        f" for {len(names)} task(s)"
        for site, names in sorted(needed.items())
    ]
