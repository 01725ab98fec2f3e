"""`palaestra export` on real runs: the oracle and the generic agent (over the scripted server) on
MiniWoB++ pages in Chromium, exported as the rows trainers read."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from palaestra.cli import main
from palaestra.testing import ScriptedLLMServer, reply_text
from tests.runs.export_runs import TASKS


@pytest.fixture
def server(export_server: ScriptedLLMServer) -> ScriptedLLMServer:
    """The scripted model that answered the generic agent of `run`."""
    return export_server


@pytest.fixture
def run(export_run: Path) -> Path:
    """The oracle and the generic agent, each on three tasks, seeds 0-1 (12 episodes)."""
    return export_run


def export(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[list[dict[str, Any]], str]:
    """Run `palaestra export ARGS` (its --out is the last argument), and its rows and summary."""
    capsys.readouterr()
    assert main(["export", *args]) == 0, capsys.readouterr().err
    out = Path(args[-1])
    return [json.loads(line) for line in out.read_text().splitlines()], capsys.readouterr().out


def test_messages_rows_are_what_the_model_was_sent_and_answered(
    run: Path, server: ScriptedLLMServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows, summary = export(capsys, str(run), "--agents", "generic", "--out", str(tmp_path / "train.jsonl"))
    sent = [r.messages for r in server.chat_requests if r.json.get("model") == "scripted-model"]
    assert len(rows) == len(sent) >= 4
    # Rows in run order (task, seed, step); requests came in the order the episodes ran, the same.
    for row, request in zip(rows, sent, strict=True):
        assert row["messages"][:-1] == request
        assert row["messages"][-1]["role"] == "assistant" and "```\nclick('" in row["messages"][-1]["content"]
    assert [(r["task"], r["seed"], r["step"]) for r in rows] == sorted(
        (r["task"], r["seed"], r["step"]) for r in rows
    )
    first = next(r for r in rows if r["task"] == "miniwob.click-test")
    assert (
        first["task"] == "miniwob.click-test"
        and first["agent"] == "generic"
        and first["model"] == "scripted-model"
    )
    assert first["episode_success"] is True and first["success"] is True and first["reward"] == 1.0
    assert {r["task"]: r["episode_success"] for r in rows} == {
        "miniwob.click-collapsible": False, "miniwob.click-test": True, "miniwob.enter-text": False
    }  # fmt: skip
    assert "episodes: 12 read, 6 kept, 6 dropped" in summary and "dropped, not among --agents: 6" in summary
    assert f"rows written: {len(rows)} (messages)" in summary and "tokens of the exported calls" in summary
    longest = max(r["tokens_in"] + r["tokens_out"] for r in rows)
    assert longest > 0 and f"the longest call {longest} (keep a trainer's max_length above it)" in summary


def test_success_only_and_task_filters_keep_the_successful_episodes(
    run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows, summary = export(
        capsys, str(run), "--agents", "generic", "--success-only", "--out", str(tmp_path / "a.jsonl")
    )
    assert {r["task"] for r in rows} == {"miniwob.click-test"} and all(r["episode_success"] for r in rows)
    assert "dropped, not a success (--success-only): 4" in summary
    rows, _ = export(
        capsys,
        str(run),
        "--agents",
        "generic",
        "--tasks",
        "enter-*,nothing",
        "--out",
        str(tmp_path / "b.jsonl"),
    )
    assert {r["task"] for r in rows} == {"miniwob.enter-text"} and len(rows) == 4
    rows, summary = export(
        capsys, str(run), "--agents", "gen*", "--drop-failed-actions", "--out", str(tmp_path / "e.jsonl")
    )
    assert {(r["task"], r["action_error"]) for r in rows} == {("miniwob.click-test", "")}
    assert "steps left out, action failed and changed nothing (--drop-failed-actions): 8" in summary
    rows, summary = export(
        capsys, str(run), "--agents", "generic", "--min-reward", "1", "--out", str(tmp_path / "c.jsonl")
    )
    assert {r["task"] for r in rows} == {"miniwob.click-test"} and "reward below --min-reward: 4" in summary
    rows, summary = export(
        capsys, str(run), "--agents", "generic", "--max-steps", "1", "--out", str(tmp_path / "d.jsonl")
    )
    assert {r["task"] for r in rows} == {"miniwob.click-test"} and "longer than --max-steps: 4" in summary


def test_steps_rows_hold_the_observation_the_agent_saw(
    run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows, _ = export(
        capsys, str(run), "--agents", "oracle", "--format", "steps", "--out", str(tmp_path / "s.jsonl")
    )
    assert len(rows) >= 4 and {r["agent"] for r in rows} == {"oracle"}
    folder = run / "episodes" / "oracle" / "miniwob.enter-text" / "1"
    mine = [r for r in rows if r["task"] == "miniwob.enter-text" and r["seed"] == 1]
    local = re.compile(r"^url: file:.*$", re.MULTILINE)  # a path on this machine, naming the task
    assert [r["observation"] for r in mine] == [
        local.sub("url: (a local page)", (folder / f"obs-{i:03d}.txt").read_text()) for i in range(len(mine))
    ]
    assert not any("file:" in r["observation"] or r["task"].split(".")[1] in r["observation"] for r in rows)
    assert [r["next_observation_index"] for r in mine] == list(range(1, len(mine) + 1))
    # The page after the last step is no row's observation: the last row holds it (a truncated
    # episode's value target bootstraps from it), the others hold "".
    final = (folder / f"obs-{len(mine):03d}.txt").read_text()
    assert [r["final_observation"] for r in mine] == [""] * (len(mine) - 1) + [
        local.sub("url: (a local page)", final)
    ]
    assert final and mine[-1]["final_observation"] != mine[-1]["observation"]
    assert (
        mine[-1]["terminated"] is True and mine[-1]["reward"] == 1.0 and mine[0]["goal"].startswith("Enter")
    )
    assert mine[0]["action"].startswith("fill(")


def test_demonstrations_render_as_the_generic_agents_calls_without_the_task_name(
    run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows, summary = export(
        capsys, str(run), "--agents", "oracle", "--as-agent", "generic", "--out", str(tmp_path / "demo.jsonl")
    )
    assert len(rows) >= 4 and all(r["rendered_as"] == "generic" for r in rows), summary
    generic, _ = export(capsys, str(run), "--agents", "generic", "--out", str(tmp_path / "generic.jsonl"))
    # The system message is the generic agent's own, and the user message is built as it builds it.
    assert rows[0]["messages"][0] == generic[0]["messages"][0]
    assert (
        rows[0]["messages"][1]["content"].split("# Observation")[0]
        == generic[0]["messages"][1]["content"].split("# Observation")[0]
    )
    for row in rows:
        text = json.dumps(row["messages"]).lower()
        for task in TASKS.split(","):  # the oracle was told its task's name; the prompts never are
            assert task not in text and f"miniwob.{task}" not in text and f"{task}.html" not in text
        assert row["messages"][-1] == {"role": "assistant", "content": f"```\n{row['action']}\n```"}
    # Two steps of the oracle: the second prompt shows the first action as the agent's own past.
    first, second = [r for r in rows if r["task"] == "miniwob.click-collapsible" and r["seed"] == 0]
    assert f"# Your past actions\n1. {first['action']}\n\n" in second["messages"][1]["content"]
    assert "(none yet: this is the first step)" in first["messages"][1]["content"]


def test_a_rendered_demonstration_is_the_prompt_the_agent_sends_on_that_page(
    run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The oracle's and the generic agent's first steps on click-test, seed 0, saw the same page: the
    oracle's step rendered through the generic agent (with its chain of thought, as it ran) is the
    prompt the generic agent sent there."""
    args = ("--tasks", "click-test", "--max-steps", "1")
    rendered, _ = export(capsys, str(run), *args, "--agents", "oracle", "--as-agent", "generic",
                         "--as-agent-arg", "cot=true", "--out", str(tmp_path / "r.jsonl"))  # fmt: skip
    recorded, _ = export(capsys, str(run), *args, "--agents", "generic", "--out", str(tmp_path / "g.jsonl"))
    assert len(rendered) == len(recorded) == 2
    for demo, real in zip(rendered, recorded, strict=True):
        assert demo["messages"][:-1] == real["messages"][:-1]
        assert demo["model"] == "" and real["model"] == "scripted-model"


def test_prompt_completion_rows_of_chat_calls_are_conversational(
    run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows, _ = export(
        capsys,
        str(run),
        "--agents",
        "generic",
        "--format",
        "prompt-completion",
        "--out",
        str(tmp_path / "pc.jsonl"),
    )
    messages, _ = export(capsys, str(run), "--agents", "generic", "--out", str(tmp_path / "m.jsonl"))
    assert [r["prompt"] + r["completion"] for r in rows] == [m["messages"] for m in messages]


def test_an_existing_file_is_kept_unless_forced(
    run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "train.jsonl"
    out.write_text("mine\n")
    assert main(["export", str(run), "--out", str(out)]) == 2
    assert "--force" in capsys.readouterr().err and out.read_text() == "mine\n"
    assert main(["export", str(run), "--agents", "generic", "--out", str(out), "--force"]) == 0
    assert out.read_text().startswith('{"messages"')
    assert sorted(p.name for p in tmp_path.iterdir()) == ["train.jsonl"]  # no temporary file left


def test_an_export_with_no_rows_is_refused_naming_the_fix(
    run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The oracle asks no model, so its calls are no rows: an empty file would load as nothing and
    fail in the trainer, far from the cause. The export stops instead, naming the flags that write
    its demonstrations, and leaves no file."""
    out = tmp_path / "train.jsonl"
    assert main(["export", str(run), "--agents", "oracle", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "No messages rows" in err and "asks no model" in err
    assert "--as-agent generic" in err and "--format steps" in err
    assert main(["export", str(run), "--agents", "generic", "--tasks", "enter-text", "--success-only",
                 "--out", str(out)]) == 2  # fmt: skip
    err = capsys.readouterr().err
    assert "not a success (--success-only): 2" in err and "loosen the filters" in err
    assert list(tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def synapse_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, ScriptedLLMServer]]:
    """Synapse (no memory) over a model that continues text: its prompts go out as one text."""
    out = tmp_path_factory.mktemp("export-synapse") / "run"
    with ScriptedLLMServer(reply_text(" click('999')")) as server, pytest.MonkeyPatch.context() as env:
        env.setenv("PALAESTRA_LLM_CAPABILITIES", "chat,completion")
        argv = ["eval", "--agent", "synapse", "--agent-arg", "model=scripted-model", "--agent-arg",
                f"base_url={server.base_url}", "--agent-arg", "max_reasks=0", "--agent-arg",
                "prompt_style=completion", "--tasks", "click-test", "--seeds", "0", "--max-steps", "2",
                "--workers", "1", "--out", str(out)]  # fmt: skip
        assert main(argv) == 0
        yield out, server


def test_text_prompts_are_written_as_sent(
    synapse_run: tuple[Path, ScriptedLLMServer], run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Synapse's completion prompt is a text: prompt-completion rows hold that text, as the server got it."""
    synapse, server = synapse_run
    rows, _ = export(
        capsys, str(synapse), "--format", "prompt-completion", "--out", str(tmp_path / "pc.jsonl")
    )
    sent = [r.prompt for r in server.text_requests]
    assert len(sent) == 2 and [r["prompt"] for r in rows] == sent
    assert [r["completion"] for r in rows] == [" click('999')"] * 2
    # The oracle's steps rendered through Synapse (zero-shot, as it ran) are its prompts on those pages.
    demo = ("--agents", "oracle", "--tasks", "click-test", "--max-steps", "1", "--as-agent", "synapse")
    rendered, _ = export(
        capsys, str(run), *demo, "--format", "prompt-completion", "--out", str(tmp_path / "s.jsonl")
    )
    assert rendered[0]["prompt"] == sent[0] and rendered[0]["completion"] == f" {rendered[0]['action']}"
    # A file holds one kind of prompt: text and chat prompts together are refused, and nothing is written.
    mixed = tmp_path / "mixed.jsonl"
    assert main(["export", str(run), str(synapse), "--format", "prompt-completion", "--out", str(mixed)]) == 2
    assert "one file holds one kind" in capsys.readouterr().err and not mixed.exists()


def test_trajectory_folders_are_read_a_cut_line_skipped_and_secrets_redacted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A recording (as the server and the UI write them) holding a secret the process knows and a
    `key=value` one, with its last line cut by a kill."""
    from palaestra.redaction import remember
    from palaestra.runs.trajectory import TRAJECTORY_FILE, TrajectoryWriter

    secret = "sk-export-test-4f9a2c"
    remember([secret])
    folder = tmp_path / "recordings" / "one"
    writer = TrajectoryWriter(folder, images=False)
    page = {"goal": f"Log in with {secret}", "url": "http://127.0.0.1/login", "axtree": "[3] button 'Go'"}
    writer.start(task="miniwob.login-user", seed=4, goal=page["goal"], obs=page, source="ui")  # type: ignore[arg-type]
    said = {
        "messages": [{"role": "user", "content": f"{page['goal']} (api_key=abcdef123456)"}],
        "raw_response": "click('3')",
    }
    writer.step("click('3')", page, 1.0, True, False, {"success": True}, agent=said)  # type: ignore[arg-type]
    writer.end(outcome="success", success=True, reward=1.0)
    writer.close()
    with (folder / TRAJECTORY_FILE).open("a") as f:
        f.write('{"type": "step", "index": 1, "action": "cli')  # a kill cut this line
    rows, _ = export(capsys, str(tmp_path / "recordings"), "--out", str(tmp_path / "t.jsonl"))
    assert len(rows) == 1 and rows[0]["task"] == "miniwob.login-user" and rows[0]["seed"] == 4
    assert rows[0]["episode_success"] is True and rows[0]["agent"] == "ui"
    text = (tmp_path / "t.jsonl").read_text()
    assert secret not in text and "abcdef123456" not in text and "[redacted]" in text
    steps, _ = export(
        capsys, str(tmp_path / "recordings"), "--format", "steps", "--out", str(tmp_path / "s.jsonl")
    )
    assert secret not in (tmp_path / "s.jsonl").read_text() and steps[0]["observation"].startswith(
        "goal: Log in"
    )


def test_a_failed_export_leaves_no_file(run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows go to a hidden file that replaces --out once complete: an export stopped half way (here
    by an error at its third row) leaves neither --out nor the hidden file."""
    from palaestra.runs import export as exporting

    written = []

    def failing(row: Any) -> Any:
        written.append(row)
        if len(written) == 3:
            raise RuntimeError("stopped half way")
        return row

    monkeypatch.setattr(exporting, "redact", failing)
    with pytest.raises(RuntimeError, match="half way"):
        exporting.export([run], tmp_path / "train.jsonl", exporting.ExportOptions(fmt="steps"))
    assert list(tmp_path.iterdir()) == []


def test_the_files_load_with_hugging_face_datasets(
    run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """What trainers (TRL's SFTTrainer) load: each format through `datasets.load_dataset("json")`."""
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    import datasets

    for fmt, columns in (("messages", {"messages"}), ("prompt-completion", {"prompt", "completion"}),
                         ("steps", {"goal", "observation", "action", "reward"})):  # fmt: skip
        out = tmp_path / f"{fmt}.jsonl"
        rows, _ = export(
            capsys,
            str(run),
            "--format",
            fmt,
            *(("--agents", "generic") if fmt != "steps" else ()),
            "--out",
            str(out),
        )
        loaded = datasets.load_dataset(
            "json", data_files=str(out), split="train", cache_dir=str(tmp_path / "hf")
        )
        assert loaded.num_rows == len(rows) and columns <= set(loaded.column_names)
        assert loaded[0][next(iter(sorted(columns)))] == rows[0][next(iter(sorted(columns)))]
