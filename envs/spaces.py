"""Gymnasium spaces for what web observations hold: free text and JSON-like records."""

from __future__ import annotations

import string
from typing import Any

import numpy as np
from gymnasium import spaces

#: The longest string ``Unicode.sample`` returns: samples are for tests and smoke runs, and a string
#: of the space's full length (millions of characters) took Gymnasium's ``Text`` seconds to draw.
SAMPLE_MAX_CHARS = 1000


class Unicode(spaces.Text):
    """Any string up to ``max_length`` characters (Gymnasium's ``Text`` only allows its charset)."""

    def __init__(self, max_length: int = 2**31 - 1) -> None:
        super().__init__(max_length=max_length, min_length=0, charset=string.printable)

    def contains(self, x: Any) -> bool:
        return isinstance(x, str) and len(x) <= self.max_length

    def sample(self, mask: Any = None, probability: Any = None) -> str:
        """A random printable string of at most ``SAMPLE_MAX_CHARS`` characters (or as masked)."""
        if mask is not None or probability is not None:
            return super().sample(mask, probability)
        length = int(self.np_random.integers(0, min(self.max_length, SAMPLE_MAX_CHARS) + 1))
        codes = self.np_random.integers(0, len(self.character_list), size=length)
        return "".join(self.character_list[int(c)] for c in codes)

    @property
    def is_np_flattenable(self) -> bool:
        """False: ``Text`` flattens a string to one int32 per possible character, indexed in its
        charset, which for observation text is 40 MB a key and fails on any character outside
        printable ASCII (``é``, ``€``). Flattening keeps the string as it is (see the end of this
        module), as Gymnasium does for its other spaces that a numpy array cannot hold."""
        return False

    def __repr__(self) -> str:
        return f"Unicode({self.max_length})"


class Records(spaces.Space[list[dict[str, Any]]]):
    """A list of JSON-like dicts (elements, open pages). Sampling gives an empty list."""

    def __init__(self) -> None:
        super().__init__(shape=None, dtype=None)

    def contains(self, x: Any) -> bool:
        return isinstance(x, list) and all(isinstance(item, dict) for item in x)

    def sample(self, mask: Any = None, probability: Any = None) -> list[dict[str, Any]]:
        return []

    @property
    def is_np_flattenable(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "Records()"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Records)


def screenshot_space(width: int, height: int) -> spaces.Box:
    return spaces.Box(0, 255, shape=(height, width, 3), dtype=np.uint8)


# Flattening (``FlattenObservation``) keeps text and records whole, as Gymnasium keeps a ``Sequence``
# or ``Graph``: a ``Dict`` observation flattens to a ``Dict`` with its screenshot as a flat ``Box``.
@spaces.utils.flatten_space.register(Unicode)
@spaces.utils.flatten_space.register(Records)
def _flatten_space(space: spaces.Space[Any]) -> spaces.Space[Any]:
    return space


# (mypy's singledispatch check cannot match these classes to the generic fallback's ``Space[T]``.)
@spaces.utils.flatten.register(Unicode)
@spaces.utils.flatten.register(Records)
def _flatten(space: spaces.Space[Any], x: Any) -> Any:  # type: ignore[misc]
    return x


@spaces.utils.unflatten.register(Unicode)
@spaces.utils.unflatten.register(Records)
def _unflatten(space: spaces.Space[Any], x: Any) -> Any:  # type: ignore[misc]
    return x


@spaces.utils.flatdim.register(Unicode)
def _flatdim(space: Unicode) -> int:
    raise ValueError(f"{space} cannot be flattened to a numpy array: it holds any string.")


# What AsyncVectorEnv needs of these spaces (shared memory), registered with Gymnasium on import.
from palaestra.envs import vector_spaces as _vector_spaces  # noqa: E402, F401  # isort: skip
