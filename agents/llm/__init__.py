"""The LLM layer agents call: an OpenAI-compatible ``ChatModel`` with retries, budget and cache.

Everything speaks the OpenAI chat-completions wire format, so the same code reaches OpenAI,
vLLM, llama.cpp, Ollama or the scripted test server in ``palaestra.testing``.
"""

from .cache import ResponseCache, request_key
from .chat import ChatModel
from .completion import Completion, ToolCall
from .config import LLMConfig
from .errors import (
    BudgetExceeded,
    LLMAuthError,
    LLMConfigError,
    LLMError,
    LLMRequestError,
    LLMResponseError,
    LLMResponseTooLarge,
    LLMUnavailableError,
)
from .retry import backoff_delay, is_retryable, retry_after_seconds, retry_delay
from .tokens import MiniLMTokenCounter, TokenCounter, WhitespaceTokenCounter, default_token_counter
from .usage import Budget, Usage

__all__ = [
    "Budget",
    "BudgetExceeded",
    "ChatModel",
    "Completion",
    "LLMAuthError",
    "LLMConfig",
    "LLMConfigError",
    "LLMError",
    "LLMRequestError",
    "LLMResponseError",
    "LLMResponseTooLarge",
    "LLMUnavailableError",
    "MiniLMTokenCounter",
    "ResponseCache",
    "TokenCounter",
    "ToolCall",
    "Usage",
    "WhitespaceTokenCounter",
    "backoff_delay",
    "default_token_counter",
    "is_retryable",
    "request_key",
    "retry_after_seconds",
    "retry_delay",
]
