"""OSWorld's kept command outputs: a postconfig ``execute`` with ``"stdout": NAME`` keeps what the
command printed, the ``cache_file`` getter reads it back by that name, and ``check_list`` checks
its lines against ``expect``/``unexpect`` patterns (OSWorld lists a mail folder or the processes
this way). A getter reading an output no command keeps is refused at load; one real episode runs
the whole path on the desktop."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from palaestra.envs.desktop import DesktopEnv
from palaestra.tasks.desktop.osworld import OSWorldTaskError, load_task
from palaestra.tasks.desktop.osworld.getters import KeptOutput
from palaestra.tasks.desktop.osworld.text_checks import check_list

LISTING = "/home/user/Desktop:\nReports\nnotes.txt\n\n/home/user/Desktop/Reports:\nq3.pdf\n"


def task(folders: list[str], rules: dict[str, Any], keep: str = "desk.ls") -> dict[str, Any]:
    """A task file as OSWorld writes its listing checks: the postconfig lists a folder into the
    cache under a name, and ``check_list`` reads it back with ``cache_file``."""
    made = " ".join(f"/home/user/Desktop/{name}" for name in folders)
    return {
        "id": "kept-listing",
        "snapshot": "os",
        "instruction": "Make a Reports folder on the Desktop.",
        "config": [
            {"type": "execute", "parameters": {"command": f"mkdir -p {made}", "shell": True}},
            {"type": "launch", "parameters": {"command": ["galculator"]}},
        ],
        "related_apps": ["os"],
        "evaluator": {
            "postconfig": [
                {
                    "type": "execute",
                    "parameters": {"command": ["ls", "-R", "/home/user/Desktop"], "stdout": keep},
                }
            ],
            "func": "check_list",
            "result": {"type": "cache_file", "path": "desk.ls"},
            "expected": {"type": "rule", "rules": rules},
        },
    }


def write(tmp_path: Path, data: dict[str, Any], name: str = "task.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


def test_check_list_wants_every_expected_pattern_in_some_line_and_no_unexpected_one() -> None:
    listing = KeptOutput(LISTING)
    assert check_list(listing, {"expect": [r"^Reports$", r"q3\.pdf"]}) == 1.0
    assert check_list(listing, {"expect": [r"^Reports$", r"^Invoices$"]}) == 0.0
    assert check_list(listing, {"expect": [r"^Reports$"], "unexpect": [r"\.pdf$"]}) == 0.0
    assert check_list(listing, {"unexpect": [r"thunderbird"]}) == 1.0
    assert check_list(None, {"expect": []}) == 0.0
    assert check_list(KeptOutput(""), {"expect": [r"Reports"]}) == 0.0


def test_cache_file_must_read_an_output_a_postconfig_command_keeps(tmp_path: Path) -> None:
    load_task(write(tmp_path, task(["Reports"], {"expect": ["Reports"]})))
    with pytest.raises(OSWorldTaskError, match=r"'desk\.ls', which no postconfig command keeps.*\"stdout\""):
        load_task(write(tmp_path, task(["Reports"], {"expect": ["Reports"]}, keep="other.ls")))


def test_check_lists_rules_are_checked_at_load(tmp_path: Path) -> None:
    with pytest.raises(OSWorldTaskError, match=r"pattern '\(unclosed'"):
        load_task(write(tmp_path, task(["Reports"], {"expect": ["(unclosed"]})))
    with pytest.raises(OSWorldTaskError, match="check_list takes"):
        load_task(write(tmp_path, task(["Reports"], {"include": ["Reports"]})))


def test_a_kept_listing_is_judged_on_the_live_desktop(tmp_path: Path) -> None:
    rules = {"expect": [r"^Reports$"], "unexpect": [r"^Trash$"]}
    right = load_task(write(tmp_path, task(["Reports"], rules), "right.json"))
    wrong = load_task(write(tmp_path, task(["Reports", "Trash"], rules), "wrong.json"))
    env = DesktopEnv(right)
    try:
        env.reset(seed=0)
        _obs, reward, terminated, _truncated, info = env.step("done()")
        assert terminated and reward == 1.0, info["task_info"]
        assert info["task_info"]["final_steps"][0]["stdout"].startswith(f"{env._home}/Desktop:\nReports\n")
        env.task = wrong
        env.reset(seed=0)
        _obs, reward, *_ = env.step("done()")
        assert reward == 0.0
    finally:
        env.close()
