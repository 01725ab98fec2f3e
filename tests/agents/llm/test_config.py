"""``LLMConfig``: explicit values, the environment, and typed errors for wrong keys and values."""

from __future__ import annotations

import pytest

from palaestra.agents.llm import LLMConfig, LLMConfigError
from palaestra.errors import PalaestraError


def test_explicit_values_and_cost() -> None:
    cfg = LLMConfig(model="m", price_input_per_mtok=3.0, price_output_per_mtok=15.0, budget_tokens=1000)
    assert cfg.cost(1_000_000, 2_000_000) == pytest.approx(33.0)
    assert cfg.budget_tokens == 1000 and cfg.budget_cost is None
    assert "api_key" not in repr(LLMConfig(model="m", api_key="sk-secret"))


def test_from_env_prefers_palaestra_variables() -> None:
    env = {
        "PALAESTRA_LLM_BASE_URL": "http://127.0.0.1:9/v1",
        "OPENAI_BASE_URL": "http://127.0.0.1:8/v1",
        "PALAESTRA_LLM_API_KEY": "sk-p",
        "OPENAI_API_KEY": "sk-o",
        "PALAESTRA_LLM_MODEL": "qwen",
    }
    cfg = LLMConfig.from_env(env, temperature=0.5)
    assert (cfg.base_url, cfg.api_key, cfg.model, cfg.temperature) == (
        "http://127.0.0.1:9/v1",
        "sk-p",
        "qwen",
        0.5,
    )


def test_from_env_falls_back_to_openai_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PALAESTRA_LLM_BASE_URL", "PALAESTRA_LLM_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:8/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-o")
    monkeypatch.setenv("PALAESTRA_LLM_MODEL", "llama")
    cfg = LLMConfig.from_env()
    assert (cfg.base_url, cfg.api_key, cfg.model) == ("http://127.0.0.1:8/v1", "sk-o", "llama")


def test_from_env_without_model_names_the_variable() -> None:
    with pytest.raises(LLMConfigError, match="PALAESTRA_LLM_MODEL"):
        LLMConfig.from_env({})


def test_unknown_key_suggests_the_known_one() -> None:
    with pytest.raises(
        LLMConfigError, match=r"Unknown LLM config key `max_retry`\. Did you mean: `max_retries`"
    ) as e:
        LLMConfig.from_dict({"model": "m", "max_retry": 3})
    assert isinstance(e.value, PalaestraError)
    with pytest.raises(LLMConfigError, match="`temprature`"):
        LLMConfig.from_env({"PALAESTRA_LLM_MODEL": "m"}, temprature=0.1)
    with pytest.raises(LLMConfigError, match="Did you mean: `model`"):
        LLMConfig(model="m").replace(modle="x")


@pytest.mark.parametrize(
    "bad", [{"timeout": -1}, {"max_retries": 1.5}, {"budget_cost": -2}, {"model": ""}, {"max_tokens": True}]
)
def test_invalid_values_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(LLMConfigError):
        LLMConfig.from_dict({"model": "m", **bad})
