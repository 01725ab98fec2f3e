"""OSWorld's file cache read offline: internet URLs of ``download`` steps (config and postconfig)
and ``cloud_file`` getters resolve to the files OSWorld caches per task, exactly where OSWorld puts
them; a missing file, a name leaving the folder and no cache at all are typed errors saying what to
do; and the coverage script's placeholders and table, on task files shaped as OSWorld's."""

from __future__ import annotations

import base64
import importlib.util
import json
import random
import uuid
from pathlib import Path
from typing import Any

import pytest

from palaestra.tasks.desktop.base import DesktopOutcome
from palaestra.tasks.desktop.live_steps import PutFile, RunCommand, wire
from palaestra.tasks.desktop.osworld import (
    CACHE_ENV,
    MissingCachedFileError,
    PathOutsideHomeError,
    UnsupportedEvaluatorError,
    UnsupportedStepError,
    load_task,
    scan_folder,
)
from palaestra.tasks.desktop.osworld.__main__ import main as scanner

TASK_ID = "0b35aee5-6f2a-4c71-b2da-aed0105fdbde"
DATA_URL = "https://drive.usercontent.google.com/download?id=1UiD&export=download&confirm=t"
GOLD_URL = "https://drive.google.com/uc?id=1HTle3&export=download"
SCRIPT_URL = "https://drive.usercontent.google.com/download?id=1Dakv&export=download"


def osworld_task(**evaluator: Any) -> dict[str, Any]:
    """A task file as OSWorld writes them: a download from Google Drive, a launch, and a judge
    comparing the saved file with a gold copy fetched by ``cloud_file``."""
    return {
        "id": TASK_ID,
        "snapshot": "os",
        "instruction": "Write hello into notes.txt on the Desktop.",
        "source": "authors",
        "config": [
            {
                "type": "download",
                "parameters": {"files": [{"url": DATA_URL, "path": "/home/user/Desktop/notes.txt"}]},
            },
            {"type": "launch", "parameters": {"command": ["mousepad", "/home/user/Desktop/notes.txt"]}},
        ],
        "trajectory": "trajectories/",
        "related_apps": ["os"],
        "evaluator": evaluator
        or {
            "func": "compare_text_file",
            "result": {"type": "vm_file", "path": "/home/user/Desktop/notes.txt", "dest": "notes.txt"},
            "expected": {"type": "cloud_file", "path": GOLD_URL, "dest": "notes_gold.txt"},
        },
    }  # fmt: skip


def write(folder: Path, data: dict[str, Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{data['id']}.json"
    path.write_text(json.dumps(data))
    return path


def cache_file(cache: Path, name: str, content: str) -> Path:
    path = cache / TASK_ID / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)
    return path


def download_name(url: str, vm_path: str) -> str:
    """OSWorld's name for a downloaded file, spelt out here rather than imported from the code."""
    return f"{uuid.uuid5(uuid.NAMESPACE_URL, url)}_{vm_path.rsplit('/', 1)[-1]}"


def test_urls_resolve_to_osworlds_cached_files_and_the_task_is_judged_with_them(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache_file(cache, download_name(DATA_URL, "/home/user/Desktop/notes.txt"), "draft\n")
    cache_file(cache, "notes_gold.txt", "hello\n")
    task = load_task(write(tmp_path / "tasks", osworld_task()), cache=cache)
    setup = task.setup(__import__("random").Random(0))
    assert setup.files == {"Desktop/notes.txt": b"draft\n"}
    home = tmp_path / "home"
    (home / "Desktop").mkdir(parents=True)
    outcome = DesktopOutcome(home=home, elements=[], windows=[], messages=[])
    (home / "Desktop" / "notes.txt").write_text("draft\n")
    assert task.evaluate(outcome).reward == 0.0
    (home / "Desktop" / "notes.txt").write_text("hello\n")
    assert task.evaluate(outcome).reward == 1.0


def test_a_missing_cached_file_names_the_url_the_exact_path_and_how_to_fill_it(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache_file(cache, download_name(DATA_URL, "/home/user/Desktop/notes.txt"), "draft\n")
    path = write(tmp_path / "tasks", osworld_task())
    with pytest.raises(MissingCachedFileError) as caught:
        load_task(path, cache=cache)
    expected = (cache / TASK_ID / "notes_gold.txt").resolve()
    assert caught.value.url == GOLD_URL and caught.value.expected == expected
    assert str(expected) in str(caught.value) and "curl -L -o" in str(caught.value)
    assert "evaluator.expected" in str(caught.value)


def test_without_a_cache_internet_files_are_refused_and_the_message_names_the_option(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(CACHE_ENV, raising=False)
    path = write(tmp_path / "tasks", osworld_task())
    with pytest.raises(UnsupportedStepError, match="over the internet are not supported") as caught:
        load_task(path)
    assert CACHE_ENV in str(caught.value) and "--cache" in str(caught.value)


def test_the_environment_variable_and_the_scanners_flag_name_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "cache"
    cache_file(cache, download_name(DATA_URL, "/home/user/Desktop/notes.txt"), "draft\n")
    cache_file(cache, "notes_gold.txt", "hello\n")
    folder = tmp_path / "tasks"
    write(folder, osworld_task())
    monkeypatch.setenv(CACHE_ENV, str(cache))
    tasks, errors = scan_folder(folder)
    assert [t.spec.id for t in tasks] == [TASK_ID] and errors == []
    monkeypatch.delenv(CACHE_ENV)
    assert scanner([str(folder)]) == 1 and "0 playable, 1 left out" in capsys.readouterr().out
    assert scanner(["--cache", str(cache), str(folder)]) == 0
    assert "1 playable, 0 left out" in capsys.readouterr().out


def test_cached_names_stay_inside_the_cache_folder(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache_file(cache, download_name(DATA_URL, "/home/user/Desktop/notes.txt"), "draft\n")
    (tmp_path / "secret.txt").write_text("not yours\n")
    climbing = osworld_task()
    climbing["evaluator"]["expected"]["dest"] = "../../secret.txt"
    with pytest.raises(PathOutsideHomeError, match="plain file name"):
        load_task(write(tmp_path / "a", climbing), cache=cache)
    (cache / TASK_ID / "notes_gold.txt").symlink_to(tmp_path / "secret.txt")
    with pytest.raises(PathOutsideHomeError, match="outside OSWorld's cache folder"):
        load_task(write(tmp_path / "b", osworld_task()), cache=cache)


def test_compare_table_reads_a_cached_workbooks_type_from_its_dest(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache_file(cache, download_name(DATA_URL, "/home/user/Desktop/notes.txt"), "draft\n")
    cache_file(cache, "Sales_gold.xlsx", "")
    data = osworld_task(
        func="compare_table",
        result={"type": "vm_file", "path": "/home/user/Sales.xlsx", "dest": "Sales.xlsx"},
        expected={"type": "cloud_file", "path": GOLD_URL, "dest": "Sales_gold.xlsx"},
        options={"rules": [{"type": "sheet_data", "sheet_idx0": 0, "sheet_idx1": "EI0"}]},
    )
    assert load_task(write(tmp_path / "a", data), cache=cache).spec.judge.checks[0].name == "compare_table"
    data["evaluator"]["expected"]["dest"] = "Sales_gold.ods"  # converted to xlsx when judged
    cache_file(cache, "Sales_gold.ods", "")
    assert load_task(write(tmp_path / "b", data), cache=cache).spec.judge.checks[0].name == "compare_table"
    data["evaluator"]["expected"]["dest"] = "Sales_gold.pdf"
    cache_file(cache, "Sales_gold.pdf", "")
    with pytest.raises(UnsupportedEvaluatorError, match=r"Sales_gold\.pdf"):
        load_task(write(tmp_path / "c", data), cache=cache)


def test_a_sheet_print_task_reads_its_cached_gold_workbook_and_export(tmp_path: Path) -> None:
    """OSWorld's shape for ``sheet_print``: the result and the gold each a workbook and its sheet's
    CSV export (``multi``; the getter gives the workbook, the rule finds the CSV beside it)."""
    cache = tmp_path / "cache"
    cache_file(cache, download_name(DATA_URL, "/home/user/Desktop/notes.txt"), "draft\n")
    for name in ("Sales_gold.xlsx", "Sales_gold-Sheet1.csv"):
        cache_file(cache, name, "")
    data = osworld_task(
        func="compare_table",
        result={"type": "vm_file", "path": ["/home/user/Sales.xlsx", "/home/user/Sales-Sheet1.csv"],
                "dest": ["Sales.xlsx", "Sales-Sheet1.csv"], "multi": True},
        expected={"type": "cloud_file", "path": [GOLD_URL, DATA_URL],
                  "dest": ["Sales_gold.xlsx", "Sales_gold-Sheet1.csv"], "multi": True},
        options={"rules": [{"type": "sheet_print", "sheet_idx0": 0, "sheet_idx1": "EI0"}]},
    )  # fmt: skip
    task = load_task(write(tmp_path / "a", data), cache=cache)
    expected = task.spec.judge.checks[0].expected
    assert expected is not None and expected.read(None) == str(cache.resolve() / TASK_ID / "Sales_gold.xlsx")
    data["evaluator"]["expected"]["dest"] = ["Sales_gold.pdf", "Sales_gold-Sheet1.csv"]
    cache_file(cache, "Sales_gold.pdf", "")
    with pytest.raises(UnsupportedEvaluatorError, match=r"Sales_gold\.pdf"):
        load_task(write(tmp_path / "b", data), cache=cache)


def test_a_postconfig_download_copies_the_cached_script_in_before_the_verdict(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache_file(cache, download_name(DATA_URL, "/home/user/Desktop/notes.txt"), "draft\n")
    cache_file(cache, download_name(SCRIPT_URL, "eval.sh"), "grep -q hello Desktop/notes.txt && echo ok\n")
    data = osworld_task(
        postconfig=[
            {"type": "download", "parameters": {"files": [{"url": SCRIPT_URL, "path": "eval.sh"}]}},
            {"type": "execute", "parameters": {"command": "chmod +x eval.sh", "shell": True}},
        ],
        func="check_include_exclude",
        result={"type": "vm_command_line", "command": "bash eval.sh", "shell": True},
        expected={"type": "rule", "rules": {"include": ["ok"], "exclude": []}},
    )
    task = load_task(write(tmp_path / "a", data), cache=cache)
    put, chmod = task.final_steps()
    assert isinstance(put, PutFile) and put.target == "eval.sh" and isinstance(chmod, RunCommand)
    sent = wire(put)
    assert sent["do"] == "put_file" and base64.b64decode(sent["content"]).startswith(b"grep -q hello")
    with pytest.raises(UnsupportedStepError, match="cache folder"):
        load_task(write(tmp_path / "b", data))


def load_script() -> Any:
    path = Path(__file__).parents[2] / "scripts" / "osworld_coverage.py"
    spec = importlib.util.spec_from_file_location("osworld_coverage", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_coverage_script_fills_placeholders_where_osworld_caches_and_tabulates(tmp_path: Path) -> None:
    coverage = load_script()
    tasks, cache = tmp_path / "examples", tmp_path / "cache"
    write(tasks / "os", osworld_task())
    vscode = osworld_task()
    vscode["id"], vscode["snapshot"] = "vscode-1", "windows_snapshot"
    write(tasks / "vs_code", vscode)
    assert coverage.fill_placeholders(tasks, cache) == 4
    assert (cache / TASK_ID / download_name(DATA_URL, "/home/user/Desktop/notes.txt")).is_file()
    assert (cache / TASK_ID / "notes_gold.txt").is_file()
    totals, reasons = coverage.scan(tasks, cache)
    assert totals["os"]["loaded"] == 1 and totals["vs_code"]["refused"] == 1
    assert reasons["vs_code"] == {"OSWorldTaskError at snapshot": 1}
    table = coverage.report(totals, reasons, 5)
    assert "| os | 1 | 1 | 0 |" in table and "| **all** | 2 | 1 | 1 |" in table


def test_on_the_desktop_the_postconfig_puts_the_cached_script_in_home_and_the_judge_runs_it(
    tmp_path: Path,
) -> None:
    from palaestra.envs.desktop import DesktopEnv

    cache = tmp_path / "cache"
    cache_file(cache, download_name(DATA_URL, "/home/user/Desktop/notes.txt"), "hello\n")
    script_text = "grep -q hello Desktop/notes.txt && echo ok\n"
    cache_file(cache, download_name(SCRIPT_URL, "checks/eval.sh"), script_text)
    put = {"files": [{"url": SCRIPT_URL, "path": "checks/eval.sh"}]}
    data = osworld_task(
        postconfig=[{"type": "download", "parameters": put}],
        func="check_include_exclude",
        result={"type": "vm_command_line", "command": "bash checks/eval.sh", "shell": True},
        expected={"type": "rule", "rules": {"include": ["ok"], "exclude": []}},
    )  # fmt: skip
    env = DesktopEnv(load_task(write(tmp_path / "tasks", data), cache=cache))
    try:
        env.reset(seed=0)
        assert env._home is not None and not (Path(env._home) / "checks").exists()
        _obs, reward, terminated, _truncated, info = env.step("done()")
        assert terminated and reward == 1.0 and info["success"], info["task_info"]
        script = Path(env._home) / "checks" / "eval.sh"
        assert script.read_text().startswith("grep -q hello")
        assert script.stat().st_uid == script.parent.stat().st_uid == Path(env._home).stat().st_uid
    finally:
        env.close()


def test_osworlds_thunderbird_profile_archive_from_the_cache_is_the_episodes_own_profile(
    tmp_path: Path,
) -> None:
    """From OSWorld's cache the archive is played as OSWorld plays it (unpacked by the task's own
    command); the episode then writes no profile of its own beside it. Without the cache it is
    refused (test_osworld_thunderbird_metrics)."""
    cache = tmp_path / "cache"
    target = "/home/user/thunderbird-profile.tar.gz"
    cache_file(cache, download_name(DATA_URL, "/home/user/Desktop/notes.txt"), "draft\n")
    cache_file(cache, "notes_gold.txt", "hello\n")
    assert (
        load_task(write(tmp_path / "plain", osworld_task()), cache=cache).setup(random.Random(0)).own_profiles
        == ()
    )
    cache_file(cache, download_name(DATA_URL, target), "an archive")
    data = osworld_task()
    data["config"][0]["parameters"]["files"][0]["path"] = target
    setup = load_task(write(tmp_path / "tasks", data), cache=cache).setup(random.Random(0))
    assert setup.own_profiles == ("thunderbird",)
    assert setup.files == {"thunderbird-profile.tar.gz": b"an archive"}
