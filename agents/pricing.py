"""Cost budgets need prices: an agent whose model's tokens are priced at 0 never spends any money,
so a budget in money (its own `budget_cost`, or the run's `--budget-cost`) would never stop it,
and the run would say nothing. Such budgets are refused before the run, naming the fix.

Agents that price their tokens themselves (AgentLab's, from its own price table) declare no price
arguments and are not concerned; nor are agents without a model.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from palaestra.config import ConfigError, build_config

PRICES = ("price_input_per_mtok", "price_output_per_mtok")


def is_unpriced(config: Any) -> bool:
    """Whether ``config`` (an agent's configuration) takes prices and was given none."""
    return all(hasattr(config, p) for p in PRICES) and not any(getattr(config, p) for p in PRICES)


def check_own_cost_budget(agent: str, config: Any) -> None:
    """An agent's own ``budget_cost`` without prices: refused (see the module doc)."""
    if getattr(config, "budget_cost", None) is not None and is_unpriced(config):
        raise ConfigError(
            f"{agent}: budget_cost={config.budget_cost} with no prices: its tokens cost 0, so the "
            "budget would never stop it. Fix: --agent-arg price_input_per_mtok=... --agent-arg "
            "price_output_per_mtok=... (the model's prices per million tokens), or budget_tokens=N."
        )


#: An agent of a run as the budget check reads it: its label, its registered name, its arguments.
RunAgent = tuple[str, str, Mapping[str, Any]]


def check_run_cost_budget(budget_cost: float | None, agents: Sequence[RunAgent]) -> None:
    """The run's ``--budget-cost`` with agents that price nothing: refused (see the module doc)."""
    if budget_cost is None:
        return
    from palaestra.agents.registry import get_agent_spec

    unpriced = []
    for label, name, args in agents:
        config_cls = get_agent_spec(name).config_cls
        if not (dataclasses.is_dataclass(config_cls) and isinstance(config_cls, type)):
            continue
        if is_unpriced(build_config(config_cls, dict(args), where=name)):
            unpriced.append(label)
    if unpriced:
        raise ConfigError(
            f"--budget-cost {budget_cost:g}: {', '.join(unpriced)} price(s) no tokens (their cost stays 0), "
            "so the budget would never stop them. Fix: give each its model's prices (--agent-arg "
            "price_input_per_mtok=... --agent-arg price_output_per_mtok=..., per million tokens), or "
            "cap the run with --budget-tokens N."
        )
