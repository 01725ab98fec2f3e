"""An OpenAI tool-calling agent over any MCP server: the MCP tools become the model's functions.

The smallest loop that lets a chat model with function calling play a Palaestra task through
``palaestra mcp`` or ``/mcp/{session}``: the server's instructions (the goal) are the system
message, every tool call goes to the MCP server, its text answer comes back as the tool message,
and the episode ends when the model calls ``submit`` or stops calling tools. Model output is only
ever parsed as JSON arguments, never executed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import mcp_types
from mcp import Client
from openai import AsyncOpenAI


def openai_tools(tools: Sequence[mcp_types.Tool]) -> list[dict[str, Any]]:
    """MCP tool definitions as OpenAI function tools (the input schema is already JSON Schema)."""
    return [
        {
            "type": "function",
            "function": {
                "name": tool.name,
                "description": tool.description or "",
                "parameters": tool.input_schema or {"type": "object", "properties": {}},
            },
        }
        for tool in tools
    ]


def tool_text(result: mcp_types.CallToolResult) -> str:
    """A tool result as the text a chat model reads (images are named, not inlined)."""
    parts = []
    for item in result.content:
        if isinstance(item, mcp_types.TextContent):
            parts.append(item.text)
        else:
            parts.append(f"[{item.type} content]")
    text = "\n".join(parts)
    return f"Error: {text}" if result.is_error else text


@dataclass
class AgentRun:
    messages: list[dict[str, Any]] = field(default_factory=list)
    tool_calls: list[str] = field(default_factory=list)
    submitted: bool = False


async def run_openai_agent(
    client: Client, llm: AsyncOpenAI, model: str, *, max_turns: int = 20, temperature: float = 0.0
) -> AgentRun:
    """Play until the model submits, stops calling tools, or ``max_turns`` completions were made."""
    tools = openai_tools((await client.list_tools()).tools)
    run = AgentRun(
        messages=[
            {"role": "system", "content": client.instructions or "Use the tools to do the task."},
            {"role": "user", "content": "Begin: look at the page or screen, act, and submit when done."},
        ]
    )
    for _ in range(max_turns):
        completion = await llm.chat.completions.create(
            model=model,
            messages=cast(Any, run.messages),
            tools=cast(Any, tools),
            temperature=temperature,
        )
        message = completion.choices[0].message
        run.messages.append(message.model_dump(exclude_none=True))
        if not message.tool_calls:
            return run
        for call in message.tool_calls:
            name = call.function.name  # type: ignore[union-attr]
            run.tool_calls.append(name)
            try:
                arguments = json.loads(call.function.arguments or "{}")  # type: ignore[union-attr]
                answer = tool_text(await client.call_tool(name, arguments))
            except (json.JSONDecodeError, TypeError) as exc:
                answer = f"Error: the arguments are not a JSON object ({exc})."
            run.messages.append({"role": "tool", "tool_call_id": call.id, "content": answer})
            if name == "submit" and not answer.startswith("Error"):
                run.submitted = True
                return run
    return run
