"""The oracle's refusal names the suites it plays, and that WebArena's own tasks have none."""

from __future__ import annotations

import pytest

from palaestra.agents.oracle import OracleAgent, OracleConfig
from palaestra.errors import UnknownNameError


def test_webarenas_own_tasks_have_no_oracle_and_the_error_says_so() -> None:
    for task in ("webarena.44", "webarena-verified.44", "webarena-lite.7"):
        with pytest.raises(UnknownNameError) as caught:
            OracleAgent(OracleConfig()).reveal_task(task)
        message = str(caught.value)
        assert "WebArena's own tasks have none" in message, message
        assert "MiniWoB++" in message and "shop-admin" in message and "desktop" in message
        assert "Did you mean" not in message  # no MiniWoB++ names offered for a WebArena task


def test_an_unknown_miniwob_task_names_the_suites_with_oracles() -> None:
    with pytest.raises(UnknownNameError) as caught:
        OracleAgent(OracleConfig()).reveal_task("miniwob.click-buton")
    message = str(caught.value)
    assert "click-button" in message  # did you mean
    assert "site suites" in message and "desktop" in message and "Only some" not in message


def test_a_task_with_an_oracle_is_revealed() -> None:
    agent = OracleAgent(OracleConfig())
    agent.reveal_task("miniwob.click-button")
    assert agent.task_name == "click-button"
