"""`palaestra show`: its table stays a table, and it behaves in a pipe."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from palaestra.cli import main
from palaestra.runs.episode_record import take_verdict
from palaestra.runs.records import EpisodeOutcome
from palaestra.runs.store import RunStore
from palaestra.testing import ScriptedLLMServer, reply_text

MakeRun = Callable[..., Path]
LONG = "mypackage.agents:FirstButton"


def test_columns_stay_aligned_with_long_agent_labels(
    make_run: MakeRun, capsys: pytest.CaptureFixture[str]
) -> None:
    run = make_run({(LONG, "miniwob.click-test"): "1/2", ("random", "miniwob.click-test"): "0/2"})
    assert main(["show", str(run)]) == 0
    table = [
        line for line in capsys.readouterr().out.splitlines() if line.startswith((LONG, "random", "agent"))
    ]
    assert len(table) == 5  # the header, two task rows, two means
    columns = {line.index("miniwob.click-test" if "click-test" in line else "task") for line in table[:3]}
    assert len(columns) == 1, "\n".join(table)  # every row's task starts where the header's does
    assert len({line.index(" 2 ") for line in table[1:3]}) == 1


def test_a_closed_pipe_ends_show_without_a_traceback(make_run: MakeRun) -> None:
    """`palaestra show RUN | head -1` printed a BrokenPipeError traceback once head had its line."""
    run = make_run({"miniwob.click-test": "0/3"})
    read, write = os.pipe()
    os.close(read)  # a reader that is already gone: the first write fails with EPIPE
    shown = subprocess.run(
        [sys.executable, "-m", "palaestra.cli", "show", str(run), "--episodes"],
        stdout=write, stderr=subprocess.PIPE, text=True, timeout=120,
    )  # fmt: skip
    os.close(write)
    assert "Traceback" not in shown.stderr and "BrokenPipeError" not in shown.stderr, shown.stderr
    assert shown.returncode != 2


def test_show_outside_a_run_names_the_fix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", str(tmp_path)]) == 2
    assert "palaestra eval" in capsys.readouterr().err


def test_errors_are_listed_with_their_messages(make_run: MakeRun, capsys: pytest.CaptureFixture[str]) -> None:
    """What broke reads at once: the kind, how many episodes, and the message's first line."""
    run = make_run({"miniwob.click-test": [True, "browser_crashed", "browser_crashed", "agent_error"]})
    assert main(["show", str(run)]) == 0
    out = capsys.readouterr().out
    errors = out.split("Errors (kind, episodes, message):\n")[1].split("\n\n")[0].splitlines()
    assert errors == [
        "  browser_crashed    2  browser_crashed: the browser went away",
        "  agent_error       1  agent_error: the browser went away",
    ]
    assert main(["show", str(make_run({"miniwob.click-test": "1/1"}, name="clean"))]) == 0
    assert "Errors" not in capsys.readouterr().out


def test_the_oracle_is_marked_a_reference(make_run: MakeRun, capsys: pytest.CaptureFixture[str]) -> None:
    """As the report and the UI mark it: a privileged agent's row is no result beside the others."""
    run = make_run({("oracle", "miniwob.click-test"): "3/3", ("random", "miniwob.click-test"): "1/3"})
    assert main(["show", str(run)]) == 0
    lines = capsys.readouterr().out.splitlines()
    means = {line.split()[0]: line for line in lines if "mean over tasks" in line}
    assert "(reference: told the task)" in means["oracle"]
    assert "reference" not in means["random"]
    assert any(line.startswith("oracle: privileged (told the task's name)") for line in lines)


def test_an_episodes_prompts_are_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make_llm_server: Callable[..., ScriptedLLMServer]
) -> None:
    """A Synapse run on a real page, then `show --prompts`: each step's messages as the model got
    them, its answer, the action, and the notes naming the exemplars; the UI showed these, the
    terminal did not."""
    server = make_llm_server(reply_text("click('999')"))
    run = tmp_path / "run"
    argv = ["eval", "--agent", "synapse", "--agent-arg", "model=scripted-model", "--agent-arg",
            f"base_url={server.base_url}", "--agent-arg", "max_reasks=0", "--tasks", "click-test",
            "--seeds", "3", "--max-steps", "2", "--out", str(run)]  # fmt: skip
    assert main(argv) == 0
    capsys.readouterr()
    assert main(["show", str(run), "--prompts", "click-test:3"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("synapse on miniwob.click-test seed 3: Click the button.")
    assert out.count("--- system\nYou control a web browser") == 2
    assert re.findall(r"^step \d+: .*$", out, re.M) == [f"step {i}: \"click('999')\"" for i in (0, 1)]
    assert "--- user\nNow\nTask: Click the button.\nState:\n[" in out
    assert "--- answer\nclick('999')" in out and "error: " in out and '"exemplar_ids": []' in out
    assert main(["show", str(run), "--prompts", "synapse/miniwob.click-test:3", "--step", "1"]) == 0
    assert "step 0:" not in capsys.readouterr().out
    assert main(["show", str(run), "--prompts", "click-tset:3"]) == 2
    assert "no such episode" in (err := capsys.readouterr().err) and "synapse/miniwob.click-test:3" in err


@pytest.mark.parametrize("damage", ["overwritten", "truncated"])
def test_a_damaged_run_database_is_named_with_the_way_back(
    make_run: MakeRun, capsys: pytest.CaptureFixture[str], damage: str
) -> None:
    """A results.sqlite that a disk or a copy damaged: every command names it and how to recover,
    instead of sqlite3's traceback."""
    run = make_run({"miniwob.click-test": [True] * 40})
    database = run / "results.sqlite"
    data = database.read_bytes()
    database.write_bytes(b"\0" * 100 + data[100:] if damage == "overwritten" else data[: len(data) // 2])
    resume = ["eval", "--agent", "oracle", "--tasks", "click-test", "--seeds", "0", "--out", str(run)]
    for argv in (["show", str(run)], ["report", str(run)], resume):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert f"palaestra {argv[0]}: the run database {database} is damaged (SQLite: " in err
        assert f"sqlite3 {database} .recover | sqlite3 {run / 'recovered.sqlite'}" in err


def test_show_names_the_evaluator_check_a_site_episode_failed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make_llm_server: Callable[..., ScriptedLLMServer]
) -> None:
    """A wrong answer on a self-hosted site was a bare "failure" line: the evaluator's parts were
    dropped for tasks without WebArena's columns. Now `show` names the check that scored 0."""
    server = make_llm_server(reply_text("```\nsend_msg_to_user('42')\n```"))
    run = tmp_path / "run"
    argv = ["eval", "--agent", "generic", "--agent-arg", "model=scripted-model", "--agent-arg",
            f"base_url={server.base_url}", "--tasks", "shop.compare-price-0", "--max-steps", "2",
            "--out", str(run)]  # fmt: skip
    assert main(argv) == 0
    capsys.readouterr()
    assert main(["show", str(run)]) == 0
    failures = capsys.readouterr().out.split("Failed and errored episodes")[1].splitlines()
    assert failures[1].startswith("  failure        generic shop.compare-price-0 seed 0"), failures
    reason = failures[2].strip()
    # What the check wanted and what it read, not only its name: the reference vs the agent's answer.
    assert re.fullmatch(
        r'evaluator: string_match 0 \(wanted \{"must_include": \[".+"\]\}, read "42"\)', reason
    ), reason
    # The reference is the researcher's: nothing of the verdict reached the agent's prompts.
    sent = " ".join(r.raw_body.decode() for r in server.chat_requests)
    assert sent and "must_include" not in sent and "wanted" not in sent


def test_a_long_error_does_not_hide_the_repeat_after_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make_llm_server: Callable[..., ScriptedLLMServer]
) -> None:
    """An unknown action's error lists every action the task takes ("Available: ..."): cut with the
    whole line at 200 characters, it hid the repeat that followed it. Each part is cut on its own."""
    server = make_llm_server(reply_text("```\ntype_into('5', 'hello')\n```"))
    run = tmp_path / "run"
    argv = ["eval", "--agent", "generic", "--agent-arg", "model=scripted-model", "--agent-arg",
            f"base_url={server.base_url}", "--tasks", "click-test", "--max-steps", "3",
            "--out", str(run)]  # fmt: skip
    assert main(argv) == 0
    capsys.readouterr()
    with RunStore(run, readonly=True) as store:
        (error,) = {s["error"] for s in store.steps("generic|miniwob.click-test|0")}
    assert len(error) > 200 and "Available" in error  # long enough to have hidden the rest
    assert main(["show", str(run)]) == 0
    reason = capsys.readouterr().out.split("Failed and errored episodes")[1].splitlines()[2].strip()
    first, repeat = reason.split("; the same action ")
    assert first.startswith("3 of 3 actions failed, first at step 0: ") and first.endswith("…")
    assert error.startswith(first.removeprefix("3 of 3 actions failed, first at step 0: ").removesuffix("…"))
    assert repeat == "3 times from step 0: type_into('5', 'hello')"


def test_an_official_tasks_failed_column_names_what_it_wanted_and_read(
    make_run: MakeRun, capsys: pytest.CaptureFixture[str]
) -> None:
    """WebArena's columns keep each part's values apart from their scores (the UI lists the scores as
    they are), and `show` names them beside the part that scored 0."""
    url = {"wanted": "http://shop/basket/", "found": "http://shop/search/?q=wok", "ok": False}
    outcome = EpisodeOutcome(key="agent|webarena.44|0", agent="agent", agent_name="agent", agent_hash="h",
                             task="webarena.44", seed=0, started=0.0)  # fmt: skip
    corrected = {"url_match": 0.0, "values": {"url_match": url}}
    details = {"paper": {"url_match": 1.0}, "corrected": corrected}
    task_info = {"columns": {"paper": 1.0, "corrected": 0.0}, "details": details}
    take_verdict(outcome, {"success": False, "task_info": task_info})
    verdict = outcome.extra["verdict"]
    assert verdict["details"] == {"paper": {"url_match": 1.0}, "corrected": {"url_match": 0.0}}
    assert verdict["values"] == {"corrected": {"url_match": url}}
    run = make_run({"webarena.44": [False]}, extras={"agent|webarena.44|0": outcome.extra})
    assert main(["show", str(run)]) == 0
    out = capsys.readouterr().out
    assert 'corrected: url_match 0 (wanted http://shop/basket/, read "http://shop/search/?q=wok")' in out, out


def test_a_refused_listing_names_the_rule_beside_what_it_read(
    make_run: MakeRun, capsys: pytest.CaptureFixture[str]
) -> None:
    """A shipped task's verdict on an answer that lists the template's prices, as `SiteTask` gives
    it (its evaluators' details, no page needed for an answer): `show` says which rule refused it."""
    from palaestra.tasks.webarena import suite_configs
    from palaestra.tasks.webarena.eval_context import EvalContext
    from palaestra.tasks.webarena.evaluators import evaluate

    config = suite_configs("shop")["product-price-0"]
    answer = "$18.49 or maybe $64.50"
    ctx = EvalContext(None, None, answer, None, {}, {}, intent=config.intent)
    score = asyncio.run(evaluate(config.eval, ctx))
    outcome = EpisodeOutcome(key="agent|shop.product-price-0|0", agent="agent", agent_name="agent",
                             agent_hash="h", task="shop.product-price-0", seed=0, started=0.0)  # fmt: skip
    take_verdict(outcome, {"success": score >= 1, "task_info": {"score": score, **ctx.details}})
    run = make_run({"shop.product-price-0": [False]}, extras={"agent|shop.product-price-0|0": outcome.extra})
    assert main(["show", str(run)]) == 0
    out = capsys.readouterr().out
    said = (
        'evaluator: string_match 0 (wanted {"must_include": ["$18.49"]}, read "$18.49 or maybe $64.50"; '
        "lists candidates: it also names '$64.50', the reference of another task of this intent template)"
    )
    assert said in out, out
