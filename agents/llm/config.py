"""``LLMConfig``: everything a ``ChatModel`` needs, from explicit values, a dict or the environment.

One frozen value object, so a run's configuration can be logged, compared and shared between
concurrent agents without one of them changing it under the others.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from palaestra.errors import did_you_mean

from .errors import LLMConfigError

if TYPE_CHECKING:
    from .model import Capabilities

ENV_BASE_URL = ("PALAESTRA_LLM_BASE_URL", "OPENAI_BASE_URL")
ENV_API_KEY = ("PALAESTRA_LLM_API_KEY", "OPENAI_API_KEY")
ENV_MODEL = ("PALAESTRA_LLM_MODEL",)
ENV_CAPABILITIES = ("PALAESTRA_LLM_CAPABILITIES",)
#: What an OpenAI-compatible endpoint is assumed to serve unless told otherwise: hosted chat models
#: take messages, tools and images, and many refuse /v1/completions. A text-only model's endpoint
#: is declared by listing what it serves without ``images`` (``PALAESTRA_LLM_CAPABILITIES=chat,tools``).
DEFAULT_CAPABILITIES = ("chat", "tools", "images")
#: Each endpoint argument the environment may give, with its variables, the first set winning.
ENV_VARIABLES = {
    "base_url": ENV_BASE_URL,
    "api_key": ENV_API_KEY,
    "model": ENV_MODEL,
    "capabilities": ENV_CAPABILITIES,
}


def environment_values(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The endpoint arguments the environment gives (``PALAESTRA_LLM_*``, else ``OPENAI_*``), by
    `LLMConfig` key; an empty variable gives nothing. The one place they are read: a model, the
    check that one is configured and a foreign agent's own process all decide alike."""
    env = os.environ if environ is None else environ
    values = {key: next((env[n] for n in names if env.get(n)), "") for key, names in ENV_VARIABLES.items()}
    return {key: value for key, value in values.items() if value}


def environment_source(key: str, environ: Mapping[str, str] | None = None) -> str:
    """The variable `environment_values` took ``key`` from ("" when none gives it), for messages."""
    env = os.environ if environ is None else environ
    return next((n for n in ENV_VARIABLES[key] if env.get(n)), "")


def declared_capabilities(
    value: str | Iterable[str] | None = None, environ: Mapping[str, str] | None = None
) -> Capabilities:
    """What the configured endpoint serves, read as `LLMConfig.from_env` reads it: ``value`` when
    given, else ``PALAESTRA_LLM_CAPABILITIES``, else `DEFAULT_CAPABILITIES`. For callers that reach
    the endpoint without a `ChatModel` (a foreign agent's own process) and must decide the same way."""
    from .model import Capabilities

    if value is None or (isinstance(value, str) and not value.strip()):
        value = environment_values(environ).get("capabilities") or DEFAULT_CAPABILITIES
    return Capabilities.parse(value)


@dataclass(frozen=True)
class LLMConfig:
    """How to reach the model, how hard to retry, what it costs and how much a run may spend.

    ``base_url`` None means the SDK's default endpoint. Prices are per million tokens. The budget
    (``budget_tokens`` and/or ``budget_cost``) is per run; None means unlimited.
    """

    model: str
    base_url: str | None = None
    api_key: str | None = dataclasses.field(default=None, repr=False)  # never printed in logs
    temperature: float = 0.0
    max_tokens: int | None = None
    timeout: float = 60.0  # seconds per HTTP request
    max_retries: int = 5
    backoff_base: float = 0.5  # seconds; attempt n waits up to base * 2**n (full jitter)
    backoff_max: float = 30.0
    jitter: bool = True
    retry_after_max: float = 60.0  # cap on a server's Retry-After, so one header cannot stall a run
    context_window: int | None = None
    price_input_per_mtok: float = 0.0
    price_output_per_mtok: float = 0.0
    budget_tokens: int | None = None
    budget_cost: float | None = None
    cache_dir: str | Path | None = None
    #: What the endpoint serves, of chat, completion, tools, embeddings, grammar, images (a tuple or "a,b").
    capabilities: tuple[str, ...] | str = DEFAULT_CAPABILITIES
    #: Largest response body read, in bytes: a chat completion of thousands of tokens is tens of KB.
    max_response_bytes: int = 4 * 1024 * 1024

    def __post_init__(self) -> None:
        from .model import Capabilities  # the names are declared there, beside the protocol

        object.__setattr__(self, "capabilities", Capabilities.parse(self.capabilities).listed())
        if not isinstance(self.model, str) or not self.model:
            raise LLMConfigError("LLMConfig.model is empty. Fix: pass model=... or set PALAESTRA_LLM_MODEL.")
        for name in ("timeout", "backoff_base", "backoff_max", "retry_after_max", "temperature"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or value < 0:
                raise LLMConfigError(f"LLMConfig.{name} must be a number >= 0, got {value!r}.")
        for name in ("price_input_per_mtok", "price_output_per_mtok", "budget_cost"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int | float) or value < 0):
                raise LLMConfigError(f"LLMConfig.{name} must be a number >= 0 or None, got {value!r}.")
        for name in ("max_retries", "max_tokens", "context_window", "budget_tokens", "max_response_bytes"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
                raise LLMConfigError(f"LLMConfig.{name} must be an integer >= 0 or None, got {value!r}.")

    @classmethod
    def keys(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> LLMConfig:
        """Build from a mapping (e.g. a YAML/JSON run file); unknown keys fail with suggestions."""
        known = cls.keys()
        for key in values:
            if key not in known:
                hint = did_you_mean(key, known)
                raise LLMConfigError(f"Unknown LLM config key `{key}`.{hint} Known keys: {', '.join(known)}.")
        return cls(**dict(values))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> LLMConfig:
        """Read base URL, API key, model and capabilities from ``PALAESTRA_LLM_*`` (else ``OPENAI_*``).

        ``overrides`` win over the environment and are checked like ``from_dict`` keys.
        """
        values: dict[str, Any] = {**environment_values(environ), **overrides}
        if "model" not in values:
            raise LLMConfigError(
                "No LLM model configured. Fix: export PALAESTRA_LLM_MODEL=<model name> or pass model=..."
            )
        return cls.from_dict(values)

    def replace(self, **changes: Any) -> LLMConfig:
        """A copy with some values changed (checked like ``from_dict`` keys)."""
        return LLMConfig.from_dict({**{k: getattr(self, k) for k in self.keys()}, **changes})

    def cost(self, input_tokens: int, output_tokens: int) -> float:
        """The price of one call's tokens, in the currency of the configured prices."""
        return (input_tokens * self.price_input_per_mtok + output_tokens * self.price_output_per_mtok) / 1e6


#: The endpoint the OpenAI SDK calls when no base URL is given.
SDK_DEFAULT_BASE_URL = "https://api.openai.com/v1"
#: The key sent to an endpoint that gets no key of ours (the SDK insists on one).
NO_KEY = "no-key"


def environment_endpoint(environ: Mapping[str, str] | None = None) -> str:
    """The endpoint the environment's API key is for: ``PALAESTRA_LLM_BASE_URL`` (else
    ``OPENAI_BASE_URL``), else the SDK's default."""
    return environment_values(environ).get("base_url") or SDK_DEFAULT_BASE_URL


def may_send_environment_key(base_url: str | None, environ: Mapping[str, str] | None = None) -> bool:
    """Whether a request to ``base_url`` may carry the environment's API key: only when it is the
    endpoint the environment names. A server that lets other people pick the endpoint (the UI's
    playground, a shared run's recorded ``base_url``) must not hand them its key with the request."""
    if not base_url:
        return True
    return _endpoint(base_url) == _endpoint(environment_endpoint(environ))


def _endpoint(url: str) -> str:
    return url.strip().rstrip("/").lower()
