"""The `palaestra` command: run evaluations, list what exists, read and compare results.

`palaestra --help` lists the commands with examples, and `palaestra COMMAND --help` each command's
flags with examples of its own (`cli_parser.EXAMPLES`, which a test runs). For instance:

    palaestra memory build memories/miniwob --oracles 'click-*,enter-*' --seeds 0-4
    palaestra eval --agent memory --agent-arg memory=memories/miniwob --tasks 'click-*' --out results/mem
    palaestra show results/mem
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
from collections.abc import Sequence
from typing import Any

from palaestra.cli_parser import make_parser
from palaestra.errors import ConfigError, PalaestraError, UnknownNameError


def _agents_from_flags(args: argparse.Namespace) -> list[Any]:
    from palaestra.runs.spec import agents_from

    entries = list(args.agents or [])
    for entry, label in zip(entries, args.label, strict=False):
        entry["label"] = label
    return agents_from(entries, "--agent") if entries else []


def cmd_eval(args: argparse.Namespace) -> int:
    from palaestra.runs.runner import run_eval
    from palaestra.runs.spec import build_run_config, load_run_file, settings_from_env

    tasks = [t.strip() for group in (args.tasks or []) for t in group.split(",") if t.strip()]
    hosts = _export_webarena_sites(args) if args.site or args.sites_file else {}
    flags = {
        "suite": args.suite, "tasks": tasks or None, "seeds": args.seeds, "workers": args.workers,
        "out": args.out, "max_steps": args.max_steps, "episode_timeout": args.episode_timeout,
        "step_timeout": args.step_timeout, "retries": args.retries, "backend": args.backend,
        "ray_address": args.ray_address, "screenshots": False if args.no_screenshots else None,
        "demos": True if args.record_demos else None,
        "evidence": False if args.no_evidence else None, "budget_tokens": args.budget_tokens,
        "budget_cost": args.budget_cost, "env_server": args.env_server,
        "rerun_errors": True if args.rerun_errors else None, "action_set": args.action_set,
        "trace": args.trace, "repeat_stop": args.repeat_stop, "parse_stop": args.parse_stop,
    }  # fmt: skip
    overrides = _agent_overrides(args)
    config = build_run_config(
        load_run_file(args.config, overrides) if args.config else None,
        settings_from_env(),
        flags,
        _agents_from_flags(args),
        dry_run=args.dry_run,
    )
    left_out: list[str] = []
    if args.exclude_site:
        config, left_out = _exclude_sites(config, args.exclude_site)
    sites = _check_webarena_run(config, hosts)
    if left_out:
        sites.append(f"  left out: {len(left_out)} task(s) that need {', '.join(args.exclude_site)}")
    if args.dry_run:
        from palaestra.runs.runner import describe_plan

        print("\n".join([describe_plan(config), *sites]))
        return 0
    result = run_eval(config, argv=["palaestra", *args.argv])
    if result.interrupted:
        return 128 + result.signal  # as a shell reports a command a signal stopped: 130, 143
    return cmd_show(argparse.Namespace(run=config.settings.out, episodes=False))


def _agent_overrides(args: argparse.Namespace) -> list[Any]:
    """`--override-arg LABEL.KEY=VALUE`s, refused where they would change nothing (`runs.agent_overrides`)."""
    from palaestra.runs.agent_overrides import FLAG, parse_overrides

    overrides = parse_overrides(args.override_arg)
    if overrides and not args.config:
        raise ConfigError(
            f"{FLAG} changes an agent of --config (a run directory or run file), and none is given: "
            "give the argument with --agent-arg after its --agent."
        )
    if overrides and args.agents:
        raise ConfigError(
            f"{FLAG} changes an agent --config holds, but --agent replaces them all: leave --agent out "
            "to keep the recorded agents, or give the argument with --agent-arg after its --agent."
        )
    return overrides


def _export_webarena_sites(args: argparse.Namespace) -> dict[str, str]:
    """The WebArena instances of --site/--sites-file, for the workers (they inherit the variable)."""
    import json
    import os

    from palaestra.tasks.webarena.official import SITES_ENV, hosts_from_env, parse_sites, read_sites_file

    hosts = {**hosts_from_env(), **(read_sites_file(args.sites_file) if args.sites_file else {})}
    hosts.update(parse_sites(args.site))
    os.environ[SITES_ENV] = json.dumps(hosts)
    return hosts


def _exclude_sites(config: Any, sites: list[str]) -> tuple[Any, list[str]]:
    """The run without the tasks that need one of ``sites`` (--exclude-site), and those left out."""
    from dataclasses import replace

    from palaestra.config import ConfigError
    from palaestra.runs.spec import resolve_tasks
    from palaestra.tasks.webarena.preflight import without_sites

    kept, left_out = without_sites(resolve_tasks(config.settings.suite, config.settings.tasks), sites)
    if not kept:
        raise ConfigError(f"Every task of the run needs {', '.join(sites)}: --exclude-site leaves none.")
    return replace(config, settings=replace(config.settings, tasks=tuple(kept))), left_out


def _check_webarena_run(config: Any, flag_hosts: dict[str, str]) -> list[str]:
    """Stop a run over WebArena's tasks that cannot work, before its first episode; else the lines
    saying where each of its sites is served (for --dry-run)."""
    if config.settings.env_server:  # the server's own sites and instances serve the episodes
        return []
    from palaestra.tasks.webarena.official import BENCHMARKS, hosts_from_env
    from palaestra.tasks.webarena.preflight import check_official_run

    tasks = list(dict.fromkeys(episode.task for episode in config.episodes()))  # the run's order
    agents = [agent.name for agent in config.agents]
    official = any(task.split(".", 1)[0] in BENCHMARKS for task in tasks)  # else the variable is unread
    hosts = flag_hosts or (hosts_from_env() if official else {})
    return check_official_run(tasks, agents, hosts, flags=bool(flag_hosts))


def cmd_list(args: argparse.Namespace) -> int:
    from palaestra.agents.registry import list_agents
    from palaestra.tasks.registry import list_tasks, suites, unavailable_suites

    if args.what == "suites":
        for suite in suites():
            print(f"{suite:<18} {len(list_tasks('*', suite))} tasks")
        for suite, reason in sorted(unavailable_suites().items()):
            print(f"{suite:<18} 0 tasks: {reason}")
    elif args.what == "agents":
        agents = sorted(list_agents().items())
        width = max(len(name) for name, _spec in agents)
        for name, spec in agents:
            print(f"{name:<{width}}  {spec.description}")
    else:
        from palaestra.tasks.webarena.listing import format_tasks, format_templates, natural_key, select

        # A short pattern (`enter-*`) matches short names in every suite; `miniwob.enter-*` full ones.
        chosen = [args.suite] if args.suite else suites()
        names = sorted({n for suite in chosen for n in list_tasks(args.pattern, suite)}, key=natural_key)
        if not names and args.pattern in suites():  # `palaestra list tasks desktop`: the suite's tasks
            names = list_tasks("*", args.pattern)
        if not names:
            short = sorted({n.split(".", 1)[1] for suite in chosen for n in list_tasks("*", suite)})
            raise UnknownNameError(
                "task pattern", args.pattern, short, hint="`palaestra list tasks` lists all."
            )
        items = select(names, site=args.site, template=args.template)
        if not items:
            from palaestra.config import ConfigError

            raise ConfigError(
                f"No WebArena-format task matches `{args.pattern}` with site {args.site or 'any'} and "
                f"template {args.template or 'any'}. `palaestra list templates --suite "
                f"{args.suite or 'webarena'}` lists the templates and their sites."
            )
        lines = format_templates(items) if args.what == "templates" else format_tasks(items, args.long)
        print("\n".join(lines))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from palaestra.runs.columns import format_columns
    from palaestra.runs.results import (
        format_episode_links,
        format_errors,
        format_model_retries,
        format_summary,
        load_rows,
        summarize,
    )
    from palaestra.runs.spending import format_spending
    from palaestra.terminal import shown

    if getattr(args, "prompts", None):
        from palaestra.runs.show_prompts import format_prompts

        print(shown(format_prompts(args.run, args.prompts, args.step)))
        return 0
    if getattr(args, "table", None):  # for a paper: intervals, n, and which run and commit made it
        from palaestra.runs.paper_table import format_table

        print(shown(format_table(args.run, args.table)))
        return 0
    rows = load_rows(args.run)
    if getattr(args, "by", None):  # WebArena's way: a line per site (or intent template), not per task
        from palaestra.tasks.webarena.breakdown import format_breakdown

        print(shown(format_breakdown(rows, args.by)))
        print(shown(format_episode_links(args.run, rows, every=args.episodes)))
        return 0
    from palaestra.runs.report_html import is_reference

    reference = {r["agent"] for r in rows if is_reference(r)}
    print(shown(format_summary(summarize(rows), reference)))
    errors = format_errors(rows)
    if errors:
        print(shown(errors))
    spending = format_spending(rows)
    if spending:
        print(shown(spending))
    retried = format_model_retries(rows)
    if retried:
        print(shown(retried))
    columns = format_columns(rows)
    if columns:  # WebArena's suites: the paper's, the corrected and Verified's verdicts
        print(shown(columns))
    print(shown(format_episode_links(args.run, rows, every=args.episodes)))
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from palaestra.runs.report import write_report

    path = write_report(args.run, args.out)
    print(f"Report written to {path}")
    return 0


def cmd_judge(args: argparse.Namespace) -> int:
    from palaestra.runs.judge import format_rejudged, judge_run
    from palaestra.terminal import shown

    tasks = [t.strip() for group in (args.tasks or []) for t in group.split(",") if t.strip()]
    results = judge_run(args.run, mode=args.mode, tasks=tasks, write=args.write)
    if args.json:
        import json

        from palaestra.runs.judge_reasons import as_json

        print(json.dumps(as_json(results, written=args.write), indent=2, default=str))
        return 0
    print(shown(format_rejudged(results, written=args.write)))
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from palaestra.runs.compare import compare_runs, format_comparison
    from palaestra.terminal import shown

    print(shown(format_comparison(compare_runs(args.runs, by_task=args.by_task or None))))
    return 0


def cmd_memory(args: argparse.Namespace) -> int:
    from palaestra.runs.memory_cli import build_memory, export_exemplars, inspect_memory

    if args.action == "build":
        return build_memory(args)
    if args.action == "export":
        return export_exemplars(args)
    return inspect_memory(args)


def cmd_export(args: argparse.Namespace) -> int:
    from palaestra.runs.export_cli import cmd_export as export

    return export(args)


def cmd_sites(args: argparse.Namespace) -> int:
    from palaestra.sites.cli import run

    return run(args)


def cmd_llm(args: argparse.Namespace) -> int:
    from palaestra.agents.llm.embedded.cli import run_llm_command

    return run_llm_command(args)


def cmd_serve(args: argparse.Namespace) -> int:
    from palaestra.server.cli import cmd_serve as serve

    return serve(args)


def cmd_mcp(args: argparse.Namespace) -> int:
    from palaestra.server.cli import cmd_mcp as mcp

    return mcp(args)


def cmd_ui(args: argparse.Namespace) -> int:
    from palaestra.ui.cli import cmd_ui as serve_ui

    return serve_ui(args)


COMMANDS = {
    "eval": cmd_eval, "list": cmd_list, "show": cmd_show, "report": cmd_report, "judge": cmd_judge,
    "compare": cmd_compare, "memory": cmd_memory, "llm": cmd_llm, "serve": cmd_serve, "mcp": cmd_mcp,
    "ui": cmd_ui, "sites": cmd_sites, "export": cmd_export,
}  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    """The `palaestra` command. Ctrl-C before a command's own handling (a run's: exit 130, its
    episodes kept) or in a command that has none (`list`, `show`, a build) exits 130 with one line,
    not a traceback of wherever the interpreter was."""
    try:
        return _run(argv)
    except KeyboardInterrupt:
        print("palaestra: interrupted (Ctrl-C).", file=sys.stderr)
        return 130


def _run(argv: Sequence[str] | None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["routing"]:  # it parses its own flags, so that other commands never import routing
        from palaestra.routing.training.cli import main as routing

        return routing(argv[1:])
    parser = make_parser()
    args = parser.parse_args(argv)
    args.argv = argv  # the command as typed, for the run's reproducibility record
    import palaestra  # noqa: F401  (registers the task suites)
    from palaestra.redaction import redact_logs
    from palaestra.terminal import shown

    redact_logs()
    try:
        return COMMANDS[args.command](args)
    except (PalaestraError, FileNotFoundError) as exc:
        print(f"palaestra {args.command}: {shown(str(exc))}", file=sys.stderr)
        return 2
    except sqlite3.DatabaseError as exc:  # a run's results.sqlite damaged: named, with the way back
        from palaestra.runs.store import damaged_message, is_damaged

        if not is_damaged(exc):
            raise
        runs = getattr(args, "run", None) or getattr(args, "out", None) or getattr(args, "runs", None)
        where = runs if isinstance(runs, str) else "RUN"  # compare's several runs: the message's RUN
        print(f"palaestra {args.command}: {shown(damaged_message(where, exc))}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `palaestra show RUN | head`: the reader has what it wanted, no error
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so that flushing at exit does not raise again
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
