"""OSWorld's ``vscode_config`` getter without a desktop: which palette title the judge's command
types for an installed extension's command (by id or title, localized, a removed extension left
out), how each way the command can end becomes a typed error and a score of 0, and what the loader
accepts (a task with it is judged once, at the end) and refuses. Played for real in
test_osworld_vscode_config_episodes.py."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from palaestra.tasks.desktop.base import CommandResult, DesktopOutcome, Judging
from palaestra.tasks.desktop.osworld import load_task
from palaestra.tasks.desktop.osworld.errors import OSWorldTaskError, PathOutsideHomeError
from palaestra.tasks.desktop.osworld.vscode_command import NO_EXTENSION, NO_FILE, NO_WINDOW, palette_title
from palaestra.tasks.desktop.osworld.vscode_getters import VSCodeCommandError, command_failure

from .vscode_extension import unpack, write_vsix

BUNDLED_VSIX = Path(__file__).parents[2] / "tasks/desktop/osworld/data/files/eval.vsix"


def test_the_palette_title_of_an_installed_extensions_command(tmp_path: Path) -> None:
    extensions = tmp_path / "extensions"
    assert palette_title("OpenProject", extensions) is None  # no extensions folder at all
    unpack(extensions / "palaestra-test.eval-0.0.1")
    assert palette_title("OpenProject", extensions) == "OpenProject"
    assert palette_title("DoNothing", extensions) == "Do Nothing At All"  # %nothing%, localized
    assert palette_title("Do Nothing At All", extensions) == "Do Nothing At All"
    assert palette_title("GetColorTheme", extensions) is None
    (extensions / ".obsolete").write_text(json.dumps({"palaestra-test.eval-0.0.1": True}))
    assert palette_title("OpenProject", extensions) is None  # uninstalled, not yet deleted


def test_the_bundled_extension_is_the_tests_own(tmp_path: Path) -> None:
    """data/files/eval.vsix (task vscode-open-project) is `vscode_extension` packed: same files."""

    def files(path: Path) -> dict[str, bytes]:
        with zipfile.ZipFile(path) as vsix:
            return {name: vsix.read(name) for name in vsix.namelist()}

    assert files(BUNDLED_VSIX) == files(write_vsix(tmp_path / "eval.vsix"))


def test_each_way_the_command_ends_is_a_typed_error() -> None:
    def ended(code: int, timed_out: bool = False, stderr: str = "") -> VSCodeCommandError | None:
        return command_failure(CommandResult(code, "", stderr, timed_out), "OpenProject", "/home/user/o.txt")

    assert ended(0) is None
    kinds = {code: getattr(ended(code), "kind", None) for code in (NO_EXTENSION, NO_WINDOW, NO_FILE)}
    assert kinds == {NO_EXTENSION: "no_extension", NO_WINDOW: "no_window", NO_FILE: "no_file"}
    assert "install-extension" in str(ended(NO_EXTENSION))
    timeout = ended(-9, timed_out=True)
    assert timeout is not None and timeout.kind == "timeout"
    crashed = ended(1, stderr="Traceback...\nKeyError: 'DISPLAY'\n")
    assert crashed is not None and crashed.kind == "no_file" and "KeyError: 'DISPLAY'" in str(crashed)
    missing = command_failure(None, "OpenProject", "/home/user/o.txt")
    assert missing is not None and missing.kind == "not_run"


def task_file(tmp_path: Path, getter: dict[str, object]) -> Path:
    data = {
        "id": "vscode-config",
        "snapshot": "vscode",
        "instruction": "Open the project folder in VS Code.",
        "config": [{"type": "launch", "parameters": {"command": ["code"]}}],
        "related_apps": ["vs_code"],
        "evaluator": {
            "func": "compare_config",
            "result": getter,
            "expected": {"type": "rule", "rules": {"expected": "project"}},
        },
    }
    path = tmp_path / "task.json"
    path.write_text(json.dumps(data))
    return path


def test_the_getter_loads_judged_at_the_end_and_scores_0_on_an_error(tmp_path: Path) -> None:
    getter = {"type": "vscode_config", "vscode_extension_command": "OpenProject", "path": "/home/user/o.txt"}
    task = load_task(task_file(tmp_path, getter))
    assert task.judging is Judging.AT_END  # it types into the editor: never after every step
    [argv] = task.judge_commands()
    assert argv[0] == "python3" and argv[2:] == ("OpenProject", "~/o.txt")
    home = tmp_path / "home"
    home.mkdir()
    (home / "o.txt").write_text("project")  # what the agent might write itself: not read
    outcome = DesktopOutcome(home=home, elements=[], windows=[], messages=[], done=True)
    outcome.command_results = {argv: CommandResult(NO_EXTENSION, "", "", False)}
    verdict = task.evaluate(outcome)
    assert verdict.reward == 0.0
    [check] = verdict.raw["checks"]
    assert check["error"].startswith("VSCodeCommandError: no installed VS Code extension")
    outcome.command_results = {argv: CommandResult(0, "", "", False)}
    assert task.evaluate(outcome).reward == 1.0


@pytest.mark.parametrize(
    ("getter", "error", "says"),
    [
        ({"path": "/home/user/o.txt"}, OSWorldTaskError, "vscode_extension_command"),
        (
            {"vscode_extension_command": "Open\nProject", "path": "/home/user/o.txt"},
            OSWorldTaskError,
            "printable",
        ),
        ({"vscode_extension_command": "OpenProject", "path": "/etc/o.txt"}, PathOutsideHomeError, "outside"),
    ],
)
def test_bad_getters_are_refused_when_loaded(
    tmp_path: Path, getter: dict[str, object], error: type[Exception], says: str
) -> None:
    with pytest.raises(error, match=says):
        load_task(task_file(tmp_path, {"type": "vscode_config", **getter}))
