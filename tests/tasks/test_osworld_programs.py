"""A task file that loads but whose commands run programs this desktop lacks is noted by the folder
scan (`python -m palaestra.tasks.desktop.osworld`): OSWorld's 28cc3b7e judges with ``pactl`` and
scored 0 here whatever the agent did, while the scan said only "ok"; so did a4d98375, whose
``gsettings`` is installed but reads GNOME Shell's schema, which is not."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from palaestra.tasks.desktop.osworld import load_task, programs
from palaestra.tasks.desktop.osworld.__main__ import main
from palaestra.tasks.desktop.osworld.programs import (
    command_words,
    gsettings_schemas,
    installed_schemas,
    missing_programs,
    shell_words,
    unplayable_notes,
)

ABSENT = "palaestra-no-such-program"
#: OSWorld's 28cc3b7e judge command, as it wrote it.
VOLUME = (
    "pulseaudio --start\npactl list sinks | grep '^[[:space:]]Volume:' | head -n 1 | awk '{print $5}' "
    "| sed 's/%//g'"
)


def task(judged_by: str, setup: list[str] | None = None) -> dict[str, Any]:
    return {
        "id": "t1",
        "snapshot": "os",
        "instruction": "Do it.",
        "config": [{"type": "execute", "parameters": {"command": c, "shell": True}} for c in setup or []],
        "related_apps": ["os"],
        "evaluator": {
            "func": "exact_match",
            "result": {"type": "vm_command_line", "command": judged_by, "shell": True},
            "expected": {"type": "rule", "rules": {"expected": "yes\n"}},
        },
    }


def test_the_programs_of_shell_text_are_the_first_words_of_its_commands() -> None:
    assert shell_words(VOLUME) == ["pulseaudio", "pactl", "grep", "head", "awk", "sed"]
    assert shell_words("echo 'password' | sudo -S -u root apt-get install -y expect") == [
        "echo",
        "sudo",
        "apt-get",
    ]
    assert shell_words("X=1; [ $(stat -c '%A' f | cut -b 3) = w ] && echo ok || echo no") == [
        "[",
        "stat",
        "cut",
        "=",
        "echo",
        "echo",
    ]
    assert shell_words("if [ -x a ]; then nautilus .; fi") == ["if", "[", "then", "nautilus", "fi"]
    assert shell_words("grep 'a|b' f") == ["grep"]  # a quoted bar is no pipe
    assert shell_words("echo ok; gedit 'unbalanced") == ["echo", "gedit"]  # the words before the bad quote
    assert command_words(["bash", "-c", "gedit x"]) == ["gedit"]
    assert command_words(["gsettings", "get", "a", "b"]) == ["gsettings"]


@pytest.mark.parametrize(
    ("judged_by", "setup", "missing"),
    [
        (f"{ABSENT} --volume | head -n 1", [], [ABSENT]),
        ("[ -x ~/a ] && echo yes", [f"echo password | sudo -S {ABSENT}-2 x"], [f"{ABSENT}-2"]),
        ("test -d ~/Desktop && echo yes || echo no", ["mkdir -p ~/x", "./setup.sh"], []),
    ],
)
def test_missing_programs_are_those_not_on_this_machine(
    tmp_path: Path, judged_by: str, setup: list[str], missing: list[str]
) -> None:
    (tmp_path / "t1.json").write_text(json.dumps(task(judged_by, setup)))
    assert missing_programs(load_task(tmp_path / "t1.json")) == missing


def test_the_folder_scan_notes_them_under_ok(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "t1.json").write_text(json.dumps(task(f"{ABSENT} list sinks")))
    assert main([str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("ok    osworld-json.t1")
    assert lines[1] == f"      note: its commands run {ABSENT}, not installed here (they fail)"


#: OSWorld's a4d98375 judge command: gsettings is installed, GNOME Shell's schema is not.
FAVOURITES = "gsettings get org.gnome.shell favorite-apps"


def test_the_schemas_gsettings_calls_name_are_read_from_any_command() -> None:
    assert gsettings_schemas(["gsettings", "get", "org.gnome.shell", "favorite-apps"]) == ["org.gnome.shell"]
    text = "gsettings set org.gnome.desktop.interface text-scaling-factor 1.5; gsettings get a.b:/p/ k"
    assert gsettings_schemas(["sh", "-c", text]) == ["org.gnome.desktop.interface", "a.b"]
    assert gsettings_schemas(["gsettings", "list-schemas"]) == []


@pytest.mark.parametrize(
    ("judged_by", "says"),
    [
        (FAVOURITES, "settings schema org.gnome.shell, not installed here (gsettings fails: no such schema)"),
        ("timedatectl | head -n 4", "timedatectl, which asks systemd"),
        ("gsettings get org.gnome.desktop.interface text-scaling-factor", None),
    ],
)
def test_commands_this_desktop_cannot_serve_are_noted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, judged_by: str, says: str | None
) -> None:
    """The programs exist, so only what they need (a schema, systemd) tells the task apart. A
    ``timedatectl`` of our own stands on PATH (it is never run) and systemd is absent, so the test
    means the same on a machine booted with systemd."""
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "timedatectl").write_text("#!/bin/sh\nexit 1\n")
    (tmp_path / "bin" / "timedatectl").chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:{os.environ['PATH']}")
    monkeypatch.setattr(programs, "SYSTEMD_RUNNING", str(tmp_path / "no-systemd"))
    assert shutil.which("gsettings"), "gsettings (libglib2.0-bin) is installed by scripts/setup"
    assert "org.gnome.desktop.interface" in installed_schemas()
    (tmp_path / "t1.json").write_text(json.dumps(task(judged_by)))
    notes = unplayable_notes(load_task(tmp_path / "t1.json"))
    assert notes == [] if says is None else len(notes) == 1 and says in notes[0]
