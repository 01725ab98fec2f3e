"""The `palaestra` command: run evaluations, list what exists, read and compare results.

palaestra eval --agent memory --tasks 'click-*' --seeds 0-9 --out runs/mem
palaestra show runs/mem
palaestra report runs/mem
palaestra compare runs/a runs/b
palaestra list tasks 'enter-*'
palaestra memory build --out memories/miniwob --tasks '*' --seeds 0-4
palaestra ui runs/ --memories memories/
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from palaestra.errors import PalaestraError


def _eval_parser(sub: Any) -> None:
    p = sub.add_parser("eval", help="run agents over tasks and seeds (resumable)")
    p.add_argument("--config", metavar="FILE", help="a TOML or YAML run file; flags override it")
    p.add_argument("--agent", action=_AgentAction, dest="agents", help="agent name (repeat for several)")
    p.add_argument(
        "--agent-arg", action=_AgentAction, dest="agents", metavar="K=V", help="for the last --agent"
    )
    p.add_argument("--label", action="append", default=[], help="label of each --agent, in order")
    p.add_argument("--suite", help="task suite (default miniwob)")
    p.add_argument("--tasks", action="append", help="glob over task names (repeat or comma-separate)")
    p.add_argument("--seeds", help="for example 0-9 or 1,3,5")
    p.add_argument("--workers", type=int, help="parallel workers (default: one per core)")
    p.add_argument("--out", help="the run directory (results.sqlite and episode files)")
    p.add_argument("--max-steps", type=int)
    p.add_argument("--episode-timeout", type=float, help="seconds before a hung episode is killed")
    p.add_argument("--step-timeout", type=float)
    p.add_argument("--retries", type=int, help="re-runs of an infrastructure error (default 2)")
    p.add_argument("--backend", choices=("local", "ray"))
    p.add_argument("--ray-address", help="an existing Ray cluster (default: start a local one)")
    p.add_argument("--no-screenshots", action="store_true", help="record no screenshots (faster)")
    p.add_argument("--record-demos", action="store_true", help="write episodes down as exemplars")


class _AgentAction(argparse.Action):
    """`--agent a --agent-arg k=v --agent b`: each --agent-arg belongs to the --agent before it."""

    def __call__(self, parser: Any, namespace: Any, value: Any, option: str | None = None) -> None:
        entries = getattr(namespace, "agents", None) or []
        if option == "--agent":
            entries.append({"name": value, "args": []})
        elif not entries:
            parser.error("--agent-arg must follow the --agent it configures")
        else:
            entries[-1]["args"].append(value)
        namespace.agents = entries


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
    flags = {
        "suite": args.suite, "tasks": tasks or None, "seeds": args.seeds, "workers": args.workers,
        "out": args.out, "max_steps": args.max_steps, "episode_timeout": args.episode_timeout,
        "step_timeout": args.step_timeout, "retries": args.retries, "backend": args.backend,
        "ray_address": args.ray_address, "screenshots": False if args.no_screenshots else None,
        "demos": True if args.record_demos else None,
    }  # fmt: skip
    config = build_run_config(
        load_run_file(args.config) if args.config else None,
        settings_from_env(),
        flags,
        _agents_from_flags(args),
    )
    result = run_eval(config)
    if result.interrupted:
        return 130
    from palaestra.runs.results import format_summary, load_rows, summarize

    print(format_summary(summarize(load_rows(config.settings.out))))
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from palaestra.agents.registry import list_agents
    from palaestra.tasks.registry import list_tasks, suites

    if args.what == "suites":
        for suite in suites():
            print(f"{suite:<12} {len(list_tasks('*', suite))} tasks")
    elif args.what == "agents":
        for name, spec in sorted(list_agents().items()):
            print(f"{name:<10} {spec.description}")
    else:
        for name in list_tasks(args.pattern, args.suite):
            print(name)
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from palaestra.runs.results import format_episode_links, format_summary, load_rows, summarize

    rows = load_rows(args.run)
    print(format_summary(summarize(rows)))
    print(format_episode_links(args.run, rows, every=args.episodes))
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from palaestra.runs.report import write_report

    path = write_report(args.run, args.out)
    print(f"Report written to {path}")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from palaestra.runs.compare import compare_runs, format_comparison

    print(format_comparison(compare_runs(args.runs)))
    return 0


def cmd_memory(args: argparse.Namespace) -> int:
    from palaestra.runs.memory_cli import build_memory, inspect_memory

    if args.action == "build":
        return build_memory(args)
    return inspect_memory(args)


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="palaestra", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _eval_parser(sub)
    p = sub.add_parser("list", help="list suites, tasks (glob filter) or agents")
    p.add_argument("what", choices=("suites", "tasks", "agents"))
    p.add_argument("pattern", nargs="?", default="*", help="glob over task names")
    p.add_argument("--suite")
    p = sub.add_parser("show", help="print a run's summary table")
    p.add_argument("run")
    p.add_argument("--episodes", action="store_true", help="link every episode in the UI, not only failures")
    p = sub.add_parser("report", help="write a run's self-contained HTML report")
    p.add_argument("run")
    p.add_argument("--out", help="where (default: RUN/report/index.html)")
    p = sub.add_parser("compare", help="compare runs per task, with the difference and its noise")
    p.add_argument("runs", nargs="+")
    p = sub.add_parser("memory", help="build or inspect exemplar memories")
    p.add_argument("action", choices=("build", "inspect"))
    p.add_argument("path", help="the memory's directory")
    p.add_argument("--run", action="append", default=[], help="build from a run's recorded episodes")
    p.add_argument("--oracles", metavar="GLOBS", help="build from MiniWoB++ oracles on these tasks")
    p.add_argument("--seeds", default="0-4", help="oracle seeds")
    p.add_argument("--all", action="store_true", help="keep unsuccessful episodes too")
    _ui_parser(sub)
    return parser


def _ui_parser(sub: Any) -> None:
    from palaestra.ui.cli import add_parser

    add_parser(sub)


def cmd_ui(args: argparse.Namespace) -> int:
    from palaestra.ui.cli import cmd_ui as run_ui

    return run_ui(args)


COMMANDS = {
    "eval": cmd_eval, "list": cmd_list, "show": cmd_show, "report": cmd_report,
    "compare": cmd_compare, "memory": cmd_memory, "ui": cmd_ui,
}  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    import palaestra  # noqa: F401  (registers the task suites)

    try:
        return COMMANDS[args.command](args)
    except (PalaestraError, FileNotFoundError) as exc:
        print(f"palaestra {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
