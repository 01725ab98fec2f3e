"""The LLM agents' endpoint arguments are one declaration (`EndpointArgs`) under the same names.

The arguments runs recorded before (a run file, `palaestra eval --config RUN`, ``--agent-arg``)
must still build each agent's configuration to the same values, and reach its model alike.
"""

from __future__ import annotations

import pytest

from palaestra.agents.computer_use import ComputerUseConfig
from palaestra.agents.generic import GenericConfig
from palaestra.agents.llm.config import environment_source, environment_values
from palaestra.agents.llm.default import endpoint_configured
from palaestra.agents.synapse_config import SynapseConfig
from palaestra.config import ConfigError, build_config

#: Endpoint arguments as a run recorded them (strings, as flags and records hold them).
RECORDED = {
    "model": "m", "base_url": "http://127.0.0.1:9/v1", "temperature": "0.5", "max_tokens": "300",
    "cache_dir": "cache", "budget_tokens": "9000", "timeout": "12", "max_retries": "0",
}  # fmt: skip
#: What each agent's model was given for them (with the defaults of what was not recorded).
MODEL_GETS = {
    "model": "m", "base_url": "http://127.0.0.1:9/v1", "temperature": 0.5, "max_tokens": 300,
    "cache_dir": "cache", "budget_tokens": 9000, "timeout": 12.0, "max_retries": 0, "backoff_max": 30.0,
    "retry_after_max": 60.0,
}  # fmt: skip


@pytest.mark.parametrize("cls", [GenericConfig, SynapseConfig, ComputerUseConfig])
def test_recorded_endpoint_arguments_still_build_the_same_model(cls: type) -> None:
    config = build_config(cls, RECORDED, where="recorded run")
    assert config.model_overrides() == MODEL_GETS


def test_each_agent_keeps_its_own_defaults() -> None:
    assert (GenericConfig().max_tokens, SynapseConfig().max_tokens, ComputerUseConfig().max_tokens) == (
        1024, 256, 1024,
    )  # fmt: skip


def test_computer_use_takes_prices_and_a_cost_budget_as_the_others_do() -> None:
    """Before, computer-use refused ``price_input_per_mtok`` (an unknown key): its calls cost 0."""
    priced = build_config(
        ComputerUseConfig, {"price_input_per_mtok": "3", "price_output_per_mtok": "15", "budget_cost": "2"}
    )
    assert priced.model_overrides()["price_output_per_mtok"] == 15.0
    with pytest.raises(ConfigError, match=r"computer-use: budget_cost=2\.0 with no prices"):
        build_config(ComputerUseConfig, {"budget_cost": "2"})
    with pytest.raises(ConfigError, match="computer-use: timeout must be 0 or more"):
        ComputerUseConfig(timeout=-1)


def test_the_environment_is_read_in_one_place() -> None:
    env = {"OPENAI_BASE_URL": "http://b/v1", "PALAESTRA_LLM_BASE_URL": "", "PALAESTRA_LLM_MODEL": "m",
           "OPENAI_API_KEY": "k"}  # fmt: skip
    assert environment_values(env) == {"base_url": "http://b/v1", "model": "m", "api_key": "k"}
    assert environment_source("base_url", env) == "OPENAI_BASE_URL"
    assert endpoint_configured(env) and not endpoint_configured({"OPENAI_API_KEY": "k"})
