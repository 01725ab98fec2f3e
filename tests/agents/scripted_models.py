"""Scripted models shared by the agent and run tests (answers decided from the request, at the wire)."""

from __future__ import annotations

import re
from collections.abc import Callable

from palaestra.testing import ScriptRequest, context_length_exceeded, reply_text
from palaestra.testing.script import Answer
from palaestra.testing.wire import prompt_tokens


def click_named_button(request: ScriptRequest) -> Answer:
    """Clicks the button the goal names; says it read 1,000 tokens and wrote 100."""
    prompt = next(m["content"] for m in request.messages if m["role"] == "user")
    name = re.search(r'Click on the "([^"]+)" button', prompt)
    assert name, prompt
    found = re.search(r"\[(\w+)\] button '" + re.escape(name.group(1)) + "'", prompt)
    assert found, prompt
    return reply_text(f"```\nclick('{found.group(1)}')\n```", prompt_tokens=1000, completion_tokens=100)


class SmallWindow:
    """A model whose window is one token smaller than the first prompt it gets: it refuses every
    prompt longer than that, as OpenAI does (400, code `context_length_exceeded`), and gives the
    others to ``answer``."""

    def __init__(self, answer: Callable[[ScriptRequest], Answer]) -> None:
        self.window = 0
        self.answer = answer

    def __call__(self, request: ScriptRequest) -> Answer:
        size = prompt_tokens(request)
        self.window = self.window or size - 1
        if size > self.window:
            return context_length_exceeded(self.window, size)
        return self.answer(request)
