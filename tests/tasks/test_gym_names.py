"""`gym.make` of one of our ids without the `palaestra/` namespace names the id that exists, in
Gymnasium's own exception class; every other id and error is as Gymnasium makes it.

Before, `gym.make("miniwob.click-button-v1")` said only "Environment `miniwob.click-button` doesn't
exist." (Gymnasium suggests from the namespace the id named, and ours are all `palaestra/...`).
"""

from __future__ import annotations

import re

import gymnasium as gym
import pytest
from gymnasium.error import DeprecatedEnv, NameNotFound

import palaestra  # noqa: F401  (registers our ids, and the hint)
from palaestra.tasks.gym_names import install_namespace_hint


@pytest.mark.parametrize(
    ("asked", "meant"),
    [
        ("miniwob.click-button-v1", "palaestra/miniwob.click-button"),
        ("miniwob.click-button", "palaestra/miniwob.click-button"),
        ("miniwob.click-buton", "palaestra/miniwob.click-button"),  # a typo too
        ("click-test", "palaestra/miniwob.click-test"),  # the suite left out
    ],
)
def test_an_id_without_our_namespace_is_answered_with_ours(asked: str, meant: str) -> None:
    with pytest.raises(NameNotFound, match=re.escape(f"did you mean `{meant}`?")):
        gym.make(asked)


def test_other_ids_and_errors_are_gymnasiums_own() -> None:
    install_namespace_hint()  # a second import wraps nothing more
    gym.make("CartPole-v1").close()
    with pytest.raises(NameNotFound) as unknown:
        gym.make("NoSuchThing-v0")
    assert str(unknown.value) == "Environment `NoSuchThing` doesn't exist."
    with pytest.raises(DeprecatedEnv, match=re.escape("version `palaestra/miniwob.click-button`")):
        gym.make("palaestra/miniwob.click-button-v1")
