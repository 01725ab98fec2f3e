"""The shared error hierarchy: did-you-mean suggestions and choices checked with typed errors."""

from __future__ import annotations

import pytest

from palaestra import config
from palaestra.errors import ConfigError, PalaestraError, check_choice, did_you_mean


def test_did_you_mean_names_the_closest_known_names_only() -> None:
    assert did_you_mean("clik", ["click", "dblclick", "goto"]) == " Did you mean: `click`, `dblclick`?"
    assert did_you_mean("zzz", ["click", "goto"]) == ""


def test_check_choice_accepts_a_choice_and_refuses_others_with_a_suggestion() -> None:
    check_choice("kind", "flat", ("flat", "hnsw"))
    with pytest.raises(ConfigError) as caught:
        check_choice("kind", "hnws", ("flat", "hnsw"))
    assert str(caught.value) == "kind must be one of `flat`, `hnsw`, got 'hnws'. Did you mean: `hnsw`?"
    with pytest.raises(ConfigError, match=r"got 3\.$"):
        check_choice("kind", 3, ("flat", "hnsw"))


def test_config_error_is_one_class_wherever_it_is_imported_from() -> None:
    assert config.ConfigError is ConfigError
    assert issubclass(ConfigError, PalaestraError) and issubclass(ConfigError, ValueError)
