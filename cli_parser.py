"""The `palaestra` command line: every flag with its help, examples in `--help`, did-you-mean errors.

The examples printed by `palaestra --help` and `palaestra COMMAND --help` are the ones in `EXAMPLES`,
and a test runs each of them (`tests/test_cli_examples.py`), so they stay true.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import re
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from palaestra.errors import did_you_mean
from palaestra.runs.spec import RunSettings

#: Per command, examples that work as written (a memory or run they read is made by one before).
EXAMPLES: dict[str, list[str]] = {
    "eval": [
        "palaestra eval --agent oracle --tasks click-test,enter-text --seeds 0-2 --out results/oracle",
        "palaestra eval --agent memory --agent-arg memory=memories/miniwob --agent random "
        "--tasks 'click-*' --seeds 0-9 --workers 2 --out results/mem",
        "palaestra eval --agent synapse --agent-arg model=gpt-4o-mini --budget-tokens 200000 "
        "--tasks enter-text --seeds 0-4 --out results/synapse",
        "palaestra eval --agent generic --agent-arg model=gpt-4o --agent-arg vision=som "
        "--tasks 'click-*' --seeds 0-4 --out results/generic",
        "palaestra eval --config run.toml --dry-run",
        "palaestra eval --agent synapse --suite webarena --tasks 44,45 --site gitlab=http://localhost:8023 "
        "--out results/wa "
        "--dry-run",
    ],
    "list": [
        "palaestra list tasks 'enter-*'",
        "palaestra list suites",
        "palaestra list agents",
        "palaestra list tasks --suite webarena --site gitlab --long",
        "palaestra list templates --suite webarena --site reddit",
        "palaestra list tasks --suite webarena --template 300",
    ],
    "show": [
        "palaestra show results/mem",
        "palaestra show results/mem --by site",
        "palaestra show results/mem --prompts memory/click-test:0",
        "palaestra show results/mem --table latex",
    ],
    "report": ["palaestra report results/mem", "palaestra report results/mem --out mem.html"],
    "export": [
        "palaestra export results/llm --out train.jsonl",
        "palaestra export results/llm --success-only --format prompt-completion --out sft.jsonl",
        "palaestra export results/mem --format steps --drop-failed-actions --out steps.jsonl",
        "palaestra export results/mem --agents memory --as-agent generic --out demos.jsonl",
    ],
    "judge": [
        "palaestra judge results/mem",
        "palaestra judge results/mem --mode paper --tasks 'click-*'",
        "palaestra judge results/mem --write",
    ],
    "compare": [
        "palaestra compare results/a results/b",
        "palaestra compare --by-task results/a results/b",
        "palaestra compare results/mem",
    ],
    "memory": [
        "palaestra memory build memories/miniwob --oracles '*' --seeds 0-4",
        "palaestra memory build memories/m --run results/mem",
        "palaestra memory build memories/m --exemplars exemplars.jsonl",
        "palaestra memory inspect memories/miniwob",
        "palaestra memory export memories/miniwob --out exemplars.jsonl",
    ],
    "llm": [
        "palaestra llm prepare",
        "palaestra llm info",
        "palaestra llm serve --port 8765",
    ],
    "routing": [
        "palaestra routing train-judge --download --out .cache/bench/judge",
        "palaestra routing train-judge --folds 3 --models 3 --out .cache/bench/judge-cv",
        "palaestra routing train-judge --policy-from .cache/bench/judge-cv --out .cache/bench/judge-full",
        "palaestra routing tune --download --data all",
    ],
    "ui": [
        "palaestra ui results --memories memories",
        "palaestra ui results/mem results/a --port 8771",
        "palaestra ui results --host 0.0.0.0 --token s3cret",
    ],
    "sites": [
        "palaestra sites list",
        "palaestra sites build shop forum",
        "palaestra sites serve shop forum",
        "palaestra sites serve shop --port 8000",
    ],
}
#: The first example of each command, in `palaestra --help`.
OVERVIEW = [
    "palaestra memory build memories/miniwob --oracles 'click-*,enter-*' --seeds 0-4",
    "palaestra eval --agent memory --agent-arg memory=memories/miniwob --tasks 'click-*' --seeds 0-9 "
    "--out results/mem",
    "palaestra show results/mem",
    "palaestra report results/mem",
    "palaestra compare results/a results/b",
    "palaestra list tasks 'enter-*'",
]


def epilog(lines: Sequence[str]) -> str:
    return "examples:\n" + "\n".join(f"  {line}" for line in lines)


class SuggestingParser(argparse.ArgumentParser):
    """An `ArgumentParser` whose errors suggest the closest command, flag or choice, and whose
    subcommands print their help with examples as written."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(*args, **kwargs)
        self._argv: list[str] = []

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
        self._argv = [str(a) for a in args] if args is not None else []
        return super().parse_known_args(args, namespace)

    def error(self, message: str) -> NoReturn:
        suggestion = self._suggestion(message)
        sub = self._named_subcommand() if "unrecognized arguments" in message else None
        if sub is not None:  # argparse reports a subcommand's stray flag at the top: show its usage
            sub.print_usage(sys.stderr)
            sub.exit(2, f"{sub.prog}: error: {message}.{suggestion}\n")
        super().error(message + suggestion)

    def _named_subcommand(self) -> argparse.ArgumentParser | None:
        """The subcommand's parser named in the arguments (`eval` of `palaestra eval --wokers 2`)."""
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction):
                named = next((a for a in self._argv if a in action.choices), None)
                if named is not None:
                    return action.choices[named]
        return None

    def _suggestion(self, message: str) -> str:
        choice = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
        if choice:  # `palaestra --workers 2`: the flag's value taken for the command
            commands = re.findall(r"'([^']*)'", choice.group(2))
            return did_you_mean(choice.group(1), commands) or self._stray_flag_hint()
        if "required: COMMAND" in message:  # `palaestra --wat`: a flag and no command
            return self._stray_flag_hint()
        unknown = re.search(r"unrecognized arguments: (.*)", message)
        if not unknown:
            return ""
        known = self._option_strings()
        hints = []
        for token in unknown.group(1).split():
            flag = token.split("=", 1)[0]
            hint = did_you_mean(flag, known) if flag.startswith("-") else ""
            if hint:
                hints.append(f" Instead of `{flag}`,{hint.replace(' Did you mean:', ' did you mean:')}")
        return "".join(hints)

    def _stray_flag_hint(self) -> str:
        """Said of a flag given before any command, which argparse reports as a missing command."""
        if not any(isinstance(a, argparse._SubParsersAction) for a in self._actions):
            return ""  # a command's own parser: its flags are its own
        own = {s for a in self._actions for s in a.option_strings}
        stray = [a for a in self._argv if a.startswith("-") and a.split("=", 1)[0] not in own]
        if not stray:
            return ""
        return (
            f". `{stray[0]}` is not a flag of `palaestra` itself: flags follow their command "
            f"(`palaestra eval {stray[0]} ...`)"
        )

    def _option_strings(self) -> list[str]:
        """This parser's flags and those of the subcommand named in the arguments, if any."""
        sub = self._named_subcommand()
        parsers: list[argparse.ArgumentParser] = [self] if sub is None else [self, sub]
        return [s for p in parsers for a in p._actions for s in a.option_strings]


class AgentAction(argparse.Action):
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


def _eval_parser(sub: Any) -> None:
    p = sub.add_parser(
        "eval", help="run agents over tasks and seeds (resumable)", epilog=epilog(EXAMPLES["eval"]),
        description="Run every (agent, task, seed) episode into a run directory. Running the same "
        "command again resumes: finished episodes are kept, infrastructure errors are retried.",
    )  # fmt: skip
    a = p.add_argument
    what = (
        "a TOML or YAML run file, or a run directory to run again as it was recorded (its agents, tasks, "
        "seeds and settings; give a new --out); flags and PALAESTRA_* variables override it"
    )
    a("--config", metavar="FILE|RUN", help=what)
    agent_help = "an agent (`palaestra list agents`) or package.module:Class; repeat for several"
    a("--agent", action=AgentAction, dest="agents", metavar="NAME", help=agent_help)
    arg_help = "an argument of the --agent before it, e.g. memory=DIR or model=NAME; repeat for several"
    a("--agent-arg", action=AgentAction, dest="agents", metavar="K=V", help=arg_help)
    a("--label", action="append", default=[], help="the name of each --agent in results, in order")
    what = (
        "with --config: set one argument of one of its agents, named by its label in that run "
        "(as `palaestra show` lists it), e.g. generic.model=gpt-4o; repeat for several"
    )
    a("--override-arg", action="append", default=[], metavar="LABEL.KEY=VALUE", help=what)
    d = RunSettings()  # the defaults the help states are the ones a run uses
    a("--suite", help=f"the task suite of short task names (default: {d.suite})")
    a("--tasks", action="append", metavar="GLOBS", help="task names or globs; repeat or comma-separate")
    what = f"seeds, e.g. 0-9 or 1,3,5 (default: {d.seeds}; 0 on the site and WebArena suites: no seed there)"
    a("--seeds", help=what)
    a("--workers", type=int, help="parallel workers, each with its browser or desktop (default: 1 per core)")
    what = "the run directory: results.sqlite, episode files, the report (a --dry-run needs none)"
    a("--out", metavar="DIR", help=what)
    a(
        "--max-steps",
        type=int,
        metavar="N",
        help=f"steps before an episode ends as step_limit (default: {d.max_steps})",
    )
    what = f"seconds before a hung episode's worker is killed (default: {d.episode_timeout:g})"
    a("--episode-timeout", type=float, metavar="S", help=what)
    what = f"seconds a page may take to settle (a desktop: a step) (default: {d.step_timeout:g})"
    a("--step-timeout", type=float, metavar="S", help=what)
    a("--retries", type=int, metavar="N", help=f"re-runs of an infrastructure error (default: {d.retries})")
    what = (
        "end an episode after the same action N times in a row (typing: N times in it), judged as it stands, "
    )
    what += "as WebArena's run.py does with 3 (default: off)"
    a("--repeat-stop", type=int, metavar="N", help=what)
    what = "end an episode after N answers in a row that do not parse, as WebArena's run.py does with 3 "
    what += "(default: off)"
    a("--parse-stop", type=int, metavar="N", help=what)
    a("--backend", choices=("local", "ray"), help="local worker processes (default), or Ray actors")
    a("--ray-address", metavar="ADDR", help="the Ray cluster to run on (default: a local one on loopback)")
    a("--no-screenshots", action="store_true", help="record no screenshots (faster, smaller)")
    a("--record-demos", action="store_true", help="write episodes down for `palaestra memory build --run`")
    what = "a Playwright trace of each browser episode (trace.zip in its folder, opened with `python -m "
    what += "playwright show-trace`): off (default), on, or failures (kept for episodes that did not succeed)"
    a("--trace", metavar="off|on|failures", help=what)
    what = "keep no evidence of site episodes (answer, final URL, databases) for `palaestra judge`"
    a("--no-evidence", action="store_true", help=what)
    what = "run every errored episode again, also those resuming keeps (an agent's bug, a rejected request)"
    a("--rerun-errors", action="store_true", help=what)
    a("--budget-tokens", type=int, metavar="N", help="LLM tokens the whole run may spend, over all workers")
    a("--budget-cost", type=float, metavar="X", help="LLM cost the whole run may spend, over all workers")
    what = "check the configuration and say what would run, tasks in the order a run takes them; run nothing"
    a("--dry-run", action="store_true", help=what)
    what = "the actions agents write: pyautogui or computer_13 (OSWorld's JSON) on a desktop suite, web or "
    what += "miniwob in a browser (default: the task's own)"
    a("--action-set", metavar="NAME", help=what)
    what = "play in environments served by `palaestra serve` at URL (token: $PALAESTRA_SERVER_TOKEN)"
    a("--env-server", metavar="URL", help=what)
    what = "a WebArena site you host, for the webarena suites (e.g. shopping=http://host:7770); repeat"
    a("--site", action="append", default=[], metavar="NAME=URL", help=what)
    a("--sites-file", metavar="FILE", help="a JSON or TOML file mapping WebArena's site names to URLs")
    what = "leave out the WebArena tasks that need this site (e.g. homepage, which has no stand-in); repeat"
    a("--exclude-site", action="append", default=[], metavar="NAME", help=what)


def make_parser() -> SuggestingParser:
    parser = SuggestingParser(
        prog="palaestra",
        description="Run evaluations of agents on real computer tasks, list what exists, read and "
        "compare results, and build exemplar memories.",
        epilog=epilog(OVERVIEW) + "\n\n`palaestra COMMAND --help` explains each command.",
    )
    parser.add_argument("--version", action="version", version=f"palaestra {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _eval_parser(sub)
    what = "list suites, tasks (by glob, site or intent template), intent templates or agents"
    p = sub.add_parser("list", help=what, epilog=epilog(EXAMPLES["list"]))
    p.add_argument("what", choices=("suites", "tasks", "templates", "agents"), help="what to list")
    p.add_argument(
        "pattern", nargs="?", default="*", metavar="PATTERN", help="a glob over task names, short or full"
    )
    p.add_argument("--suite", help="list the tasks of this suite only")
    what = "WebArena-format tasks on this site, by WebArena's name or its stand-in's (gitlab or code)"
    p.add_argument("--site", help=what)
    what = "WebArena-format tasks of this intent template (WebArena's intent_template_id, or our name)"
    p.add_argument("--template", metavar="ID", help=what)
    what = "tasks: with their sites, intent template and intent"
    p.add_argument("-l", "--long", action="store_true", help=what)
    p = sub.add_parser("show", help="print a run's summary table", epilog=epilog(EXAMPLES["show"]))
    p.add_argument("run", metavar="RUN", help="the run directory (the --out of `palaestra eval`)")
    what = "link every episode in `palaestra ui`, not only the failed and errored ones"
    p.add_argument("--episodes", action="store_true", help=what)
    what = "one line per WebArena site (or intent template) instead of per task, with the evaluator columns"
    p.add_argument("--by", choices=("site", "template"), help=what)
    what = "print one episode's prompts, answers, actions, agent notes (click-test:3, synapse/click-test:3)"
    p.add_argument("--prompts", metavar="[AGENT/]TASK:SEED", help=what)
    p.add_argument("--step", type=int, metavar="N", help="with --prompts: step N only")
    what = (
        "print the table a paper shows instead: per task and agent n, success, its 95%% confidence "
        "interval and errored episodes, the mean over tasks, and the run and commit that produced it"
    )
    p.add_argument("--table", choices=("markdown", "latex", "csv"), help=what)
    p = sub.add_parser(
        "report", help="write a run's self-contained HTML report", epilog=epilog(EXAMPLES["report"])
    )
    p.add_argument("run", metavar="RUN", help="the run directory (the --out of `palaestra eval`)")
    p.add_argument("--out", help="the report's file or folder (default: RUN/report/index.html)")
    what = "judge a run's site episodes again from their saved evidence, with the current evaluators"
    p = sub.add_parser("judge", help=what, epilog=epilog(EXAMPLES["judge"]), description=what + ".")
    p.add_argument("run", metavar="RUN", help="the run directory (the --out of `palaestra eval`)")
    what = (
        "string matching: corrected (Palaestra's) or paper (WebArena's as published); by default each "
        "episode's own (corrected for site tasks, the reported column for WebArena's official tasks)"
    )
    p.add_argument("--mode", choices=("corrected", "paper"), help=what)
    what = "only these tasks (globs); repeat or comma-separate"
    p.add_argument("--tasks", action="append", metavar="GLOBS", help=what)
    what = "store the changed verdicts in the run, each old one kept in the episode's record"
    p.add_argument("--write", action="store_true", help=what)
    what = "print the results as JSON: each episode's old and new verdict, and the parts that failed "
    what += "with what each wanted and read"
    p.add_argument("--json", action="store_true", help=what)
    what = "compare runs per task, with the difference and its noise"
    p = sub.add_parser("compare", help=what, epilog=epilog(EXAMPLES["compare"]))
    p.add_argument(
        "runs",
        nargs="+",
        metavar="RUN",
        help="run directories, each compared to the first; one run of several agents compares its agents",
    )
    p.add_argument(
        "--by-task", action="store_true", help="pair the runs' single agents whatever their labels"
    )
    what = "build, inspect or export exemplar memories"
    p = sub.add_parser("memory", help=what, epilog=epilog(EXAMPLES["memory"]))
    what = "build (or add to) a memory, inspect one, or export its exemplars as JSON lines"
    p.add_argument("action", choices=("build", "inspect", "export"), help=what)
    p.add_argument("path", metavar="DIR", help="the memory's directory")
    what = "add the demonstrations of a run made with --record-demos (repeat for several)"
    p.add_argument("--run", action="append", default=[], metavar="RUN", help=what)
    what = (
        "add the MiniWoB++ oracles' episodes on these tasks (other suites' oracles: a run's --record-demos)"
    )
    p.add_argument("--oracles", metavar="GLOBS", help=what)
    p.add_argument("--seeds", default="0-4", help="the oracles' seeds (default: 0-4)")
    p.add_argument("--all", action="store_true", help="keep unsuccessful episodes too")
    what = "add the demonstrations among the trajectories under DIR (e.g. palaestra serve --trajectories)"
    p.add_argument("--trajectories", action="append", default=[], metavar="DIR", help=what)
    what = (
        "add the exemplars in FILE: JSON lines (or a JSON list), each {goal, suite, task, trajectory: "
        "[{state, action}, ...]}, as `export` writes them (repeat for several)"
    )
    p.add_argument("--exemplars", action="append", default=[], metavar="FILE", help=what)
    what = (
        "build: the embedder of a new memory: minilm (default), mpnet, or openai:MODEL at the "
        "endpoint PALAESTRA_EMBED_BASE_URL names (a memory keeps the one it was built with)"
    )
    p.add_argument("--embedder", metavar="NAME", help=what)
    p.add_argument("--out", metavar="FILE", help="export: write to FILE instead of standard output")
    what = "the embedded LLM: assemble and check its file, show it, serve it over the OpenAI API"
    p = sub.add_parser("llm", help=what, epilog=epilog(EXAMPLES["llm"]))
    what = (
        "prepare: assemble and verify the model file; info: load it and say what it is; serve: run the server"
    )
    p.add_argument("action", choices=("prepare", "info", "serve"), help=what)
    p.add_argument("--host", default="127.0.0.1", help="address to bind (any but loopback needs --token)")
    p.add_argument("--port", type=int, default=8765, help="port to listen on (default: 8765)")
    p.add_argument("--token", help="bearer token clients must send (default: $PALAESTRA_LLM_SERVER_TOKEN)")
    p.add_argument("--context", type=int, help="context window in tokens (default: 8192)")
    p.add_argument("--threads", type=int, help="CPU threads for decoding (default: 1 on up to 4 cores)")
    # `palaestra routing` declares its own flags (palaestra.routing.training.cli, which `cli.main` hands
    # it to), so that building this parser never imports the routing package.
    what = "train the API selector's fit judge and refit its tuned constants on tool-retrieval data"
    p = sub.add_parser("routing", help=what, epilog=epilog(EXAMPLES["routing"]), add_help=False)
    what = "train-judge or tune, and its flags (`palaestra routing --help` lists them)"
    p.add_argument("arguments", nargs=argparse.REMAINDER, metavar="ARGS", help=what)
    from palaestra.runs.export_cli import add_parser as add_export_parser  # light: nothing heavy

    add_export_parser(sub, epilog(EXAMPLES["export"]))
    from palaestra.server.cli import add_parsers as add_server_parsers

    add_server_parsers(sub, epilog)

    from palaestra.ui.cli import add_parser as add_ui_parser  # light: no web framework

    add_ui_parser(sub, epilog(EXAMPLES["ui"]))

    from palaestra.sites.cli import add_parser

    add_parser(sub, epilog(EXAMPLES["sites"]))
    return parser


def _version() -> str:
    try:
        return importlib.metadata.version("palaestra")
    except importlib.metadata.PackageNotFoundError:
        return "(not installed)"
