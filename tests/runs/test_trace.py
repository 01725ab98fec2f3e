"""`palaestra eval --trace`: real runs over real Chromium write Playwright traces, one per episode and
of that episode only; `failures` keeps the failed one's; `palaestra show` and the UI (over real HTTP)
say how to open them, and the UI serves them confined to the run."""

from __future__ import annotations

import json
import re
import shlex
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.request import url2pathname

import httpx
import pytest

from palaestra.cli import main
from palaestra.errors import ConfigError, UnknownNameError
from palaestra.runs.results import load_rows
from palaestra.runs.spec import AgentEntry, build_run_config
from palaestra.runs.store import RunStore
from palaestra.runs.tracing import TRACE_FILE, show_trace_command
from palaestra.server import ServerConfig
from palaestra.server.run import ServerThread
from palaestra.ui import UiRoots, ui_extension

HERE = Path(__file__).parent
TASK = "miniwob.enter-text"
SEEDS = (0, 1)


def traced_run(out: Path, mode: str, monkeypatch: pytest.MonkeyPatch) -> dict[int, dict]:
    """One worker plays seeds 0 (typed right: a success) and 1 (typed wrong: a failure)."""
    monkeypatch.syspath_prepend(str(HERE))  # the workers import `runner_agents` as a user's agent
    argv = ["eval", "--agent", "runner_agents:EnterTextOnceAgent", "--tasks", "enter-text", "--seeds",
            "0-1", "--workers", "1", "--max-steps", "2", "--trace", mode, "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    rows = {r["seed"]: r for r in load_rows(out)}
    assert rows[0]["success"] and not rows[1]["success"], rows
    return rows


def goal_word(row: dict) -> str:
    return row["goal"].split('"')[1]


@pytest.fixture(scope="module")
def traced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[int, dict]]]:
    out = tmp_path_factory.mktemp("runs") / "on"
    with pytest.MonkeyPatch.context() as monkeypatch:
        yield out, traced_run(out, "on", monkeypatch)


def test_trace_on_writes_each_episode_its_own_valid_trace(traced: tuple[Path, dict[int, dict]]) -> None:
    run, rows = traced
    words = {seed: goal_word(rows[seed]) for seed in SEEDS}
    assert words[0] != words[1]
    for seed in SEEDS:
        path = run / rows[seed]["artifacts"] / TRACE_FILE
        assert json.loads(rows[seed]["extra"])["trace"] == str(path.relative_to(run))
        with zipfile.ZipFile(path) as trace:
            assert trace.testzip() is None
            names = trace.namelist()
            events = [json.loads(line) for line in trace.read("trace.trace").decode().splitlines()]
            text = trace.read("trace.trace").decode()
        assert any(n.endswith(".jpeg") for n in names), names  # the screencast
        kinds = {e["type"] for e in events}
        assert {"context-options", "frame-snapshot", "before", "after"} <= kinds, kinds
        assert f"{TASK} seed {seed}" in text  # the trace's title names its episode
        # Its own episode's page, never the one prepared ahead for the next seed meanwhile.
        assert words[seed] in text and words[1 - seed] not in text, seed


def test_show_and_the_ui_say_how_to_open_a_trace_and_serve_it_confined(
    traced: tuple[Path, dict[int, dict]],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    run, rows = traced
    trace = (run / rows[1]["artifacts"] / TRACE_FILE).resolve()
    browsers = tmp_path / "ms-playwright"
    (browsers / "chromium_headless_shell-1200").mkdir(parents=True)  # the shell cannot show a viewer
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(browsers))
    assert main(["show", str(run), "--episodes"]) == 0
    commands = [
        line.split("trace: ", 1)[1] for line in capsys.readouterr().out.splitlines() if "trace: " in line
    ]
    assert len(commands) == 2  # a shell command, quoted: the agent's folder name has a `~`
    # Without Playwright's own Chromium, `show-trace PATH` fails: the viewer is served on a port.
    assert shlex.split(commands[1]) == [
        "python", "-m", "playwright", "show-trace", "--port", "9322", str(trace),
    ]  # fmt: skip

    # A run folder beside the traced one whose database points an episode's files outside the run.
    tampered = run.parent / "tampered"
    tampered.mkdir()
    (tampered / "results.sqlite").write_bytes((run / "results.sqlite").read_bytes())
    with RunStore(tampered) as store:
        store.db.execute("UPDATE episodes SET artifacts = ?", (f"../{run.name}/{rows[1]['artifacts']}",))
        store.db.commit()
    server = ServerThread(ServerConfig(), extensions=[ui_extension(UiRoots.of([run.parent]))])
    server.start()
    try:
        with httpx.Client(base_url=f"{server.url}/ui/", timeout=60) as client:
            key = rows[1]["key"]
            detail = client.get("api/episode", params={"run": str(run), "key": key}).json()
            assert detail["trace"]["name"] == TRACE_FILE and detail["trace"]["bytes"] == trace.stat().st_size
            assert detail["trace"]["command"] == commands[1]
            served = client.get("api/file", params={"run": str(run), "key": key, "name": TRACE_FILE})
            assert served.status_code == 200 and served.content == trace.read_bytes()
            assert served.headers["content-type"] == "application/zip"
            assert "attachment" in served.headers["content-disposition"]
            assert "enter-text-1.zip" in served.headers["content-disposition"]
            escaped = client.get("api/file", params={"run": str(tampered), "key": key, "name": TRACE_FILE})
            assert escaped.status_code == 404 and "outside the run directory" in escaped.json()["error"]
            for name in (f"../0/{TRACE_FILE}", str(trace.parent.parent / "0" / TRACE_FILE)):
                answer = client.get("api/file", params={"run": str(run), "key": key, "name": name})
                assert answer.status_code == 404 and "outside" in answer.json()["error"], name
            untraced = client.get("api/episode", params={"run": str(tampered), "key": key}).json()
            assert untraced["trace"] is None
    finally:
        server.stop()
    # With Playwright's own Chromium the viewer opens in a window.
    (browsers / "chromium-1200").mkdir()
    assert shlex.split(show_trace_command(trace)) == ["python", "-m", "playwright", "show-trace", str(trace)]


def test_trace_failures_keeps_only_the_failed_episodes_trace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = tmp_path / "failures"
    rows = traced_run(run, "failures", monkeypatch)
    assert not (run / rows[0]["artifacts"] / TRACE_FILE).exists()
    assert "trace" not in json.loads(rows[0]["extra"])
    with zipfile.ZipFile(run / rows[1]["artifacts"] / TRACE_FILE) as trace:
        assert "trace.trace" in trace.namelist()
    assert sorted(p.relative_to(run).parts[-2] for p in run.rglob(TRACE_FILE)) == ["1"]
    _report_and_ui_mark_the_traced_episode_only(run, rows)


def _report_and_ui_mark_the_traced_episode_only(run: Path, rows: dict[int, dict]) -> None:
    """`palaestra report` links the kept trace (from the index and the episode's page, relative, so
    report and run move together) and the UI's run page marks which episode has one."""
    trace = (run / rows[1]["artifacts"] / TRACE_FILE).resolve()
    for out in (run / "report" / "index.html", run.parent / "elsewhere" / "report.html"):
        assert main(["report", str(run), "--out", str(out)]) == 0
        index = out.read_text()
        (href,) = re.findall(r'<a class="trace" href="([^"]+)"', index)
        assert (out.parent / url2pathname(href)).resolve() == trace
        pages = {p.name: p.read_text() for p in (out.parent / "episodes").iterdir()}
        traced = [name for name, text in pages.items() if 'class="trace"' in text]
        assert len(pages) == 2 and len(traced) == 1 and "enter-text" in traced[0]
        (page_href,) = re.findall(r'<a class="trace" href="([^"]+)"', pages[traced[0]])
        assert (out.parent / "episodes" / url2pathname(page_href)).resolve() == trace
        assert "python -m playwright show-trace" in pages[traced[0]]
    server = ServerThread(ServerConfig(), extensions=[ui_extension(UiRoots.of([run.parent]))])
    server.start()
    try:
        with httpx.Client(base_url=f"{server.url}/ui/", timeout=60) as client:
            detail = client.get("api/run", params={"run": str(run)}).json()
    finally:
        server.stop()
    marked = {e["seed"]: e["trace"] for e in detail["episodes"]}
    assert marked == {0: False, 1: True}


def test_trace_modes_are_checked_before_anything_runs() -> None:
    agents = [AgentEntry("random")]
    with pytest.raises(UnknownNameError, match=r"Unknown trace mode `failure`\. Did you mean: `failures`"):
        build_run_config(None, None, {"trace": "failure", "out": "x"}, agents)
    with pytest.raises(UnknownNameError, match="trace mode `yes`"):  # a run file or PALAESTRA_TRACE too
        build_run_config({"trace": "yes", "out": "x"}, None, None, agents)
    served = {"trace": "on", "out": "x", "env_server": "http://127.0.0.1:1"}
    with pytest.raises(ConfigError, match="--trace on cannot reach environments served by --env-server"):
        build_run_config(None, None, served, agents)
    desktop = {"trace": "failures", "out": "x", "suite": "desktop", "tasks": ("term-mkdir",)}
    with pytest.raises(ConfigError, match=r"desktop\.term-mkdir runs in DesktopEnv, which has no browser"):
        build_run_config(None, None, desktop, agents)
    assert build_run_config(None, None, {**desktop, "trace": "off"}, agents).settings.trace == "off"
    assert build_run_config(None, None, {"trace": "on", "out": "x"}, agents).settings.trace == "on"


def test_a_bad_trace_flag_gets_a_did_you_mean(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["eval", "--agent", "random", "--tasks", "click-test", "--trace", "onn", "--dry-run"]
    assert main(argv) == 2
    assert "Unknown trace mode `onn`. Did you mean: `on`?" in capsys.readouterr().err
