"""OSWorld's Thunderbird metrics on files as Thunderbird writes them (prefs.js, msgFilterRules.dat,
mbox folders), on positive and negative inputs; the loader's side of the thunderbird domain: the
profile's paths mapped onto the episode's, OSWorld's profile archive refused with the fix named,
malformed rules refused at load. Pure data: no desktop."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from palaestra.envs.desktop import thunderbird_profile
from palaestra.tasks.desktop.base import DesktopOutcome
from palaestra.tasks.desktop.osworld import LocalProfileError, OSWorldTaskError, load_task
from palaestra.tasks.desktop.osworld.paths import THUNDERBIRD_PROFILE, thunderbird_relative
from palaestra.tasks.desktop.osworld.thunderbird_metrics import (
    check_thunderbird_filter,
    check_thunderbird_folder,
    check_thunderbird_prefs,
    read_filters,
)

PREFS = """// Mozilla User Preferences
user_pref("mail.identity.id1.fullName", "Alex \\"Al\\" Rivera");
user_pref("mailnews.message_display.disable_remote_image", false);
user_pref("mail.server.server1.port", 9);
user_pref("mail.spam.manualMark", true);
"""
FILTERS = """version="9"
logging="no"
name="Discounts"
enabled="yes"
type="17"
action="Move to folder"
actionValue="mailbox://nobody@Local%20Folders/Receipts"
condition="AND (subject,contains,discount)"
name="Say \\"hi\\""
enabled="no"
type="1"
action="Mark read"
condition="OR (from,contains,dana) OR (subject,begins with,Re:)"
"""


def mbox(*messages: tuple[str, str]) -> str:
    return "".join(
        f"From - Thu Jan  1 00:00:00 2026\nX-Mozilla-Status: {status}\nSubject: {subject}\n\n"
        f"Body of {subject}.\n\n"
        for subject, status in messages
    )


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_prefs_expected_unexpected_and_absent(tmp_path: Path) -> None:
    prefs = write(tmp_path, "prefs.js", PREFS)
    remote_allowed = {"mailnews.message_display.disable_remote_image": {"method": "eq", "ref": False}}
    assert check_thunderbird_prefs(prefs, {"expect": remote_allowed}) == 1.0
    assert (
        check_thunderbird_prefs(prefs, {"expect": {"mail.server.server1.port": {"method": "ge", "ref": 10}}})
        == 0
    )
    assert check_thunderbird_prefs(
        prefs, {"expect": {"mail.identity.id1.fullName": {"method": "re", "ref": '"Al"'}}}
    )
    # A pref at its default is not written: expected, it is missing.
    assert (
        check_thunderbird_prefs(prefs, {"expect": {"mail.biff.play_sound": {"method": "eq", "ref": True}}})
        == 0
    )
    assert (
        check_thunderbird_prefs(prefs, {"unexpect": {"mail.spam.manualMark": {"method": "eq", "ref": True}}})
        == 0
    )
    assert (
        check_thunderbird_prefs(prefs, {"unexpect": {"mail.spam.manualMark": {"method": "eq", "ref": False}}})
        == 1
    )
    assert check_thunderbird_prefs(None, {"expect": remote_allowed}) == 0.0
    assert check_thunderbird_prefs(tmp_path / "missing.js", {"expect": remote_allowed}) == 0.0


def test_filters_are_read_as_thunderbird_writes_them(tmp_path: Path) -> None:
    filters = read_filters(FILTERS)
    assert [f["name"] for f in filters] == ["Discounts", 'Say "hi"']
    assert filters[1]["condition"] == ["OR (from,contains,dana)", "OR (subject,begins with,Re:)"]
    path = write(tmp_path, "msgFilterRules.dat", FILTERS)
    wanted = {
        "name": "Discounts",
        "enabled": "yes",
        "action": "Move to folder",
        "actionValue": "mailbox://nobody@Local%20Folders/Receipts",
        "condition": ["AND (subject,contains,discount)"],
    }
    assert check_thunderbird_filter(path, {"expect": [wanted]}) == 1.0
    assert (
        check_thunderbird_filter(
            path, {"expect": [{**wanted, "actionValue": "mailbox://nobody@Local%20Folders/Trash"}]}
        )
        == 0
    )
    assert (
        check_thunderbird_filter(path, {"expect": [{**wanted, "condition": ["AND (subject,contains,sale)"]}]})
        == 0
    )
    assert check_thunderbird_filter(path, {"expect": [wanted], "unexpect": [{"enabled": "no"}]}) == 0
    assert check_thunderbird_filter(path, {"expect": [wanted], "unexpect": [{"name": "Spam"}]}) == 1
    assert check_thunderbird_filter(None, {"expect": [wanted]}) == 0.0


def test_folders_compare_their_messages(tmp_path: Path) -> None:
    ours = write(tmp_path, "Inbox", mbox(("a", "0000"), ("b", "0001")))
    assert check_thunderbird_folder(ours, write(tmp_path, "same", mbox(("b", "0001"), ("a", "0000")))) == 1.0
    assert check_thunderbird_folder(ours, write(tmp_path, "fewer", mbox(("a", "0000")))) == 0.0
    assert check_thunderbird_folder(ours, write(tmp_path, "empty", "")) == 0.0
    # Read or not: the same messages once the status headers are ignored.
    unread = write(tmp_path, "unread", mbox(("a", "0000"), ("b", "0000")))
    assert check_thunderbird_folder(ours, unread) == 0.0
    assert check_thunderbird_folder(ours, unread, ignore_status=True) == 1.0
    # A message marked deleted (0008/0009) does not count, unless asked; a duplicate counts once.
    extra = write(tmp_path, "extra", mbox(("a", "0000"), ("b", "0001"), ("c", "0009"), ("a", "0000")))
    assert check_thunderbird_folder(ours, extra) == 1.0
    assert check_thunderbird_folder(ours, extra, remove_deleted=False) == 0.0
    assert check_thunderbird_folder(ours, extra, remove_duplicate=False) == 0.0
    assert check_thunderbird_folder([ours, unread], [ours, unread]) == 1.0
    assert check_thunderbird_folder([ours, unread], [unread, ours]) == 0.0
    assert check_thunderbird_folder(None, ours) == 0.0
    assert check_thunderbird_folder(write(tmp_path, "new", ""), write(tmp_path, "new2", "")) == 1.0


def test_the_profiles_paths_map_onto_the_episodes() -> None:
    assert THUNDERBIRD_PROFILE == thunderbird_profile.PROFILE  # the loader and the session agree
    assert thunderbird_relative(".thunderbird/abcd1234.default/prefs.js") == f"{THUNDERBIRD_PROFILE}/prefs.js"
    assert thunderbird_relative(f"{THUNDERBIRD_PROFILE}/Mail/Local Folders/Inbox").endswith("Folders/Inbox")
    assert thunderbird_relative(".thunderbird/profiles.ini") == ".thunderbird/profiles.ini"
    assert thunderbird_relative("Documents/a.txt") == "Documents/a.txt"


def task(**evaluator: Any) -> dict[str, Any]:
    return {
        "id": "tb",
        "snapshot": "thunderbird",
        "instruction": "Do it.",
        "config": [{"type": "launch", "parameters": {"command": ["/usr/bin/thunderbird"]}}],
        "related_apps": ["thunderbird"],
        "evaluator": {"func": "check_thunderbird_prefs", **evaluator},
    }


def load(tmp_path: Path, data: dict[str, Any]) -> Any:
    path = tmp_path / "task.json"
    path.write_text(json.dumps(data))
    return load_task(path)


def test_a_task_reads_the_episodes_profile_whatever_its_name(tmp_path: Path) -> None:
    rules = {"expect": {"mail.spam.manualMark": {"method": "eq", "ref": True}}}
    data = task(
        result={"type": "vm_file", "path": "/home/user/.thunderbird/xyz.default-release/prefs.js"},
        expected={"type": "rule", "rules": rules},
    )
    spec = load(tmp_path, data).spec
    assert spec.plan.apps == [("thunderbird",)]
    home = tmp_path / "home"
    prefs = home / THUNDERBIRD_PROFILE / "prefs.js"
    prefs.parent.mkdir(parents=True)
    prefs.write_text(PREFS)
    outcome = DesktopOutcome(home=home, elements=[], windows=[], messages=[])
    assert load(tmp_path, data).evaluate(outcome).success


def test_osworlds_profile_archive_is_refused_with_the_fix(tmp_path: Path) -> None:
    url = "https://huggingface.co/datasets/x/resolve/main/thunderbird/thunderbird-profile.tar.gz"
    data = task(result={"type": "vm_file", "path": "/home/user/a"}, expected={"type": "rule", "rules": {}})
    data["config"] = [
        {
            "type": "download",
            "parameters": {"files": [{"url": url, "path": "/home/user/thunderbird-profile.tar.gz"}]},
        },
        {
            "type": "execute",
            "parameters": {"command": ["tar", "-xzf", "/home/user/thunderbird-profile.tar.gz"]},
        },
        *data["config"],
    ]
    with pytest.raises(
        LocalProfileError, match=r"built locally at ~/\.thunderbird/t5q2a5hp\.default-release"
    ) as caught:
        load(tmp_path, data)
    message = str(caught.value)
    assert "drop this download" in message and "config[0]" in message and "PALAESTRA_OSWORLD_CACHE" in message


def test_malformed_rules_are_refused_at_load(tmp_path: Path) -> None:
    result = {"type": "vm_file", "path": "/home/user/.thunderbird/p/prefs.js"}
    bad_method = {"expect": {"a.b": {"method": "equals", "ref": 1}}}
    with pytest.raises(OSWorldTaskError, match=r"'a.b': a rule is"):
        load(tmp_path, task(result=result, expected={"type": "rule", "rules": bad_method}))
    with pytest.raises(OSWorldTaskError, match="the rules are"):
        load(tmp_path, task(result=result, expected={"type": "rule", "rules": {"expected": {}}}))
    bad_field = {"expect": [{"nmae": "x"}]}
    data = task(result=result, expected={"type": "rule", "rules": bad_field})
    data["evaluator"]["func"] = "check_thunderbird_filter"
    with pytest.raises(OSWorldTaskError, match="unknown filter field 'nmae'"):
        load(tmp_path, data)
