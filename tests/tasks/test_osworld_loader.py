"""Loading OSWorld task files: setup plans, judges over real files, and the typed errors (with
did-you-mean) for what this desktop does not offer, checked when a file is loaded."""

from __future__ import annotations

import json
import subprocess
import warnings
from pathlib import Path
from typing import Any

import pytest

from palaestra.envs.desktop.commands import run, swap_home
from palaestra.errors import SuiteUnavailable
from palaestra.tasks.desktop.base import CommandResult, DesktopOutcome
from palaestra.tasks.desktop.live_steps import RunCommand, WindowStep
from palaestra.tasks.desktop.osworld import (
    BUNDLED,
    FOLDER_ENV,
    OSWorldTaskError,
    PathOutsideHomeError,
    UnsupportedAppError,
    UnsupportedEvaluatorError,
    UnsupportedStepError,
    load_folder,
    load_task,
    scan_folder,
    suite_tasks,
)
from palaestra.tasks.desktop.osworld.general_metrics import fuzzy_match, indel_ratio, literal_match
from palaestra.tasks.desktop.osworld.oracles import ORACLES
from palaestra.tasks.registry import list_tasks

BASE: dict[str, Any] = {
    "id": "t1",
    "snapshot": "os",
    "instruction": "Do the thing.",
    "config": [{"type": "launch", "parameters": {"command": ["mousepad"]}}],
    "related_apps": ["os"],
    "evaluator": {
        "func": "exact_match",
        "result": {"type": "vm_command_line", "command": "cat /home/user/a.txt", "shell": True},
        "expected": {"type": "rule", "rules": {"expected": "hi\n"}},
    },
}


def write(folder: Path, data: dict[str, Any], name: str = "task.json") -> Path:
    path = folder / name
    path.write_text(json.dumps(data))
    return path


def variant(**changes: Any) -> dict[str, Any]:
    return {**json.loads(json.dumps(BASE)), **changes}


def outcome(home: Path, **kwargs: Any) -> DesktopOutcome:
    return DesktopOutcome(home=home, elements=[], windows=[], messages=[], **kwargs)


def test_the_bundled_tasks_load_have_oracles_and_make_the_suite() -> None:
    tasks = load_folder(BUNDLED)
    ids = [t.spec.id for t in tasks]
    assert len(ids) == 34 and set(ids) == set(ORACLES)
    assert list_tasks(suite="osworld-json") == [f"osworld-json.{i}" for i in ids]
    sheet = next(t for t in tasks if t.spec.id == "sheet-total")
    setup = sheet.setup(__import__("random").Random(0))
    assert setup.apps == (("gnumeric", "~/supplies.gnumeric"),) and setup.home_alias == "/home/user"
    assert b"Total" in setup.files["supplies.gnumeric"]  # type: ignore[operator]
    assert len(sheet.judge_commands()) == 2


def test_setup_steps_map_onto_the_session(tmp_path: Path) -> None:
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "data.csv").write_text("a,b\n")
    data = variant(
        config=[
            {
                "type": "download",
                "parameters": {"files": [{"url": "files/data.csv", "path": "/home/user/d.csv"}]},
            },
            {"type": "execute", "parameters": {"command": "echo hi > /home/user/a.txt", "shell": True}},
            {"type": "open", "parameters": {"path": "/home/user/d.csv"}},
            {"type": "open", "parameters": {"path": "~/Documents"}},
            {"type": "command", "parameters": {"command": ["touch", "after.txt"]}},
            {"type": "activate_window", "parameters": {"window_name": "d.csv", "strict": "true"}},
            {"type": "execute", "parameters": {"command": ["python", "-c", "import pyautogui"]}},
            {"type": "sleep", "parameters": {"seconds": 60}},
        ]
    )
    task = load_task(write(tmp_path, data))
    plan = task.spec.plan
    assert plan.files == {"d.csv": (tmp_path / "files" / "data.csv").resolve()}
    assert plan.commands == [("bash", "-c", "echo hi > /home/user/a.txt")]
    assert plan.apps == [("soffice", "--calc", "~/d.csv"), ("pcmanfm", "--no-desktop", "~/Documents")]
    # After the first app, commands and window steps keep the file's order.
    assert plan.after_apps == [
        RunCommand(("touch", "after.txt")),
        WindowStep("activate", "d.csv", strict=True),
        RunCommand(("python", "-c", "import pyautogui")),
    ]
    assert plan.delay == 10.0
    assert task.setup(__import__("random").Random(0)).steps == tuple(plan.after_apps)
    # OSWorld's files also write flags as strings; "false" is no shell.
    data["config"] = [{"type": "execute", "parameters": {"command": "ls -a ~", "shell": "false"}}]
    assert load_task(write(tmp_path, data)).spec.plan.commands == [("ls", "-a", "~")]
    with pytest.raises(OSWorldTaskError, match="proxy"):
        load_task(write(tmp_path, variant(proxy=True)))


def test_unknown_steps_getters_metrics_and_options_suggest_the_supported_names(tmp_path: Path) -> None:
    cases = [
        (
            variant(config=[{"type": "lauch", "parameters": {}}]),
            UnsupportedStepError,
            "Did you mean: `launch`",
        ),
        (
            variant(config=[{"type": "login", "parameters": {}}]),
            UnsupportedStepError,
            "signs in to a web site over the internet",
        ),
        (
            variant(evaluator={**BASE["evaluator"], "func": "exact_mach"}),
            UnsupportedEvaluatorError,
            "metric `exact_mach`.* Did you mean: `exact_match`",
        ),
        (
            variant(evaluator={**BASE["evaluator"], "result": {"type": "vm_flie", "path": "a.txt"}}),
            UnsupportedEvaluatorError,
            "getter `vm_flie`.* Did you mean: `vm_file`",
        ),
        (
            variant(evaluator={**BASE["evaluator"], "result": {"type": "url_path_parse"}}),
            UnsupportedEvaluatorError,
            "reads Chrome state that is not read here yet",
        ),
        (
            variant(evaluator={**BASE["evaluator"], "result": {"type": "info_from_website"}}),
            UnsupportedEvaluatorError,
            "a web site over the internet",
        ),
        (
            variant(evaluator={**BASE["evaluator"], "options": {"ignore_cas": True}}),
            UnsupportedEvaluatorError,
            "option of `exact_match` `ignore_cas`.* Supported options of `exact_match`: none",
        ),
        (
            variant(evaluator={**BASE["evaluator"], "postconfig": [{"type": "activate_windw"}]}),
            UnsupportedStepError,
            r"evaluator.postconfig\[0\].*postconfig step `activate_windw`.* Did you mean: `activate_window`"
            r".* Supported postconfig steps: ",
        ),
        (
            variant(
                config=[
                    {"type": "launch", "parameters": {"command": "gedit /home/user/a.txt", "shell": True}}
                ]
            ),
            UnsupportedAppError,
            "app `gedit` .*mousepad",
        ),
        (variant(related_apps=["gedit"]), UnsupportedAppError, "app `gedit` .*mousepad is this desktop"),
        (variant(snapshot="vlc"), OSWorldTaskError, "VM snapshot 'vlc'"),
        (
            variant(config=[{"type": "launch", "parameters": {"comand": ["mousepad"]}}]),
            UnsupportedStepError,
            r"config\[0\] \(launch\): unsupported parameter of `launch` `comand`. Did you mean: `command`\? "
            r"Supported parameters of `launch`: command, shell\.",
        ),
        (
            variant(
                evaluator={
                    **BASE["evaluator"],
                    "postconfig": [{"type": "sleep", "parameters": {"second": 1}}],
                }
            ),
            UnsupportedStepError,
            r"evaluator.postconfig\[0\] \(sleep\): unsupported parameter of `sleep` `second`. "
            "Did you mean: `seconds`",
        ),
        (
            variant(evaluator={**BASE["evaluator"], "func": ["exact_match", "exact_match"]}),
            OSWorldTaskError,
            "evaluator.result: must be a list of 2",
        ),
    ]
    for data, error, message in cases:
        with pytest.raises(error, match=message) as caught:
            load_task(write(tmp_path, data))
        assert str(tmp_path / "task.json") in str(caught.value)


def test_paths_are_confined_to_home_and_sources_to_the_task_folder(tmp_path: Path) -> None:
    folder = tmp_path / "tasks"
    folder.mkdir()
    (tmp_path / "secret.txt").write_text("no")
    bad_file = variant(evaluator={**BASE["evaluator"], "result": {"type": "vm_file", "path": "/etc/passwd"}})
    climbing = variant(
        config=[{"type": "download", "parameters": {"files": [{"url": "../secret.txt", "path": "x.txt"}]}}]
    )
    absolute = variant(
        config=[
            {
                "type": "download",
                "parameters": {"files": [{"url": f"file://{tmp_path}/secret.txt", "path": "x"}]},
            }
        ]
    )
    out_of_home = variant(
        config=[
            {"type": "download", "parameters": {"files": [{"url": "a", "path": "/home/user/../../etc/x"}]}}
        ]
    )
    for data in (bad_file, climbing, absolute, out_of_home):
        with pytest.raises(PathOutsideHomeError):
            load_task(write(folder, data))
    internet = variant(
        config=[
            {"type": "download", "parameters": {"files": [{"url": "https://x.org/a.txt", "path": "a.txt"}]}}
        ]
    )
    with pytest.raises(UnsupportedStepError, match="over the internet are not supported"):
        load_task(write(folder, internet))
    # A file:// URL inside the folder is fine; the session maps /home/user onto HOME, whole names only.
    (folder / "ok.txt").write_text("ok")
    fine = variant(
        config=[
            {"type": "download", "parameters": {"files": [{"url": f"file://{folder}/ok.txt", "path": "b"}]}}
        ]
    )
    assert load_task(write(folder, fine)).spec.plan.files == {"b": (folder / "ok.txt").resolve()}
    home = Path("/tmp/h")
    assert swap_home("cat /home/user/a.txt>/home/user", "/home/user", home) == "cat /tmp/h/a.txt>/tmp/h"
    assert swap_home("/home/username/a", "/home/user", home) == "/home/username/a"
    assert swap_home("~/x", "", home) == "/tmp/h/x"


def test_judges_and_or_lists_and_infeasible(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("hello world\n")
    (tmp_path / "rows.csv").write_text("name,qty\npen,3\ncup,1\n")
    data = variant(
        evaluator={
            "func": ["check_include_exclude", "check_csv", "exact_match"],
            "result": [
                {"type": "vm_file", "path": "/home/user/a.txt"},
                {"type": "vm_file", "path": "~/rows.csv"},
                {"type": "vm_command_line", "command": ["echo", "x"]},
            ],
            "expected": [
                {"type": "rule", "rules": {"include": ["hello"], "exclude": ["bye"]}},
                {
                    "type": "rule",
                    "rules": {"expect": [{"name": "pen", "qty": "3"}], "unexpect": [{"name": "ink"}]},
                },
                {"type": "rule", "rules": {"expected": "x\n"}},
            ],
        }
    )
    task = load_task(write(tmp_path, data))
    assert task.judge_commands() == (("echo", "x"),)
    said_x = {("echo", "x"): CommandResult(0, "x\n", "")}
    verdict = task.evaluate(outcome(tmp_path, command_results=said_x))  # vm_file's file is read
    assert verdict.success and verdict.reward == 1.0 and len(verdict.raw["checks"]) == 3  # type: ignore[arg-type]
    assert not task.evaluate(outcome(tmp_path, command_results=said_x, failed=True)).success
    said_y = {("echo", "x"): CommandResult(0, "y\n", "")}
    assert task.evaluate(outcome(tmp_path, command_results=said_y)).reward == 0.0
    (tmp_path / "a.txt").write_text("bye world\n")
    verdict = task.evaluate(outcome(tmp_path, command_results=said_x))
    assert verdict.reward == 0.0 and len(verdict.raw["checks"]) == 1  # type: ignore[arg-type]
    data["evaluator"]["conj"] = "or"
    task = load_task(write(tmp_path, data))
    assert task.evaluate(outcome(tmp_path, command_results=said_y)).success  # check_csv passes alone
    (tmp_path / "rows.csv").write_text("name,qty\nink,3\n")
    verdict = task.evaluate(outcome(tmp_path, command_results=said_y))
    assert verdict.reward == 0.0 and len(verdict.raw["checks"]) == 3  # type: ignore[arg-type]
    infeasible = load_task(write(tmp_path, variant(evaluator={"func": "infeasible"})))
    assert infeasible.evaluate(outcome(tmp_path, failed=True)).success
    assert not infeasible.evaluate(outcome(tmp_path, done=True)).success


def test_text_file_and_table_metrics_read_files(tmp_path: Path) -> None:
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "gold.txt").write_text("One  two\nthree\n")
    (tmp_path / "files" / "gold.csv").write_text("a,b\n1,2\n")
    (tmp_path / "got.txt").write_text("one two three")
    (tmp_path / "got.csv").write_text("a,b\n1,2\n\n")
    data = variant(
        evaluator={
            "func": ["compare_text_file", "compare_table", "compare_text_file"],
            "result": [
                {"type": "vm_file", "path": "/home/user/got.txt"},
                {"type": "vm_file", "path": "/home/user/got.csv"},
                {"type": "vm_file", "path": "/home/user/missing.txt"},
            ],
            "expected": [
                {"type": "cloud_file", "path": f}
                for f in ("files/gold.txt", "files/gold.csv", "files/gold.txt")
            ],
            "options": [{"ignore_blanks": True, "ignore_case": True}, {}, {}],
            "conj": "or",
        }
    )
    task = load_task(write(tmp_path, data))
    assert task.evaluate(outcome(tmp_path)).raw["checks"][0]["score"] == 1.0  # type: ignore[index]
    data["evaluator"]["options"][0] = {}
    data["evaluator"]["conj"] = "and"
    scores = load_task(write(tmp_path, data)).evaluate(outcome(tmp_path)).raw["checks"]
    assert [c["score"] for c in scores] == [0.0]  # type: ignore[union-attr]
    data["evaluator"]["result"][1]["path"] = "/home/user/got.xlsx"
    with pytest.raises(UnsupportedEvaluatorError, match='without "rules" it compares two CSV files'):
        load_task(write(tmp_path, data))
    # A result the agent made a link out of HOME is not read there: a score of 0, not a crash.
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "got.txt").symlink_to(tmp_path / "files" / "gold.txt")
    data["evaluator"]["result"][1]["path"] = "/home/user/got.csv"
    data["evaluator"]["options"][0] = {"ignore_blanks": True, "ignore_case": True}
    data["evaluator"]["conj"] = "or"
    verdict = load_task(write(tmp_path, data)).evaluate(outcome(tmp_path / "home"))
    assert verdict.reward == 0.0
    assert "outside the episode's HOME" in verdict.raw["checks"][0]["error"]  # type: ignore[index]
    assert indel_ratio("kitten", "sitting") == pytest.approx(2 * 4 / 13)
    assert fuzzy_match("hello", {"expected": "hello"}) == 1.0 and fuzzy_match(None, {"expected": "x"}) == 0.0
    assert literal_match(["A", "b"], ["a", "B"], type="list", ignore_case=True) == 1.0
    assert literal_match("A", "a") == 0.0


def test_the_suite_reads_the_folder_the_setting_names_and_leaves_out_what_it_cannot_play(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, BASE, "good.json")
    write(tmp_path, variant(id="web", config=[{"type": "login", "parameters": {}}]), "web.json")
    monkeypatch.setenv(FOLDER_ENV, str(tmp_path))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        specs = suite_tasks()
    assert [s.name for s in specs] == ["osworld-json.t1"] and not specs[0].seeded
    assert "1 task file(s)" in str(caught[0].message) and "login" in str(caught[0].message)
    made = specs[0].make()
    assert made.name == "osworld-json.t1"
    tasks, errors = scan_folder(tmp_path)
    assert len(tasks) == 1 and isinstance(errors[0], UnsupportedStepError)
    write(tmp_path, BASE, "again.json")
    with pytest.raises(OSWorldTaskError, match="'t1' is also the id of"):
        load_folder(tmp_path)


def test_a_folder_that_gives_no_task_makes_the_suite_unavailable_with_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not "Unknown suite `osworld-json`": the suite names the setting, the folder and the files' errors."""
    monkeypatch.setenv(FOLDER_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(SuiteUnavailable, match=r"PALAESTRA_OSWORLD_TASKS=.*nowhere names nothing.*task list"):
        suite_tasks()
    monkeypatch.setenv(FOLDER_ENV, str(tmp_path))
    with pytest.raises(SuiteUnavailable, match=r"holds no OSWorld task files \(\*\.json"):
        suite_tasks()
    write(tmp_path, variant(evaluator={**BASE["evaluator"], "func": "exact_mach"}), "typo.json")
    with pytest.raises(SuiteUnavailable, match=r"(?s)none of the 1 task file\(s\).*typo.json.*`exact_match`"):
        suite_tasks()


def test_commands_are_bounded_in_time_and_report_how_they_ended() -> None:
    said = run(subprocess.Popen, ["sh", "-c", "echo out; echo err >&2; exit 3"], 5)
    assert (said["returncode"], said["stdout"], said["stderr"], said["timed_out"]) == (
        3,
        "out\n",
        "err\n",
        False,
    )
    slow = run(subprocess.Popen, ["sleep", "30"], 0.2)
    assert slow["timed_out"] and slow["returncode"] != 0


def test_vm_file_multi_gives_picks_the_listed_paths(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("A")
    (tmp_path / "b.txt").write_text("B")
    result = {"type": "vm_file", "multi": True, "path": ["a.txt", "b.txt", "c.txt"], "dest": ["a", "b", "c"]}
    data = variant(
        evaluator={
            "func": "literal_match",
            "result": {**result, "gives": [1, 2]},
            "expected": {"type": "rule", "rules": [str(tmp_path / "b.txt"), "None"]},
            "options": {"type": "list"},
        }
    )
    assert load_task(write(tmp_path, data)).evaluate(outcome(tmp_path)).success  # c.txt is missing: None
