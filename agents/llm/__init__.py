"""The LLM layer agents call: the ``Model`` protocol, and ``ChatModel``, its OpenAI-compatible
implementation with retries, budget and cache.

``ChatModel`` speaks the OpenAI wire format (chat and text completions, embeddings), so the same
code reaches OpenAI, vLLM, llama.cpp, Ollama, Palaestra's own embedded server
(``palaestra llm serve``) or the scripted test server in ``palaestra.testing``. ``default_model()``
is what agents use when they are given no model: the configured endpoint, else the embedded one.
"""

from .cache import ResponseCache, request_key
from .chat import ChatModel
from .completion import Completion, ToolCall
from .config import LLMConfig
from .default import agent_model, check_default_model, default_model, endpoint_configured
from .errors import (
    BudgetExceeded,
    LLMAuthError,
    LLMCapabilityError,
    LLMConfigError,
    LLMError,
    LLMRequestError,
    LLMResponseError,
    LLMResponseTooLarge,
    LLMUnavailableError,
)
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
