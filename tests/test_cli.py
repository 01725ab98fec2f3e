"""The `palaestra` command as a new user meets it: the README's and `--help`'s examples work as
written, every flag is explained, mistakes get did-you-mean errors, and setup errors stop early."""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from palaestra import cli
from palaestra.cli import main
from palaestra.cli_parser import EXAMPLES, OVERVIEW, make_parser
from palaestra.memory import ExemplarMemory, HashingEmbedder
from palaestra.routing.training.cli import make_parser as routing_parser
from palaestra.runs.spec import agents_from
from palaestra.runs.trajectory import TRAJECTORY_FILE
from palaestra.tasks import registry
from palaestra.tasks.webarena.official import webarena_json_tasks
from palaestra.tasks.webarena.own_tasks import TASKS_ENV
from palaestra.testing import ScriptedLLMServer

from .runs.conftest import build_run, default_record
from .tasks.test_webarena_own_tasks import own_task, write
from .user_docs import user_docs_text


def readme_commands() -> list[str]:
    """The `palaestra ...` lines of the README's shell blocks, continuation lines joined; a line's
    leading `nice` and environment assignments (`PALAESTRA_OSWORLD_TASKS=DIR palaestra ...`) are
    dropped, so its command is still checked."""
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", user_docs_text(), re.S):
        for line in block.replace("\\\n", " ").splitlines():
            line = re.sub(r"\s+#.*$", "", line).strip()
            line = re.sub(r"^(?:nice\s+|[A-Z_][A-Z0-9_]*=\S*\s+)+", "", line).removeprefix(".venv/bin/")
            if line.startswith("palaestra "):
                commands.append(line)
    return commands


def help_examples() -> list[str]:
    """`--help`'s examples, and those of the `palaestra.cli` docstring."""
    documented = [
        line.strip() for line in (cli.__doc__ or "").splitlines() if line.strip().startswith("palaestra ")
    ]
    return [*OVERVIEW, *(line for lines in EXAMPLES.values() for line in lines), *documented]


def test_the_examples_are_found() -> None:
    readme = readme_commands()
    assert len(readme) >= 8 and any(c.startswith("palaestra list tasks") for c in readme)
    help_text = make_parser().format_help()
    assert all(line in help_text for line in OVERVIEW)


def hash_of(name: str, *args: str) -> str:
    return agents_from([{"name": name, "args": list(args)}], "test")[0].config_hash


@pytest.fixture
def sandbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_llm_server: Callable[..., ScriptedLLMServer]
) -> Path:
    """A working directory holding what the examples read: memories, runs (with demonstrations), a
    run file, the README's agent file, as the commands before them would have made them; an
    embeddings endpoint where the examples' `PALAESTRA_EMBED_BASE_URL` would name one."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PALAESTRA_LLM_MODEL", raising=False)
    # The examples naming OpenAI's models (model=gpt-4o) are run as their reader would run them:
    # with a key, which a run without a base URL now requires before it starts.
    monkeypatch.setenv("OPENAI_API_KEY", "sk-example")
    monkeypatch.setenv("PALAESTRA_EMBED_BASE_URL", make_llm_server(embedding_dim=32).base_url)
    for memory in ("memories/miniwob", "memories/m"):
        ExemplarMemory.create(tmp_path / memory, embedder=HashingEmbedder()).save()
    hashes = {"memory": hash_of("memory", "memory=memories/miniwob"), "random": hash_of("random")}
    agents = [
        {
            "label": "memory",
            "name": "memory",
            "args": {"memory": "memories/miniwob"},
            "config_hash": hashes["memory"],
        },
        {"label": "random", "name": "random", "args": {}, "config_hash": hashes["random"]},
    ]  # as recorded, so that `eval --config results/mem` plays them again
    mem = build_run(
        tmp_path / "results/mem", {("memory", "click-test"): "2/3", ("random", "click-test"): "1/3"},
        config_hash=hashes, record={**default_record(range(3)), "agents": agents},
    )  # fmt: skip
    for demo_dir in (mem / "episodes").glob("*/*/*"):  # agents that ask no model, with --record-demos
        demo = {"state": "[3] button 'Click Me!'", "action": "click('3')", "target": {}}
        step = {
            "type": "step",
            "index": 0,
            "action": "click('3')",
            "demo": demo,
            "observation": "obs-000.txt",
        }
        lines = [{"type": "episode", "goal": "Click the button."}, step]
        (demo_dir / TRAJECTORY_FILE).write_text("".join(json.dumps(line) + "\n" for line in lines))
    build_run(tmp_path / "results/llm", {"click-test": "2/3"}, agent="generic")  # an LLM agent's calls
    build_run(tmp_path / "results/a", {"click-test": "2/4"}, agent="memory")
    build_run(tmp_path / "results/b", {"click-test": "3/4"}, agent="memory")
    shop = {"shop.product-price-0": "1/1"}  # a site run (with no evidence) for the README's `judge`
    build_run(tmp_path / "results/shop-oracle", shop, agent="oracle", config_hash=hash_of("oracle"))
    build_run(
        tmp_path / "results/verified", {"webarena-verified.44": "0/1"}, agent="synapse"
    )  # official tasks
    for block in re.findall(r"```python\n# (\w+\.py)\n(.*?)```", user_docs_text(), re.S):
        (tmp_path / block[0]).write_text(block[1])  # the README's own files (an agent of one's own)
    # The docs' `PALAESTRA_WEBARENA_TASKS=... --suite webarena-json` lines: a user's own task file.
    monkeypatch.setenv(TASKS_ENV, str(write(tmp_path / "config_files", own_task())))
    for spec in webarena_json_tasks():
        monkeypatch.setitem(registry._registry, spec.name, spec)
    monkeypatch.delitem(registry._unavailable, "webarena-json", raising=False)
    exemplar = {"goal": "Click the button.", "trajectory": [{"state": "[3] button", "action": "click('3')"}]}
    (tmp_path / "exemplars.jsonl").write_text(json.dumps(exemplar) + "\n")  # `memory build --exemplars`
    (tmp_path / "run.toml").write_text(
        'out = "results/toml"\ntasks = ["click-test"]\nseeds = "0-2"\n[[agents]]\nname = "random"\n'
    )
    return tmp_path


#: Too slow to run in the suite, or serving until stopped; they are parsed (every flag must exist)
#: but not run. (`palaestra routing` runs on a tiny data set in tests/routing/test_training.py.)
SLOW = (
    "memory build memories/miniwob --oracles",
    "llm serve",
    "palaestra serve",
    "palaestra mcp",
    "routing ",
    "palaestra ui",
    "sites build",
    "sites serve",
)


@pytest.mark.parametrize("command", sorted({*readme_commands(), *help_examples()}))
def test_every_example_command_works_as_written(
    sandbox: Path, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = shlex.split(command)[1:]
    make_parser().parse_args(argv)  # every flag and choice exists
    if argv[0] == "routing":  # it parses its own flags
        routing_parser().parse_args(argv[1:])
    if any(slow in command for slow in SLOW):
        return
    if argv[0] == "eval" and "--dry-run" not in argv:  # checked as it would run, nothing run
        assert "--out" in argv or "--config" in argv, "a run needs --out (a dry run alone does not)"
        argv.append("--dry-run")
    assert main(argv) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert out.strip()
    if argv[:2] == ["list", "tasks"] and not argv[2].startswith("-"):
        pattern = argv[2].strip("'")
        assert all(re.fullmatch(pattern.replace("*", ".*"), n.split(".", 1)[1]) for n in out.split())


def test_every_flag_and_argument_is_explained_and_the_version_is_printed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    parser = make_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    parsers = [parser, *commands.choices.values()]
    unexplained = [
        f"{p.prog} {a.dest}" for p in parsers for a in p._actions if not a.help and a.dest != "command"
    ]
    assert unexplained == []
    assert all(p.epilog and p.epilog.startswith("examples:") for p in parsers)
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0 and re.fullmatch(r"palaestra \d+\.\d+\S*\n", capsys.readouterr().out)


def test_every_numeric_default_is_stated_in_the_help() -> None:
    """`palaestra serve --help` once said only "seconds" of --request-timeout and nothing of 16
    sessions; a user cannot guess a limit the help keeps to itself."""
    parser = make_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    silent = [
        f"{p.prog} {a.option_strings[0]}"
        for name, p in commands.choices.items() if name in ("eval", "serve", "mcp", "ui", "memory", "llm")
        for a in p._actions
        if isinstance(a.default, int | float) and not isinstance(a.default, bool) and a.option_strings
        and f"default: {a.default if isinstance(a.default, int) else f'{a.default:g}'}"
        not in " ".join((a.help or "").split())
    ]  # fmt: skip
    assert silent == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["evl"], "invalid choice: 'evl'"),
        (["eval", "--wrokers", "2"], "Instead of `--wrokers`, did you mean: `--workers`"),
        (["eval", "--backend", "rey"], "Did you mean: `ray`?"),
        (["compare", "--by-tsk", "a", "b"], "did you mean: `--by-task`?"),
        (["list", "task"], "Did you mean: `tasks`"),
    ],
)
def test_mistyped_commands_flags_and_choices_get_did_you_mean(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Did you mean: `eval`?" in err or argv != ["evl"]


def test_a_mistyped_flag_shows_its_commands_usage_not_the_top_level_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """argparse reports a subcommand's unknown flag from the top parser, whose usage lists no flag."""
    with pytest.raises(SystemExit) as exited:
        main(["eval", "--agent", "oracle", "--wokers", "2"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: palaestra eval ") and "[--workers WORKERS]" in err
    assert "palaestra eval: error: unrecognized arguments: --wokers 2. Instead of `--wokers`" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        # another suite's task, without --suite: the suite and the flag, not a miniwob look-alike
        (["--tasks", "calc-add"], "but of: desktop (1 task). Fix: --suite desktop --tasks 'calc-add'"),
        (["--tasks", "product-*"], "Fix: --suite shop --tasks 'product-*', or --tasks 'shop.product-*'"),
        (["--seeds", "0..4"], "Did you mean `0-4` (both ends included)?"),
        (["--agent", "myagent.py"], "named module:Class, not by its file: `myagent:YourClass`"),
    ],
)
def test_a_newcomers_mistakes_in_eval_are_answered_with_the_fix(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    defaults = {"--agent": "oracle", "--tasks": "click-test", "--seeds": "0"}
    given = dict(zip(argv[::2], argv[1::2], strict=True))
    flags = [token for flag, value in {**defaults, **given}.items() for token in (flag, value)]
    assert main(["eval", *flags, "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "click-shades" not in err  # calc-add's closest miniwob name, which it was offered


def test_a_run_without_out_is_told_the_folder_the_examples_use(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "--agent", "oracle", "--tasks", "click-test", "--seeds", "0"]) == 2
    assert "pass --out results/NAME" in capsys.readouterr().err  # as the docs' runs: results/mem, ...


def test_list_agents_lines_up_every_description(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "agents"]) == 0
    lines = capsys.readouterr().out.splitlines()
    starts = {len(line) - len(line.split(maxsplit=1)[1]) for line in lines}
    assert len(lines) >= 7 and len(starts) == 1


def test_ctrl_c_in_a_command_without_its_own_handling_exits_130_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Ctrl-C is a `KeyboardInterrupt` wherever the interpreter is (here: while `list` lists)."""

    def interrupted(args: argparse.Namespace) -> int:
        raise KeyboardInterrupt

    monkeypatch.setitem(cli.COMMANDS, "list", interrupted)
    assert main(["list", "agents"]) == 130
    assert capsys.readouterr().err == "palaestra: interrupted (Ctrl-C).\n"


def test_every_positional_argument_is_named_in_capitals_as_the_help_refers_to_it() -> None:
    """`report --out`'s help says RUN/report/index.html; its usage said `run`."""
    commands = next(a for a in make_parser()._actions if isinstance(a, argparse._SubParsersAction))
    lower = [
        f"{name} {a.metavar or a.dest}"
        for name, p in commands.choices.items()
        for a in p._actions
        if not a.option_strings and not a.choices and not (a.metavar or a.dest).isupper()
    ]
    assert lower == []


@pytest.mark.parametrize("argv", [["--wat"], ["--workers", "2"]])
def test_a_flag_before_any_command_is_named_with_where_flags_go(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """argparse says only that a command is missing, or takes the flag's value for the command."""
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    said = capsys.readouterr().err
    assert f"`{argv[0]}` is not a flag of `palaestra` itself: flags follow their command" in said


def test_a_task_pattern_that_matches_nothing_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "tasks", "entr-txt"]) == 2
    assert "Did you mean: `enter-text`" in capsys.readouterr().err


def test_show_does_not_turn_an_agent_with_no_finished_episode_into_a_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = build_run(tmp_path / "run", {("good", "t"): "1/2", ("broken", "t"): ["browser_crashed"] * 3})
    assert main(["show", str(run)]) == 0
    lines = capsys.readouterr().out.splitlines()
    broken = [line for line in lines if line.startswith("broken")]
    assert len(broken) == 2 and all("0.00 ± 0.00" not in line for line in broken)
    assert "no finished episode" in broken[1]
    assert "0.50 ± 0.35" in next(line for line in lines if line.startswith("good"))


def test_memory_build_from_a_run_without_demonstrations_stops_with_the_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = build_run(tmp_path / "run", {"click-test": "2/2"})
    assert main(["memory", "build", str(tmp_path / "memory"), "--run", str(run)]) == 2
    err = capsys.readouterr().err
    assert "was run without --record-demos" in err and "--record-demos into a new --out" in err
    assert not (tmp_path / "memory").exists()


def test_the_docs_async_snippets_have_no_top_level_await() -> None:
    """They run as scripts (tests/test_doc_examples.py runs them), where a top-level `await` is a
    SyntaxError that a notebook would hide."""
    blocks = [b for b in re.findall(r"```python\n(.*?)```", user_docs_text(), re.S) if "asyncio.run(" in b]
    assert len(blocks) == 2  # the environment's and the executor's
    for block in blocks:
        assert not re.search(r"^(\w.*=\s*)?await ", block, re.M)


def test_a_suite_name_as_the_pattern_lists_that_suite(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "tasks", "desktop"]) == 0
    names = capsys.readouterr().out.split()
    assert len(names) == 40 and all(n.startswith("desktop.") for n in names)


def test_a_reader_that_stops_early_gets_no_traceback() -> None:
    """`palaestra list tasks | head -1`: the pipe closes before the names are written."""
    read, write = os.pipe()
    os.close(read)
    try:
        code = "import sys; from palaestra.cli import main; sys.exit(main(sys.argv[1:]))"
        done = subprocess.run(
            [sys.executable, "-c", code, "list", "tasks"],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    finally:
        os.close(write)
    assert "Traceback" not in done.stderr and "BrokenPipeError" not in done.stderr, done.stderr
    assert done.returncode == 0  # the reader had what it wanted: no error, as `| head` expects
