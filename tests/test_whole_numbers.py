"""`whole_number`: what models write for an id or a count, read as the whole number it says."""

from __future__ import annotations

import math

import pytest

from palaestra.whole_numbers import whole_number


@pytest.mark.parametrize(
    ("written", "read"), [(12, 12), (12.0, 12), ("12", 12), (" -3 ", -3), ("100.0", 100), (0, 0)]
)
def test_a_whole_number_in_any_form_is_read_as_an_int(written: object, read: int) -> None:
    assert whole_number(written) == read and type(whole_number(written)) is int


@pytest.mark.parametrize("written", [12.5, "12.5", True, False, "twelve", None, math.inf, "nan", [12]])
def test_anything_else_is_left_for_the_callers_own_refusal(written: object) -> None:
    """``int(12.5)`` is 12 and ``int(True)`` is 1: truncating would act on what the model did not name."""
    kept = whole_number(written)
    assert kept is written or (isinstance(written, float) and kept == written)
