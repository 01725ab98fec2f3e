"""`EndpointArgs`: the model-endpoint arguments every LLM agent takes, declared once.

The generic, Synapse and computer-use agents each declared the same fields (model, endpoint, key,
sampling, cache, budgets, prices, the client's retries and timeout) and handed them to their model
field by field; an argument added to one (prices, retries) was missing from the next. Their
configurations now extend this one, so each takes all of them under the same names: the
``--agent-arg`` flags, run files and the configurations runs recorded keep working unchanged (the
names, and hence a run's configuration hash, are the same). What the fields leave empty comes from
the environment (`agents.llm.config.environment_values`), read there and only there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from palaestra.config import ConfigError

#: The fields handed to the model's `LLMConfig` whenever set.
_ALWAYS = ("temperature", "max_tokens", "cache_dir", "budget_tokens")
#: Handed over when not 0/None: a price of 0 and no cost budget are `LLMConfig`'s own defaults.
_WHEN_GIVEN = ("budget_cost", "price_input_per_mtok", "price_output_per_mtok")
#: The endpoint client's retries and timeout (0 retries is a choice, so handed over as is).
_CLIENT = ("max_retries", "backoff_max", "retry_after_max", "timeout")
#: Empty: ``PALAESTRA_LLM_*`` (else ``OPENAI_*``), else the embedded model.
_ENDPOINT = ("model", "base_url", "api_key")


@dataclass(frozen=True)
class EndpointArgs:
    """Which model, at which endpoint, sampled how, at what price and budget, retried how hard."""

    model: str = ""  # empty: PALAESTRA_LLM_MODEL / the configured endpoint, else the embedded model
    base_url: str | None = None  # empty: PALAESTRA_LLM_BASE_URL, else OPENAI_BASE_URL
    api_key: str | None = None  # empty: PALAESTRA_LLM_API_KEY, else OPENAI_API_KEY
    temperature: float = 0.0
    max_tokens: int = 1024
    cache_dir: str | None = None
    budget_tokens: int | None = None
    budget_cost: float | None = None
    #: What the model's tokens cost, per million (0: costs are not counted, as for a local model).
    price_input_per_mtok: float = 0.0
    price_output_per_mtok: float = 0.0
    #: How hard the endpoint's client retries (what a `model_unavailable` error names as the fix for
    #: an overloaded server); the embedded model has no endpoint and ignores them.
    max_retries: int = 5
    backoff_max: float = 30.0
    #: The longest wait a 429's Retry-After is granted (s): a rate-limited endpoint asking more is
    #: waited this long, then asked again.
    retry_after_max: float = 60.0
    timeout: float = 60.0

    def check_endpoint(self, agent: str) -> None:
        """Numbers that cannot be negative are not; a cost budget comes with prices."""
        from palaestra.agents.pricing import check_own_cost_budget

        for name in ("temperature", "max_retries", "backoff_max", "retry_after_max", "timeout"):
            if getattr(self, name) < 0:
                raise ConfigError(f"{agent}: {name} must be 0 or more, got {getattr(self, name)}.")
        check_own_cost_budget(agent, self)

    def model_overrides(self) -> dict[str, Any]:
        """The `LLMConfig` keys these arguments set (what they leave empty the environment gives)."""
        keys = [
            *_ALWAYS, *_CLIENT,
            *(k for k in (*_WHEN_GIVEN, *_ENDPOINT) if getattr(self, k)),
        ]  # fmt: skip
        return {key: getattr(self, key) for key in keys}
