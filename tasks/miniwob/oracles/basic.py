"""Oracles for the simplest click and typing tasks."""

from __future__ import annotations

from collections.abc import Generator

from palaestra.envs.obs import Observation
from palaestra.tasks.miniwob.oracles.base import find, oracle, quoted


@oracle("click-test")
def click_test(obs: Observation) -> Generator[str, Observation, None]:
    yield f"click('{find(obs, tag='button').id}')"


@oracle("click-button")
def click_button(obs: Observation) -> Generator[str, Observation, None]:
    name = quoted(obs["goal"])[0]
    yield f"click('{find(obs, tag='button', text=name).id}')"


@oracle("enter-text")
def enter_text(obs: Observation) -> Generator[str, Observation, None]:
    text = quoted(obs["goal"])[0]
    yield f"fill('{find(obs, tag='input').id}', {text!r})\nclick('{find(obs, tag='button').id}')"
