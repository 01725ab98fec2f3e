"""The LLM layer agents call: the ``Model`` protocol, and ``ChatModel``, its OpenAI-compatible
implementation with retries, budget and cache.

``ChatModel`` speaks the OpenAI wire format (chat and text completions, embeddings), so the same
code reaches OpenAI, vLLM, llama.cpp, Ollama, Palaestra's own embedded server
(``palaestra llm serve``) or the scripted test server in ``palaestra.testing``. ``default_model()``
is what agents use when they are given no model: the configured endpoint, else the embedded one.

Only the errors are imported with the package: the rest (the OpenAI SDK under `ChatModel`, about
half a second of CPU) is imported on first use, since every run worker imports the errors and few
use a model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from palaestra.lazy import lazy_exports

from .errors import (
    BudgetExceeded,
    LLMAuthError,
    LLMCapabilityError,
    LLMConfigError,
    LLMContextLengthError,
    LLMError,
    LLMRequestError,
    LLMResponseError,
    LLMResponseTooLarge,
    LLMUnavailableError,
)

if TYPE_CHECKING:
    from .cache import ResponseCache, request_key
    from .chat import ChatModel
    from .completion import Completion, ToolCall
    from .config import LLMConfig
    from .default import agent_model, check_default_model, default_model, endpoint_configured
    from .model import Capabilities, Message, Model, PromptStyle, prompt_style
    from .retry import backoff_delay, is_retryable, retry_after_seconds, retry_delay
    from .tokens import MiniLMTokenCounter, TokenCounter, WhitespaceTokenCounter, default_token_counter
    from .usage import Budget, Usage

__all__ = [
    "Budget",
    "BudgetExceeded",
    "Capabilities",
    "ChatModel",
    "Completion",
    "LLMAuthError",
    "LLMCapabilityError",
    "LLMConfig",
    "LLMConfigError",
    "LLMContextLengthError",
    "LLMError",
    "LLMRequestError",
    "LLMResponseError",
    "LLMResponseTooLarge",
    "LLMUnavailableError",
    "Message",
    "MiniLMTokenCounter",
    "Model",
    "PromptStyle",
    "ResponseCache",
    "TokenCounter",
    "ToolCall",
    "Usage",
    "WhitespaceTokenCounter",
    "agent_model",
    "backoff_delay",
    "check_default_model",
    "default_model",
    "default_token_counter",
    "endpoint_configured",
    "is_retryable",
    "prompt_style",
    "request_key",
    "retry_after_seconds",
    "retry_delay",
]

_LAZY = {
    "Budget": "palaestra.agents.llm.usage",
    "Capabilities": "palaestra.agents.llm.model",
    "ChatModel": "palaestra.agents.llm.chat",
    "Completion": "palaestra.agents.llm.completion",
    "LLMConfig": "palaestra.agents.llm.config",
    "Message": "palaestra.agents.llm.model",
    "MiniLMTokenCounter": "palaestra.agents.llm.tokens",
    "Model": "palaestra.agents.llm.model",
    "PromptStyle": "palaestra.agents.llm.model",
    "ResponseCache": "palaestra.agents.llm.cache",
    "TokenCounter": "palaestra.agents.llm.tokens",
    "ToolCall": "palaestra.agents.llm.completion",
    "Usage": "palaestra.agents.llm.usage",
    "WhitespaceTokenCounter": "palaestra.agents.llm.tokens",
    "agent_model": "palaestra.agents.llm.default",
    "backoff_delay": "palaestra.agents.llm.retry",
    "check_default_model": "palaestra.agents.llm.default",
    "default_model": "palaestra.agents.llm.default",
    "default_token_counter": "palaestra.agents.llm.tokens",
    "endpoint_configured": "palaestra.agents.llm.default",
    "is_retryable": "palaestra.agents.llm.retry",
    "prompt_style": "palaestra.agents.llm.model",
    "request_key": "palaestra.agents.llm.cache",
    "retry_after_seconds": "palaestra.agents.llm.retry",
    "retry_delay": "palaestra.agents.llm.retry",
}

__getattr__ = lazy_exports(__name__, _LAZY)
