"""Test doubles for Palaestra's LLM layer: a scripted OpenAI-compatible server on loopback.

Tests drive the real ``openai`` SDK against it over real HTTP, so no test needs a real LLM or the
network. The pytest fixtures live in ``palaestra.testing.fixtures`` so this package does not
import pytest.
"""

from .script import (
    Answer,
    DropConnection,
    HTTPFault,
    MalformedBody,
    Reply,
    Script,
    ScriptedSequence,
    ScriptExhausted,
    ScriptRequest,
    Slow,
    ToolCallSpec,
    as_script,
    context_length_exceeded,
    drop_connection,
    echo,
    garbage_text,
    http_error,
    malformed_json,
    oversized_body,
    rate_limited,
    reply_text,
    reply_tool_call,
    reply_tool_calls,
    server_error,
    slow,
)
from .server import ScriptedLLMServer
from .wire import count_tokens, hashed_embedding

__all__ = [
    "Answer",
    "DropConnection",
    "HTTPFault",
    "MalformedBody",
    "Reply",
    "Script",
    "ScriptExhausted",
    "ScriptRequest",
    "ScriptedLLMServer",
    "ScriptedSequence",
    "Slow",
    "ToolCallSpec",
    "as_script",
    "context_length_exceeded",
    "count_tokens",
    "drop_connection",
    "echo",
    "garbage_text",
    "hashed_embedding",
    "http_error",
    "malformed_json",
    "oversized_body",
    "rate_limited",
    "reply_text",
    "reply_tool_call",
    "reply_tool_calls",
    "server_error",
    "slow",
]
