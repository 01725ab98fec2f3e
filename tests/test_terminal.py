"""What a model wrote reaches the reader's terminal as text, never as terminal commands."""

from __future__ import annotations

from pathlib import Path

import pytest

from palaestra.cli import main
from palaestra.terminal import printable
from palaestra.testing import ScriptedLLMServer, reply_text

#: Retitle the window, erase the line and write over it, write the clipboard (OSC 52), reorder text.
HOSTILE = "\x1b]0;owned\x07\r\x1b[2K\x1b[32m✓ success\x1b[0m \x1b]52;c;cm0gLXJmIH4=\x07 \u202eevil\u202c"


def test_show_prints_a_models_answer_without_its_control_characters(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = tmp_path / "run"
    with ScriptedLLMServer(reply_text(f"{HOSTILE}\nnoop(0)")) as server:
        argv = ["eval", "--agent", "synapse", "--agent-arg", "model=scripted-model",
                "--agent-arg", f"base_url={server.base_url}", "--agent-arg", "max_reasks=0",
                "--tasks", "click-test", "--seeds", "0", "--workers", "1", "--max-steps", "1",
                "--no-screenshots", "--out", str(run)]  # fmt: skip
        assert main(argv) == 0
    capsys.readouterr()
    assert main(["show", str(run), "--prompts", "click-test:0"]) == 0
    out = capsys.readouterr().out
    assert "owned" in out and "\\x1b]0;owned\\x07" in out and "\\u202eevil" in out  # shown, escaped
    assert not any(c in out for c in "\x1b\x07\r\u202e\u202c")


def test_printable_keeps_text_newlines_and_tabs() -> None:
    assert printable("a\tb\nc é ✓ 名") == "a\tb\nc é ✓ 名"
    assert printable("\x00\x1b\x7f\x9b\r\u2066") == "\\x00\\x1b\\x7f\\x9b\\x0d\\u2066"
