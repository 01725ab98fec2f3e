"""`palaestra export`'s flags and command, kept light: building the `palaestra` parser imports
this module, and the export itself (`runs.export`) is imported only when the command runs."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from palaestra.config import ConfigError

#: The row formats (`runs.export_rows` says what each holds).
FORMATS = ("messages", "prompt-completion", "steps")


def add_parser(sub: Any, epilog: str) -> None:
    """`palaestra export`'s flags (here, beside the command, as `ui` and `sites` keep theirs)."""
    what = "write training data (JSON lines) from runs and recorded trajectories"
    p = sub.add_parser("export", help=what, epilog=epilog, description=what + ".")
    what = "runs (the --out of `palaestra eval`) or folders of trajectories (serve --trajectories, the UI's)"
    p.add_argument("paths", nargs="+", metavar="RUN_OR_TRAJECTORIES", help=what)
    p.add_argument("--out", required=True, metavar="FILE", help="the JSON lines file to write")
    what = (
        "messages (default: TRL's conversational rows, one per model call), prompt-completion (TRL's "
        "prompt/completion rows) or steps (goal, observation, action, reward: offline RL)"
    )
    p.add_argument("--format", default="messages", choices=FORMATS, help=what)
    p.add_argument("--success-only", action="store_true", help="only episodes whose verdict is a success")
    p.add_argument(
        "--tasks", action="append", metavar="GLOBS", help="only these tasks (globs, short or full names)"
    )
    p.add_argument("--agents", action="append", metavar="GLOBS", help="only these agents (labels or names)")
    p.add_argument("--min-reward", type=float, metavar="R", help="only episodes whose reward is R or more")
    p.add_argument("--max-steps", type=int, metavar="N", help="leave out episodes of more than N steps")
    what = "leave out steps whose action failed and changed nothing (as `memory build` does)"
    p.add_argument("--drop-failed-actions", action="store_true", help=what)
    what = "write demonstrations (agents that ask no model) as this agent's prompts and answers"
    p.add_argument("--as-agent", choices=("generic", "synapse"), help=what)
    what = "a setting of --as-agent's agent, as --agent-arg takes it (observation=text, memory=DIR); repeat"
    p.add_argument("--as-agent-arg", action="append", default=[], metavar="K=V", help=what)
    what = (
        "write calls that sent images as text rows (their images counted in images_dropped), not as "
        "vision-language rows with the images copied beside --out; with --format steps, leave out "
        "each step's screenshot"
    )
    p.add_argument("--no-images", action="store_true", help=what)
    p.add_argument("--force", action="store_true", help="replace --out (and its images' folder) if it exists")


def cmd_export(args: argparse.Namespace) -> int:
    """The command: export, then print what was read, kept, dropped and written."""
    from palaestra.runs.export import ExportOptions, export
    from palaestra.runs.export_source import EpisodeFilter, parse_globs

    agent_args = {}
    for item in args.as_agent_arg:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ConfigError(f"--as-agent-arg `{item}`: write it as KEY=VALUE (observation=text).")
        agent_args[key.strip()] = value
    if agent_args and not args.as_agent:
        raise ConfigError("--as-agent-arg configures --as-agent's agent: name one (--as-agent generic).")
    options = ExportOptions(
        fmt=args.format, drop_failed_actions=args.drop_failed_actions, as_agent=args.as_agent or "",
        as_agent_args=agent_args, force=args.force, images=not args.no_images,
        episodes=EpisodeFilter(
            success_only=args.success_only, tasks=parse_globs(args.tasks), agents=parse_globs(args.agents),
            min_reward=args.min_reward, max_steps=args.max_steps,
        ),
    )  # fmt: skip
    tally = export(args.paths, args.out, options)
    print(tally.summary(Path(args.out), args.format))
    return 0
