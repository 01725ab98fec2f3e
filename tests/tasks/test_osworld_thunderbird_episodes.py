"""The thunderbird domain on a real Xvfb with Debian's real Thunderbird: it starts quietly on the
profile built for the episode (no account wizard, no start page, Local Folders' Inbox open), its
folder pane and message list are in the accessibility tree and clicks by element id land on the row
named (an expanded folder row's box spans its subfolders' rows); `check_accessibility_tree` reads
its window; each bundled task scores 0 for an agent that says done at once and 1 for its oracle,
through vm_file on prefs.js (after the postconfig closes Thunderbird by OSWorld's window class),
msgFilterRules.dat and a new folder's mbox file. One desktop session serves all."""

from __future__ import annotations

import json
import tarfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from palaestra.envs.desktop import DesktopEnv, thunderbird_profile
from palaestra.tasks.desktop.oracles import find
from palaestra.tasks.desktop.osworld import BUNDLED, load_folder, load_task

from .osworld_play import done_fails_and_the_oracle_solves

THUNDERBIRD = {t.spec.id: t for t in load_folder(BUNDLED) if "thunderbird" in t.spec.related_apps}
FOLDERS = ["Local Folders", "Inbox, 6 unread messages", "Trash", "Outbox", "Receipts"]


@pytest.fixture(scope="module")
def env() -> Iterator[DesktopEnv]:
    shared = DesktopEnv(THUNDERBIRD["thunderbird-new-folder"])
    yield shared
    shared.close()


def test_the_thunderbird_tasks() -> None:
    assert sorted(THUNDERBIRD) == [
        "thunderbird-discount-filter",
        "thunderbird-new-folder",
        "thunderbird-remote-content",
    ]


def test_thunderbird_starts_quietly_with_its_folder_tree_and_mail(env: DesktopEnv) -> None:
    env.task = THUNDERBIRD["thunderbird-new-folder"]
    obs, _info = env.reset(seed=0)
    assert obs["focused_window"] == "Inbox - Local Folders - Mozilla Thunderbird"
    frames = [e["name"] for e in obs["elements"] if e["role"] == "frame"]
    assert frames == ["Inbox - Local Folders - Mozilla Thunderbird"]  # no wizard, no other window
    assert [e["name"] for e in obs["elements"] if e["role"] == "tree item" and e["name"]] == FOLDERS
    subjects = {e["name"] for e in obs["elements"] if e["role"] == "static"}
    assert {"Team lunch on Friday", "Big discount on garden tools", "Password expiry notice"} <= subjects
    assert not any("Set Up Another Account" in e["name"] for e in obs["elements"])
    # Local Folders' box spans its subfolders' rows: the click lands on its own row, not on Trash's.
    obs = click_and_see(env, find(obs, "tree item", "Local Folders"), obs["focused_window"])
    assert obs["focused_window"] == "Local Folders - Mozilla Thunderbird", obs["last_action_error"]
    obs = click_and_see(env, find(obs, "tree item", "Receipts"), obs["focused_window"])
    assert obs["focused_window"] == "Receipts - Local Folders - Mozilla Thunderbird"
    assert {"Your order #4411", "Ticket receipt"} <= {
        e["name"] for e in obs["elements"] if e["role"] == "static"
    }


def click_and_see(env: DesktopEnv, element: str, title: str) -> dict[str, Any]:
    """Clicks the element, then waits (a few `WAIT` steps at most) while the window keeps its old
    title: Thunderbird retitles its window after it has opened the folder, which on a loaded machine
    can come after the step's observation (a click on the wrong row would still show its own title)."""
    obs, *_ = env.step(f"click('{element}')")
    for _ in range(5):
        if obs["focused_window"] != title or obs["last_action_error"]:
            break
        obs, *_ = env.step("WAIT")
    return obs


def test_check_accessibility_tree_reads_thunderbirds_window(env: DesktopEnv, tmp_path: Path) -> None:
    """Three rules judged on one fresh window (one Thunderbird start, not one per verdict): the
    Receipts folder's row and the Inbox heading hold, a Receipts heading does not (the heading
    names the open folder, the Inbox); each rule's own score is in the verdict's checks."""
    data = json.loads((BUNDLED / "thunderbird-new-folder.json").read_text())
    rules = [
        {"selectors": ["tree-item[name=Receipts]"]},
        {"selectors": ["heading"], "text": "Inbox"},
        {"selectors": ["heading"], "text": "Receipts"},
    ]
    data["evaluator"] = {
        "func": ["check_accessibility_tree"] * len(rules),
        "result": [{"type": "accessibility_tree"}] * len(rules),
        "expected": [{"type": "rule", "rules": rule} for rule in rules],
    }
    (tmp_path / "tree.json").write_text(json.dumps(data))
    env.task = load_task(tmp_path / "tree.json")
    env.reset(seed=0)
    _obs, reward, _terminated, _truncated, info = env.step("done()")
    checks = info["task_info"]["checks"]
    assert [(c["func"], c["score"]) for c in checks] == [
        ("check_accessibility_tree", 1.0),
        ("check_accessibility_tree", 1.0),
        ("check_accessibility_tree", 0.0),
    ], checks
    assert reward == 0.0


@pytest.mark.parametrize("task_id", sorted(THUNDERBIRD))
def test_waiting_fails_and_the_oracle_solves_it(env: DesktopEnv, task_id: str) -> None:
    done_fails_and_the_oracle_solves(env, THUNDERBIRD[task_id])


def test_osworlds_profile_archive_from_its_cache_is_played_as_the_profile(
    env: DesktopEnv, tmp_path: Path
) -> None:
    """An OSWorld task file, unmodified in form: the profile archive comes from OSWorld's cache, the
    task's own tar unpacks it, and Thunderbird opens it with none of the locally built profile mixed
    in (its Receipts folder is absent; the archive's Invoices folder is there)."""
    task_id = "d9b7c649-c975-4f53-88f5-940b29c47247"
    url = "https://drive.usercontent.google.com/download?id=1EHL&export=download&confirm=t"
    archive_path = "/home/user/thunderbird-profile.tar.gz"
    made = tmp_path / "made"
    root = thunderbird_profile.seed_profile(made)
    (root / thunderbird_profile.LOCAL_FOLDERS / "Receipts").rename(
        root / thunderbird_profile.LOCAL_FOLDERS / "Invoices"
    )
    cached = (
        tmp_path / "cache" / task_id / f"{uuid.uuid5(uuid.NAMESPACE_URL, url)}_thunderbird-profile.tar.gz"
    )
    cached.parent.mkdir(parents=True)
    with tarfile.open(cached, "w:gz") as archive:
        archive.add(made / ".thunderbird", arcname=".thunderbird")
    data = json.loads((BUNDLED / "thunderbird-new-folder.json").read_text())
    data["id"] = task_id
    data["config"] = [
        {"type": "download", "parameters": {"files": [{"url": url, "path": archive_path}]}},
        {
            "type": "execute",
            "parameters": {
                "command": ["tar", "-xzv", "--recursive-unlink", "-f", archive_path, "-C", "/home/user/"]
            },
        },
        {"type": "launch", "parameters": {"command": ["/usr/bin/thunderbird"]}},
    ]
    data["evaluator"] = {
        "func": "check_accessibility_tree",
        "result": {"type": "accessibility_tree"},
        "expected": {"type": "rule", "rules": {"selectors": ["tree-item[name=Invoices]"]}},
    }
    (tmp_path / "task.json").write_text(json.dumps(data))
    env.task = load_task(tmp_path / "task.json", cache=tmp_path / "cache")
    obs, _info = env.reset(seed=0)
    folders = [e["name"] for e in obs["elements"] if e["role"] == "tree item" and e["name"]]
    assert "Invoices" in folders and "Receipts" not in folders, folders
    _obs, reward, *_ = env.step("done()")
    assert reward == 1.0
