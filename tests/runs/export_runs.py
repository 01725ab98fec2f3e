"""The real runs `palaestra export`'s tests read, built once per worker (the session fixtures
`export_server`, `export_run` and `reasked_vision_run` of this folder's ``conftest.py``): three
test modules read them and none changes them (a test that edits a run edits a copy)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from palaestra.cli import main
from palaestra.testing import ScriptedLLMServer, reply_text
from palaestra.testing.script import ScriptRequest, content_text

TASKS = "click-collapsible,click-test,enter-text"


def click_the_button(request: ScriptRequest) -> Any:
    """A model that clicks the button when the goal says "Click the button." (click-test: right at
    once), and otherwise an element that is not there (an error that changes nothing, to the limit)."""
    prompt = content_text(request.messages[1]["content"])
    found = re.search(r"\[(\w+)\] button", prompt)
    target = found.group(1) if found and "# Goal\nClick the button." in prompt else "999"
    return reply_text(f"I click {target}.\n```\nclick('{target}')\n```")


def run_reasked_vision_agent(out: Path) -> list[ScriptRequest]:
    """Run the generic agent with the screenshot on click-test into ``out``, its first answer no
    action (asked again: the last request holds the image once, then the failed answer and the
    re-ask); returns the chat requests the model got."""

    def late(request: ScriptRequest) -> Any:
        return reply_text("Hmm." if len(request.messages) == 2 else click_the_button(request).text)

    with ScriptedLLMServer(late) as llm:
        argv = ["eval", "--agent", "generic", "--agent-arg", "model=scripted-model", "--agent-arg",
                f"base_url={llm.base_url}", "--agent-arg", "vision=screenshot", "--agent-arg",
                "parse_retries=1", "--tasks", "click-test", "--seeds", "0", "--max-steps", "1",
                "--workers", "1", "--out", str(out)]  # fmt: skip
        assert main(argv) == 0
        return list(llm.chat_requests)


def run_oracle_and_generic(out: Path, server: ScriptedLLMServer) -> Path:
    """One run: the oracle and the generic agent, each on three tasks, seeds 0-1 (12 episodes)."""
    argv = ["eval", "--agent", "oracle", "--agent", "generic", "--agent-arg", "model=scripted-model",
            "--agent-arg", f"base_url={server.base_url}", "--tasks", TASKS, "--seeds", "0-1",
            "--max-steps", "2", "--workers", "1", "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    return out
