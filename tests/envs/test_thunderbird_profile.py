"""The Thunderbird profile built for an episode and the argv Thunderbird starts with: the prefs
that keep its start quiet and offline are in prefs.js as Thunderbird reads them, the generated mail
is in mbox files it reads (`check_thunderbird_folder`'s reader finds every message), a file a task
copied into the profile is kept, and a task's own profile options give way to the episode's.
Pure files: Thunderbird itself starts in tests/tasks/test_osworld_thunderbird_episodes."""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

import pytest

from palaestra.envs.desktop import thunderbird_profile
from palaestra.tasks.desktop.osworld.thunderbird_metrics import read_messages, read_prefs


def test_the_profile_is_quiet_offline_and_holds_the_generated_mail(tmp_path: Path) -> None:
    root = thunderbird_profile.seed_profile(tmp_path)
    assert root == tmp_path / ".thunderbird" / "t5q2a5hp.default-release"
    prefs = read_prefs((root / "prefs.js").read_text())
    assert prefs["mail.shell.checkDefaultClient"] is False and prefs["mail.provider.enabled"] is False
    assert (
        prefs["mail.server.server1.login_at_startup"] is False
        and prefs["mail.server.server1.check_new_mail"] is False
    )
    assert prefs["mail.server.server1.hostname"] == "127.0.0.1"
    assert prefs["mail.identity.id1.useremail"] == "alex.rivera@example.test"
    assert "Path=t5q2a5hp.default-release" in (tmp_path / ".thunderbird" / "profiles.ini").read_text()
    inbox = read_messages((root / "Mail/Local Folders/Inbox").read_text(), {})
    receipts = read_messages((root / "Mail/Local Folders/Receipts").read_text(), {})
    assert len(inbox) == 6 and len(receipts) == 2
    assert any("Subject: Big discount on garden tools" in m for m in inbox)
    # The same profile every time: an episode's first observation repeats.
    again = thunderbird_profile.seed_profile(tmp_path / "again")
    assert (again / "Mail/Local Folders/Inbox").read_text() == (root / "Mail/Local Folders/Inbox").read_text()


def test_a_file_the_task_brought_into_the_profile_is_kept(tmp_path: Path) -> None:
    inbox = tmp_path / thunderbird_profile.PROFILE / "Mail/Local Folders/Inbox"
    inbox.parent.mkdir(parents=True)
    inbox.write_text("From - Thu Jan  1 00:00:00 2026\nSubject: ours\n\nhi\n")
    root = thunderbird_profile.seed_profile(tmp_path)
    assert inbox.read_text().count("From - ") == 1
    assert (root / "Mail/Local Folders/Receipts").is_file() and (root / "prefs.js").is_file()


@pytest.fixture
def thunderbird_app(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(Path(thunderbird_profile.__file__).parent))  # the session's siblings
    return importlib.import_module("thunderbird_app")


def test_the_launch_uses_the_episodes_profile_alone(thunderbird_app: ModuleType, tmp_path: Path) -> None:
    argv = thunderbird_app.launch_argv(["thunderbird", "-P", "work", "--no-remote", "-compose"], tmp_path)
    profile = str(tmp_path / thunderbird_profile.PROFILE)
    assert argv == [
        "/usr/bin/thunderbird",
        "--profile",
        profile,
        "--no-remote",
        "--class",
        "thunderbird",
        "-compose",
    ]
    assert thunderbird_app.is_thunderbird(["/usr/bin/thunderbird"]) and not thunderbird_app.is_thunderbird(
        ["gimp"]
    )
