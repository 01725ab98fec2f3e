"""Chat messages and tools as one text prompt for a completion model, and tool calls read back.

The embedded Gemma 3 270M is the pretrained model: it has no chat template (its GGUF carries
none) and was never tuned to follow turns, so chat is served by writing the conversation as a
plain transcript ("User: ... / Assistant:") for it to continue, which a pretrained model does far
better than turn tokens it has not learnt. Tools are offered the same way: listed in the
transcript, with calls written as one JSON object per line. When the caller requires a call
(``tool_choice`` "required" or a named function) the runtime constrains decoding to that JSON
(see ``tool_call_schema``), so the answer always parses.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from ..completion import ToolCall

#: Where the model must stop: the start of the next turn in the transcript.
TURN_STOPS = ("\nUser:", "\nSystem:", "\nTool result:")
_JSON_OBJECT = re.compile(r"\{.*\}", re.DOTALL)


def message_text(content: Any) -> str:
    """A message's ``content`` (a string or typed parts) as plain text."""
    if isinstance(content, str):
        return content
    if isinstance(content, Sequence):
        return "".join(str(p.get("text", "")) for p in content if isinstance(p, Mapping))
    return ""


#: What a request holding an image is told: this model reads text only.
TEXT_ONLY = (
    "The embedded model reads text only, and the request holds an image part. Fix: configure a model "
    "that reads images (PALAESTRA_LLM_MODEL / PALAESTRA_LLM_BASE_URL, or the agent's model and "
    "base_url), or send no images (the generic agent's vision=none)."
)


def has_image(messages: Sequence[Mapping[str, Any]]) -> bool:
    """Whether a message's content holds a part other than text (an ``image_url``): the transcript
    would drop it without a word, and the model would act as if it had seen the screen."""
    for message in messages:
        content = message.get("content")
        parts = content if isinstance(content, Sequence) and not isinstance(content, str) else []
        if any(isinstance(p, Mapping) and p.get("type", "text") != "text" for p in parts):
            return True
    return False


def tool_lines(tools: Sequence[Mapping[str, Any]]) -> list[str]:
    lines = ["Functions you can call, answering with one JSON object per call:"]
    for tool in tools:
        function = tool.get("function") or {}
        parameters = json.dumps(function.get("parameters") or {}, separators=(",", ":"))
        lines.append(f"- {function.get('name')}: {function.get('description', '')} Parameters: {parameters}")
    lines.append('A call looks like {"name": "function_name", "arguments": {...}}.')
    return lines


def render_chat(
    messages: Sequence[Mapping[str, Any]], tools: Sequence[Mapping[str, Any]] | None = None
) -> str:
    """The conversation as a transcript ending with ``Assistant:``, for the model to continue."""
    lines: list[str] = []
    for message in messages:
        role = message.get("role")
        text = message_text(message.get("content")).strip()
        if role in ("system", "developer"):
            lines.append(f"System: {text}")
        elif role == "user":
            lines.append(f"User: {text}")
        elif role == "assistant":
            calls = [
                json.dumps(
                    {
                        "name": c["function"]["name"],
                        "arguments": json.loads(c["function"]["arguments"] or "{}"),
                    }
                )
                for c in message.get("tool_calls") or []
            ]
            lines.append("Assistant: " + "\n".join([t for t in [text, *calls] if t]))
        elif role == "tool":
            lines.append(f"Tool result: {text}")
    if tools:
        lines = [*tool_lines(tools), *lines]
    return "\n".join(lines) + "\nAssistant:"


def tool_call_schema(tools: Sequence[Mapping[str, Any]], tool_choice: Any) -> dict[str, Any] | None:
    """The JSON schema a required call must match, or None when the model may answer in words."""
    if not tools or tool_choice in (None, "auto", "none"):
        return None
    functions = [t.get("function") or {} for t in tools]
    if isinstance(tool_choice, Mapping):
        wanted = (tool_choice.get("function") or {}).get("name")
        functions = [f for f in functions if f.get("name") == wanted] or functions
    options = [
        {
            "type": "object",
            "properties": {
                "name": {"const": f.get("name")},
                "arguments": f.get("parameters") or {"type": "object"},
            },
            "required": ["name", "arguments"],
        }
        for f in functions
    ]
    return options[0] if len(options) == 1 else {"oneOf": options}


def read_tool_calls(text: str, tools: Sequence[Mapping[str, Any]], prefix: str) -> list[ToolCall]:
    """The calls of known tools written as JSON objects in ``text`` (one per line, or the whole text)."""
    names = {(t.get("function") or {}).get("name") for t in tools}
    candidates = [line for line in text.splitlines() if line.strip().startswith("{")] or _JSON_OBJECT.findall(
        text
    )
    calls: list[ToolCall] = []
    for candidate in candidates:
        try:
            value = json.loads(candidate)
        except ValueError:
            continue
        if not isinstance(value, dict) or value.get("name") not in names:
            continue
        arguments = value.get("arguments")
        arguments = arguments if isinstance(arguments, dict) else {}
        raw = json.dumps(arguments)
        calls.append(
            ToolCall(
                id=f"{prefix}_{len(calls)}", name=str(value["name"]), arguments=arguments, raw_arguments=raw
            )
        )
    return calls
