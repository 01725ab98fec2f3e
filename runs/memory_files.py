"""Exemplars as JSON files: `palaestra memory export` writes a memory's exemplars one per line,
`palaestra memory build --exemplars FILE` adds exemplars written by hand or by another tool.

Synapse's own exemplars were JSON files that people wrote and edited; here a memory is a folder of
FAISS, SQLite and metadata, so without a file format the only ways in were recording episodes.
One line is one `Exemplar.to_dict()`; only `goal` is required. For Synapse a step needs `state` (the
abstracted state, as the agent's prompt shows it) and `action` (the calls, ids as in the state);
the memory agent also reads the element records (`targets`, `page`) that recorded episodes carry.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, TextIO

from palaestra.config import ConfigError
from palaestra.memory import Exemplar, ExemplarMemory
from palaestra.memory.errors import ExemplarMemoryError
from palaestra.memory.exemplar import validate

EXAMPLE = (
    '{"goal": "Click on the \\"ok\\" button.", "suite": "miniwob", "task": "click-button", '
    '"trajectory": [{"state": "[21] button ok", "action": "click(\'21\')"}]}'
)


def read_exemplar_file(path: str | Path) -> list[Exemplar]:
    """The exemplars in a JSON Lines file (one object a line) or a JSON file holding a list of them;
    a bad entry is refused with its file, line and the fix, before anything is added."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"--exemplars {path}: no such file. It holds one exemplar a line, e.g. {EXAMPLE}")
    text = path.read_text(encoding="utf-8")
    entries: list[tuple[int, Any]] = []
    whole = _whole_json(text)
    if isinstance(whole, dict):  # Synapse's own file, or one exemplar (over several lines)
        _refuse_synapse_file(whole, path)
        if len(text.strip().splitlines()) > 1:
            return [_exemplar(whole, str(path))]
    if text.lstrip().startswith("["):
        try:
            entries = [(0, entry) for entry in json.loads(text)]
        except json.JSONDecodeError as err:
            raise ConfigError(f"{path}: not JSON ({err}).") from err
    else:
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                entries.append((number, json.loads(line)))
            except json.JSONDecodeError as err:
                raise ConfigError(
                    f"{path}, line {number}: not JSON ({err}). Each line is one exemplar, e.g. {EXAMPLE}"
                ) from err
    exemplars = []
    for index, (number, entry) in enumerate(entries):
        where = f"{path}, line {number}" if number else f"{path}, entry {index + 1}"
        exemplars.append(_exemplar(entry, where))
    return exemplars


def _whole_json(text: str) -> Any:
    """The file read as one JSON value, or None when it is not one (JSON lines are not)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return None


def _refuse_synapse_file(data: dict[str, Any], path: Path) -> None:
    """Synapse's `exemplars.json` (task name -> {"demo": [...]}) cannot be read as exemplars: its
    states are its own environment's HTML and its actions XPath calls for Selenium."""
    if "goal" in data or not any(isinstance(v, dict) and "demo" in v for v in data.values()):
        return
    raise ConfigError(
        f"{path} looks like Synapse's own exemplars.json (exemplars filed under task names). Its states "
        "are its environment's HTML and its actions XPath calls (`click_xpath(...)`), which do not run "
        "here. Record demonstrations instead (`palaestra memory build DIR --oracles 'TASKS'`, a run's "
        "--record-demos, or the UI's Save), or write exemplars in this format, one a line: " + EXAMPLE
    )


def _exemplar(entry: Any, where: str) -> Exemplar:
    if not isinstance(entry, dict):
        raise ConfigError(
            f"{where}: an exemplar is a JSON object, got {type(entry).__name__}. E.g. {EXAMPLE}"
        )
    if "goal" not in entry:
        raise ConfigError(
            f"{where}: no `goal` (the task as the agent reads it; retrieval embeds it). E.g. {EXAMPLE}"
        )
    try:
        exemplar = Exemplar.from_dict(entry)
        validate(exemplar)
    except ExemplarMemoryError as err:
        raise ConfigError(f"{where}: {err}") from err
    for number, step in enumerate(exemplar.trajectory, 1):
        if not isinstance(step, dict) or not isinstance(step.get("action"), str):
            raise ConfigError(
                f"{where}: trajectory step {number} needs an `action` string (and a `state`, what the "
                f"agent saw), got {json.dumps(step)[:80]}. E.g. {EXAMPLE}"
            )
    return exemplar


def export_memory(path: str | Path, out: TextIO | None = None) -> int:
    """Write every exemplar of the memory at ``path`` as one JSON line (no embedding model is
    loaded); `--exemplars` reads the file back."""
    memory = ExemplarMemory.open(path)  # the embedder loads its model on first use: never here
    out = out or sys.stdout
    try:
        for exemplar_id in memory.ids():
            out.write(json.dumps(memory.get(exemplar_id).to_dict(), ensure_ascii=False) + "\n")
        return len(memory)
    finally:
        memory.close()
