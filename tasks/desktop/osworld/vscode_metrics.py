"""OSWorld's VS Code metrics, written afresh with the same names, arguments and semantics, on the
files VS Code (code-server here: `palaestra.envs.desktop.vscode_app`) keeps at OSWorld's paths:

- ``check_json_settings``: a JSON file (``settings.json``, a ``.code-workspace``) holds every
  expected key with the expected value (``{"expected": {key: value}}``); other keys do not matter.
- ``check_json_keybindings``: a keybindings file (a JSON list; VS Code writes a comment line above
  it, which is skipped as OSWorld skips it) holds the expected entry exactly.
- ``compare_config``: a file's text is exactly ``rules["expected"]``.
- ``compare_answer``: a value (a command's output) is exactly ``rules["expected"]``.
- ``is_extension_installed``: a command's output contains (``"type": "contain"``) or lacks
  (``"not_contain"``) the expected text: OSWorld lists extensions with ``code --list-extensions``.

A missing or unreadable file scores 0, as on OSWorld. Like OSWorld, files are read as plain JSON:
a settings file with comments scores 0.
"""

from __future__ import annotations

import json
from typing import Any

from palaestra.tasks.desktop.osworld.errors import OSWorldTaskError
from palaestra.tasks.desktop.osworld.getters import FilePath, file_text

#: ``is_extension_installed``'s rule types.
EXTENSION_RULES = ("contain", "not_contain")


def _text(value: Any) -> str | None:
    """A getter's value as text: a file's content, or a command's output as it is."""
    if value is None or isinstance(value, FilePath):
        return file_text(value)
    return str(value)


def _json(text: str | None, skip_first_line: bool = False) -> Any:
    if text is None:
        return None
    if skip_first_line:
        text = text.split("\n", 1)[1] if "\n" in text else ""
    try:
        return json.loads(text)
    except ValueError:
        return None


def check_json_settings(path: Any, rules: dict[str, Any]) -> float:
    data = _json(file_text(path))
    if not isinstance(data, dict):
        return 0.0
    wanted = rules["expected"]
    return float(all(key in data and data[key] == value for key, value in wanted.items()))


def check_json_keybindings(path: Any, rules: dict[str, Any]) -> float:
    text = file_text(path)
    data = _json(text)
    if not isinstance(data, list):
        data = _json(text, skip_first_line=True)
    if not isinstance(data, list):
        return 0.0
    return float(rules["expected"] in data)


def compare_config(path: Any, rules: dict[str, Any]) -> float:
    text = file_text(path)
    return float(bool(text) and text == rules["expected"])


def compare_answer(value: Any, rules: dict[str, Any]) -> float:
    text = _text(value)
    return float(bool(text) and text == rules["expected"])


def is_extension_installed(value: Any, rules: dict[str, Any]) -> float:
    text = _text(value) or ""
    found = str(rules["expected"]) in text
    return float(found if rules["type"] == "contain" else not found)


def check_extension_rules(rules: Any, source: str, where: str) -> None:
    """``is_extension_installed``'s rules: ``type`` one of `EXTENSION_RULES`, and ``expected``."""
    if not isinstance(rules, dict) or rules.get("type") not in EXTENSION_RULES or "expected" not in rules:
        raise OSWorldTaskError(
            source,
            where,
            'is_extension_installed takes {"type": "contain" or "not_contain", "expected": TEXT}, '
            f"got {rules!r}",
        )


def check_expected_object(rules: Any, source: str, where: str) -> None:
    """``check_json_settings``'s rules: ``{"expected": {key: value, ...}}``."""
    if not isinstance(rules, dict) or not isinstance(rules.get("expected"), dict):
        raise OSWorldTaskError(
            source, where, f'check_json_settings takes {{"expected": {{...}}}}, got {rules!r}'
        )


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def check_gallery(data: dict[str, Any], source: str) -> None:
    """Refuse a task that checks an extension got installed (``is_extension_installed`` with
    ``contain`` on ``code --list-extensions``) when its config brings no ``.vsix`` file: the agent
    could only install it from the extension gallery, which this machine cannot reach (code-server
    runs with none, `palaestra.envs.desktop.vscode_app`)."""
    evaluator = data.get("evaluator")
    if not isinstance(evaluator, dict):
        return
    funcs, results = _as_list(evaluator.get("func")), _as_list(evaluator.get("result"))
    expecteds = _as_list(evaluator.get("expected"))
    for func, result, expected in zip(funcs, results, expecteds, strict=False):
        if func != "is_extension_installed" or not isinstance(result, dict) or not isinstance(expected, dict):
            continue
        command = result.get("command")
        words = " ".join(map(str, command)) if isinstance(command, list) else str(command)
        rules = expected.get("rules")
        wants = isinstance(rules, dict) and rules.get("type") == "contain"
        if wants and "--list-extensions" in words and ".vsix" not in json.dumps(data.get("config")):
            raise OSWorldTaskError(
                source,
                "evaluator",
                "checks that a VS Code extension got installed, and the config brings no .vsix file of "
                "it: installing it would need the extension gallery (the Marketplace), which this machine "
                "cannot reach. Download the extension's .vsix file in the config to play it.",
            )
