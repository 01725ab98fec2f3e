"""A scripted model for the click-button tasks, shared by the tests of model spending."""

from __future__ import annotations

import re

from palaestra.testing import ScriptRequest, reply_text
from palaestra.testing.script import Answer


def click_named_button(request: ScriptRequest) -> Answer:
    """Clicks the button the goal names; says it read 1,000 tokens and wrote 100."""
    prompt = next(m["content"] for m in request.messages if m["role"] == "user")
    name = re.search(r'Click on the "([^"]+)" button', prompt)
    assert name, prompt
    found = re.search(r"\[(\w+)\] button '" + re.escape(name.group(1)) + "'", prompt)
    assert found, prompt
    return reply_text(f"```\nclick('{found.group(1)}')\n```", prompt_tokens=1000, completion_tokens=100)
