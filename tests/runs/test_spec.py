"""Run configuration: run files, environment variables and flags, checked key by key."""

from __future__ import annotations

import fcntl
import io
import os
import pty
import re
import select
import struct
import termios
from pathlib import Path

import pytest

from palaestra.config import ConfigError
from palaestra.errors import SuiteUnavailable, UnknownNameError
from palaestra.runs.artifacts import ArtifactPathError, confined, episode_dir, safe_part
from palaestra.runs.progress import Progress
from palaestra.runs.records import EpisodeOutcome, StepRecord
from palaestra.runs.runner import pending_episodes
from palaestra.runs.spec import (
    AgentEntry,
    agents_from,
    build_run_config,
    load_run_file,
    parse_seeds,
    resolve_tasks,
    settings_from_env,
)


def test_seeds_parse_ranges_lists_and_numbers() -> None:
    assert parse_seeds("0-3,7, 9-10") == [0, 1, 2, 3, 7, 9, 10]
    assert parse_seeds(5) == [5] and parse_seeds([3, 1, 3]) == [1, 3]
    with pytest.raises(ConfigError, match="names no seeds"):
        parse_seeds(",")


def test_run_file_then_environment_then_flags(tmp_path: Path) -> None:
    toml = tmp_path / "run.toml"
    toml.write_text(
        'out = "from-file"\nseeds = [1, 2]\nworkers = 3\ntasks = ["click-*"]\nmax_steps = 7\n'
        '[[agents]]\nname = "random"\nargs = { seed = 4 }\n'
    )
    config = build_run_config(
        load_run_file(toml), settings_from_env({"PALAESTRA_WORKERS": "1", "HOME": "/x"}), {"out": "from-flag"}
    )
    s = config.settings
    assert (s.out, s.seeds, s.workers, s.max_steps, s.tasks) == ("from-flag", "1,2", 1, 7, ("click-*",))
    assert config.agents == (AgentEntry("random", (("seed", "4"),), "random"),)
    assert len(config.episodes()) == 2 * len(set(e.task for e in config.episodes()))
    assert all(e.task.startswith("miniwob.click-") for e in config.episodes())


def test_yaml_run_file_and_unknown_keys(tmp_path: Path) -> None:
    yaml_file = tmp_path / "run.yaml"
    yaml_file.write_text("out: o\nworkrs: 2\nagents: [oracle]\n")
    unknown = "Unknown key `workrs` in run settings. Did you mean: `workers`"
    with pytest.raises(ConfigError, match=re.escape(unknown)):
        build_run_config(load_run_file(yaml_file))
    with pytest.raises(ConfigError, match=re.escape("use a .toml, .yaml or .yml file")):
        load_run_file(yaml_file.rename(tmp_path / "run.json"))
    with pytest.raises(ConfigError, match="needs at least one agent"):
        build_run_config({"out": "o"})
    with pytest.raises(UnknownNameError, match=re.escape("Unknown backend `rey`. Did you mean: `ray`")):
        build_run_config({"out": "o", "backend": "rey", "agents": ["oracle"]})


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [
        ("workers", -1, "workers must be >= 0"),  # once hung with no output
        ("max_steps", 0, "max_steps must be >= 1"),
        ("step_timeout", -5, "step_timeout must be > 0 seconds"),
        ("retries", -1, "retries must be >= 0"),
        ("budget_tokens", -10, "budget_tokens must be >= 0"),
        ("repeat_stop", -3, "repeat_stop must be >= 0 (0: off)"),
        ("parse_stop", -1, "parse_stop must be >= 0 (0: off)"),
    ],
)
def test_numbers_out_of_range_stop_the_run_before_it_starts(key: str, value: float, says: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(says)):
        build_run_config({"out": "o", "agents": ["oracle"], key: value})
    build_run_config({"out": "o", "agents": ["oracle"], "workers": 0})  # 0 means one per core


def test_two_configurations_of_one_agent_get_distinct_labels() -> None:
    a, b = agents_from([{"name": "random", "args": ["seed=1"]}, {"name": "random", "args": ["seed=2"]}], "x")
    assert a.label != b.label and a.label.startswith("random-") and a.config_hash != b.config_hash
    with pytest.raises(ConfigError, match="appear twice"):
        agents_from([{"name": "random", "label": "r"}, {"name": "oracle", "label": "r"}], "x")


def test_pending_episodes_retry_only_infrastructure_errors_with_tries_left() -> None:
    config = build_run_config({"out": "o", "tasks": ["click-test"], "seeds": "0-4", "agents": ["oracle"]})
    keys = [e.key for e in config.episodes()]
    status = {
        keys[0]: ("done", "", 1),
        keys[1]: ("error", "browser_crashed", 1),
        keys[2]: ("error", "browser_crashed", 3),
        keys[3]: ("error", "agent_error", 1),
    }
    todo, skipped = pending_episodes(config.episodes(), status, retries=2)
    assert [e.key for e in todo] == [keys[1], keys[4]] and skipped == 3


def test_artifact_paths_stay_inside_the_run(tmp_path: Path) -> None:
    assert safe_part("../../etc") == "_.._etc" and safe_part("..") == "_"
    folder = episode_dir(tmp_path, "../evil", "miniwob.click-test", 3)
    assert tmp_path.resolve() in folder.parents and folder.name == "3"
    with pytest.raises(ArtifactPathError, match="outside the run directory"):
        confined(tmp_path, "../outside.txt")


def test_progress_logs_lines_off_a_terminal_and_redraws_on_one() -> None:
    outcome = EpisodeOutcome("a|t|0", "a", "a", "h", "t", 0, outcome="success", success=True, reward=1.0)
    outcome.steps = [StepRecord(0, "click('1')", tokens_in=10, tokens_out=5, cost=0.01)]
    log = io.StringIO()
    progress = Progress(total=2, stream=log, live=False)
    progress.update(outcome, will_retry=False)
    assert log.getvalue().startswith("[1/2] a t seed=0: success reward=1 steps=1")
    assert "success 100%" in log.getvalue() and "15 tokens $0.0100" in log.getvalue()
    screen = io.StringIO()
    live = Progress(total=2, stream=screen, live=True)
    live.update(outcome, will_retry=False)
    assert screen.getvalue().startswith("\r\x1b[2K[1/2] done 1 failed 0 errored 0")


def test_the_live_line_fits_the_terminal() -> None:
    """A status line wider than the terminal wraps, and `\r` then redraws only its last row: every
    update would leave a copy behind. On a real 60-column terminal (a pty), it is cut to fit."""
    main, secondary = pty.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 60, 0, 0))
    with open(secondary, "w", encoding="utf-8", closefd=True) as screen:
        progress = Progress(total=9, stream=screen)  # a terminal: drawn live
        assert progress.live
        for agent in ("oracle", "random", "generic-with-a-long-label"):
            outcome = EpisodeOutcome(
                f"{agent}|t|0", agent, agent, "h", "t", 0, outcome="success", success=True
            )
            outcome.steps = [StepRecord(0, "click('1')", tokens_in=1000, tokens_out=50, cost=0.01)]
            progress.update(outcome, will_retry=False)
    drawn = b""
    while chunk := _read_ready(main):
        drawn += chunk
    os.close(main)
    lines = [line for line in drawn.decode().split("\r\x1b[2K") if line]
    assert len(lines) == 3 and lines[-1].startswith("[3/9] done 3 failed 0 errored 0 | success oracle")
    assert all(len(line) == 59 and line.endswith("…") for line in lines), lines


def _read_ready(fd: int) -> bytes:
    """What the terminal shows next; b"" once all is read (Linux: EIO when the other end is closed)."""
    try:
        return os.read(fd, 4096) if select.select([fd], [], [], 0.5)[0] else b""
    except OSError:
        return b""


def test_progress_shows_each_agents_success_apart() -> None:
    log = io.StringIO()
    progress = Progress(total=3, stream=log, live=False)
    for agent, success in (("oracle", True), ("random", False), ("oracle", True)):
        outcome = EpisodeOutcome(f"{agent}|t|0", agent, agent, "h", "t", 0, success=success)
        outcome.outcome = "success" if success else "failure"
        progress.update(outcome, will_retry=False)
    lines = log.getvalue().splitlines()
    assert "| success 100% |" in lines[0]  # one agent so far: its rate alone
    assert "| success oracle 100% random 0% |" in lines[-1]  # not one pooled 67%


def test_tasks_resolve_by_short_name_in_the_suite_and_by_full_name_in_any() -> None:
    assert resolve_tasks("miniwob", ["click-test", "tools.calculate"]) == [
        "miniwob.click-test",
        "tools.calculate",
    ]
    assert resolve_tasks("tools", ["calc*"]) == ["tools.calculate"]
    with pytest.raises(UnknownNameError, match="calculate"):
        resolve_tasks("miniwob", ["calculate"])  # a short name stays in its suite


def test_an_unknown_full_name_suggests_from_its_own_suite(monkeypatch: pytest.MonkeyPatch) -> None:
    """`--tasks osworld-json.multiplx` in a run whose suite is miniwob: the suggestions and the
    listing command are osworld-json's, not miniwob's; a suite with no tasks here says why."""
    with pytest.raises(UnknownNameError) as caught:
        resolve_tasks("miniwob", ["osworld-json.multiplx"])
    assert "Did you mean: `osworld-json.multiply`" in str(caught.value)
    assert "`palaestra list tasks --suite osworld-json`" in str(caught.value)
    from palaestra.tasks import registry

    registry.all_tasks()
    monkeypatch.setitem(registry._unavailable, "absent", "set ABSENT_TASKS to its folder.")
    with pytest.raises(SuiteUnavailable, match="The suite `absent` has no tasks here: set ABSENT_TASKS"):
        resolve_tasks("miniwob", ["absent.*"])


def test_a_run_of_tasks_that_ignore_their_seed_defaults_to_one_seed(monkeypatch: pytest.MonkeyPatch) -> None:
    """`TaskSpec.seeded`: a suite of one's own whose tasks pose a fixed problem runs each task once by
    default, as WebArena's do, while a seeded suite keeps five seeds and an explicit list is kept."""
    from palaestra.tasks import registry
    from palaestra.tasks.registry import TaskSpec

    registry.list_tasks("*")  # the installed suites first, so that ours is added to them
    fixed = TaskSpec("fixedsuite.one", "fixedsuite", "palaestra.tasks.page:PageTask", seeded=False)
    monkeypatch.setitem(registry._registry, fixed.name, fixed)

    def seeds(*tasks: str, **more: str) -> list[int]:
        return build_run_config({"out": "o", "agents": ["random"], "tasks": list(tasks), **more}).seeds

    assert seeds("fixedsuite.one") == [0]
    assert seeds("shop.*") == [0]  # the site suites' specs say so too
    assert seeds("miniwob.click-test") == [0, 1, 2, 3, 4]
    assert seeds("fixedsuite.one", "miniwob.click-test") == [0, 1, 2, 3, 4]  # a seeded task: five
    assert seeds("fixedsuite.one", seeds="3-4") == [3, 4]


def test_an_agent_at_a_run_files_top_level_says_where_agents_go(tmp_path: Path) -> None:
    toml = tmp_path / "run.toml"
    toml.write_text('agent = "random"\nseeds = "0-2"\n')
    with pytest.raises(ConfigError, match=r"`agent` is not a run setting; agents go in \[\[agents\]\]"):
        build_run_config(load_run_file(toml))
