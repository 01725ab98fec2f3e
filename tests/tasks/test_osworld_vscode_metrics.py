"""OSWorld's VS Code metrics on real files as code-server writes them (pure data), and the loader:
OSWorld's vs_code task files load with the `vscode` snapshot and `code` launches, and bad rules
are refused (the ``vscode_config`` getter: test_osworld_vscode_config.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from palaestra.tasks.desktop.osworld import load_task
from palaestra.tasks.desktop.osworld.errors import OSWorldTaskError
from palaestra.tasks.desktop.osworld.getters import FilePath
from palaestra.tasks.desktop.osworld.vscode_metrics import (
    check_json_keybindings,
    check_json_settings,
    compare_answer,
    compare_config,
    is_extension_installed,
)

#: What VS Code writes above a keybindings file's list.
KEYBINDINGS_HEADER = "// Place your key bindings in this file to override the defaults\n"


def write(path: Path, text: str) -> FilePath:
    path.write_text(text)
    return FilePath(str(path))


def test_check_json_settings_wants_every_expected_key(tmp_path: Path) -> None:
    settings = write(tmp_path / "settings.json", json.dumps({"editor.wordWrapColumn": 50, "a": 1}))
    assert check_json_settings(settings, {"expected": {"editor.wordWrapColumn": 50}}) == 1.0
    assert check_json_settings(settings, {"expected": {"editor.wordWrapColumn": 80}}) == 0.0
    assert check_json_settings(settings, {"expected": {"files.autoSave": "afterDelay"}}) == 0.0
    assert check_json_settings(settings, {"expected": {}}) == 1.0
    assert check_json_settings(FilePath(str(tmp_path / "missing.json")), {"expected": {}}) == 0.0
    commented = write(tmp_path / "c.json", '// a comment\n{"editor.wordWrapColumn": 50}')
    assert check_json_settings(commented, {"expected": {"editor.wordWrapColumn": 50}}) == 0.0  # as OSWorld


def test_check_json_keybindings_skips_vscodes_header_line(tmp_path: Path) -> None:
    entry = {"key": "ctrl+j", "command": "workbench.action.focusActiveEditorGroup", "when": "terminalFocus"}
    plain = write(tmp_path / "plain.json", json.dumps([entry]))
    headed = write(tmp_path / "keybindings.json", KEYBINDINGS_HEADER + json.dumps([entry], indent=4))
    assert check_json_keybindings(plain, {"expected": entry}) == 1.0
    assert check_json_keybindings(headed, {"expected": entry}) == 1.0
    assert check_json_keybindings(headed, {"expected": dict(entry, when="editorFocus")}) == 0.0
    assert check_json_keybindings(write(tmp_path / "o.json", "{}"), {"expected": entry}) == 0.0


def test_compare_config_compare_answer_and_is_extension_installed(tmp_path: Path) -> None:
    assert compare_config(write(tmp_path / "p.txt", "project"), {"expected": "project"}) == 1.0
    assert compare_config(write(tmp_path / "q.txt", "project\n"), {"expected": "project"}) == 0.0
    assert compare_answer("42", {"expected": "42"}) == 1.0 and compare_answer("", {"expected": ""}) == 0.0
    listing = "ms-python.python\nundefined_publisher.test\n"
    assert is_extension_installed(listing, {"type": "contain", "expected": "undefined_publisher.test"}) == 1.0
    assert is_extension_installed(listing, {"type": "not_contain", "expected": "ms-python.python"}) == 0.0
    assert is_extension_installed(None, {"type": "contain", "expected": "x"}) == 0.0


def task_file(tmp_path: Path, evaluator: dict[str, object]) -> Path:
    data = {
        "id": "vscode-task",
        "snapshot": "vscode",
        "instruction": "Do it in VS Code.",
        "config": [{"type": "launch", "parameters": {"command": ["code"]}}],
        "related_apps": ["vs_code"],
        "evaluator": evaluator,
    }
    path = tmp_path / "task.json"
    path.write_text(json.dumps(data))
    return path


def test_osworlds_vscode_tasks_load_and_bad_extension_rules_are_refused(tmp_path: Path) -> None:
    settings = {"type": "vm_file", "path": "/home/user/.config/Code/User/settings.json", "dest": "s.json"}
    rule = {"type": "rule", "rules": {"expected": {"editor.wordWrapColumn": 50}}}
    task = load_task(
        task_file(tmp_path, {"func": "check_json_settings", "result": settings, "expected": rule})
    )
    assert task.spec.related_apps == ("vs_code",)
    listing = {"type": "vm_command_line", "command": ["code", "--list-extensions"]}
    bad = {"type": "rule", "rules": {"type": "includes", "expected": "a.b"}}
    with pytest.raises(OSWorldTaskError, match="contain"):
        load_task(task_file(tmp_path, {"func": "is_extension_installed", "result": listing, "expected": bad}))


def test_an_extension_to_install_from_the_gallery_is_refused_one_from_a_vsix_file_loads(
    tmp_path: Path,
) -> None:
    listing = {"type": "vm_command_line", "command": ["code", "--list-extensions", "|", "grep", "a.b"]}
    rule = {"type": "rule", "rules": {"type": "contain", "expected": "a.b"}}
    evaluator = {"func": "is_extension_installed", "result": listing, "expected": rule}
    with pytest.raises(OSWorldTaskError, match="extension gallery"):
        load_task(task_file(tmp_path, evaluator))
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "a.vsix").write_bytes(b"PK")
    path = task_file(tmp_path, evaluator)
    data = json.loads(path.read_text())
    download = {"files": [{"url": "files/a.vsix", "path": "/home/user/a.vsix"}]}
    data["config"].insert(0, {"type": "download", "parameters": download})
    path.write_text(json.dumps(data))
    assert load_task(path).spec.id == "vscode-task"
    not_there = dict(
        evaluator, expected={"type": "rule", "rules": {"type": "not_contain", "expected": "a.b"}}
    )
    assert load_task(task_file(tmp_path, not_there)).spec.id == "vscode-task"  # uninstalling needs none
