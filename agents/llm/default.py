"""``default_model()``: the model agents, the API selector and evaluators use when given none.

A configured endpoint wins: ``PALAESTRA_LLM_BASE_URL`` (or ``OPENAI_BASE_URL``) and/or
``PALAESTRA_LLM_MODEL`` make it a ``ChatModel`` over that server, as before. With neither set it is
the embedded model, in this process. Processes that should share one copy of the model point
``PALAESTRA_LLM_*`` at ``palaestra llm serve``, which prints the variables to export.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .chat import ChatModel
from .config import LLMConfig, environment_values
from .endpoint_args import EndpointArgs
from .errors import LLMConfigError
from .model import Model
from .usage import Budget


def endpoint_configured(environ: Mapping[str, str] | None = None) -> bool:
    """Whether the environment names an endpoint or a model (else agents use the embedded one)."""
    given = environment_values(environ)
    return bool(given.get("base_url") or given.get("model"))


def check_default_model(agent: str, environ: Mapping[str, str] | None = None) -> None:
    """Before a run: with no endpoint configured, the embedded model must be installed."""
    if endpoint_configured(environ):
        return
    from .embedded import runtime_available
    from .embedded.weights import EmbeddedModelError, resolve_weights

    try:
        resolve_weights()
        if not runtime_available():
            raise EmbeddedModelError("`llama-cpp-python` is not installed")
    except EmbeddedModelError as exc:
        raise LLMConfigError(
            f"Agent `{agent}` needs an LLM: none is configured and the embedded one cannot run ({exc}). "
            "Fix: run ./scripts/setup (or pip install 'palaestra[llm]'), or pass --agent-arg model=NAME "
            "(and base_url=http://HOST/v1), or export PALAESTRA_LLM_MODEL=NAME."
        ) from None


def default_model(environ: Mapping[str, str] | None = None, **overrides: Any) -> Model:
    """The configured endpoint's ``ChatModel``, else the embedded model.

    ``overrides`` are ``LLMConfig`` keys; the embedded model honours ``temperature``,
    ``max_tokens`` and ``budget_tokens`` of them (its tokens cost nothing).
    """
    if endpoint_configured(environ) or overrides.get("base_url") or overrides.get("model"):
        return ChatModel(LLMConfig.from_env(environ, **overrides))
    from .embedded import EmbeddedModel

    return EmbeddedModel(
        temperature=float(overrides.get("temperature") or 0.0),
        max_tokens=int(overrides.get("max_tokens") or 256),
        budget=Budget(max_tokens=overrides.get("budget_tokens")),
    )


def agent_model(config: EndpointArgs, **extra: Any) -> Model:
    """The model an agent's configuration asks for (`EndpointArgs.model_overrides`: what it leaves
    empty comes from ``PALAESTRA_LLM_*``, else it is the embedded model). `extra` adds other
    ``LLMConfig`` keys the agent sets."""
    return default_model(**{**config.model_overrides(), **extra})
