"""Typed errors of the LLM layer. Each names the problem and the fix.

Callers branch on the type, never on message text: ``LLMRequestError`` means the request itself
is wrong (retrying cannot help), ``LLMUnavailableError`` that the server kept failing (including
``LLMResponseError``: it kept answering with bodies that are not chat completions), and
``BudgetExceeded`` that the run must stop.
"""

from __future__ import annotations

from typing import Any

from palaestra.errors import PalaestraError


class LLMConfigError(PalaestraError, ValueError):
    """An LLM configuration value or key is wrong (unknown key, missing model, negative timeout)."""


class LLMError(PalaestraError, RuntimeError):
    """A call to the LLM failed. ``status`` is the HTTP status when the server answered one."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class LLMRequestError(LLMError):
    """The server refused the request (400, 404, 422...): fix the request or config, then rerun."""


class LLMContextLengthError(LLMRequestError):
    """The prompt (plus ``max_tokens``) is longer than the model's context window.

    Known by the error body's code (OpenAI's ``context_length_exceeded``, llama.cpp's
    ``exceed_context_size_error`` type), never by its message. Retrying the same request cannot
    help; a shorter prompt can, so agents catch it to shrink what they send.

    ``prompt`` holds the messages refused (a text completion's prompt as one ``prompt`` message),
    set by the chat client, so a run keeps what filled the window (`runs.refused_prompt`).
    """

    prompt: list[dict[str, Any]] | None = None


class LLMAuthError(LLMRequestError):
    """The server refused the credentials (401, 403)."""


class LLMUnavailableError(LLMError):
    """Retryable failures (429, 5xx, timeouts, dropped connections) outlasted every retry."""


class LLMCapabilityError(LLMRequestError):
    """The model cannot do what was asked (completion from a chat-only model, embeddings...)."""


class LLMResponseError(LLMUnavailableError):
    """The server kept answering, but not with a readable chat completion (not JSON, no choices).

    A kind of unavailability: overloaded servers and proxies send such bodies now and then, so
    they are retried, and a run records the episode as ``model_unavailable`` and retries it.
    """


class LLMResponseTooLarge(LLMRequestError):
    """The server's response was larger than ``max_response_bytes``: refused, not retried."""


class BudgetExceeded(PalaestraError, RuntimeError):
    """The run's token or cost budget is spent; raised before sending anything.

    Not an ``LLMError`` on purpose: code that tolerates one failed call (``except LLMError``) must
    not swallow the signal that the whole run has to stop.
    """
