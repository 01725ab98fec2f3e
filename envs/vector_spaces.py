"""What ``AsyncVectorEnv`` needs of the text and record spaces: shared memory that holds them.

``gym.make_vec(id, vectorization_mode="async")`` passes observations from its worker processes
through shared memory by default, which Gymnasium implements for fixed-size arrays; its own ``Text``
support stores one int32 per possible character (40 MB per key for a page's DOM) and reads the text
once, when the vector env is built. Here each key of each environment gets a slot of at most
``SLOT_BYTES``: the worker pickles the value into it, or, for the rare value that does not fit (the
DOM of a huge page), into a temporary file whose path goes in the slot. The parent reads a slot when
the observation is read (``AsyncVectorEnv`` copies it at every step unless ``copy=False``).
"""

from __future__ import annotations

import atexit
import contextlib
import copy
import multiprocessing
import os
import pickle
import struct
import tempfile
from collections.abc import Iterator, Sequence
from types import ModuleType
from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.vector.utils import (
    create_empty_array,
    create_shared_memory,
    read_from_shared_memory,
    write_to_shared_memory,
)

from palaestra.envs.spaces import Records, Unicode

#: The most one key of one environment keeps in shared memory; larger values spill to a file.
SLOT_BYTES = 1 << 20
#: A slot starts with the payload's length and whether the payload is the value or a file's path.
_HEADER = struct.Struct("<QB")
_INLINE, _SPILLED = 0, 1
#: This process's spilled values by (buffer, slot): the previous one is removed when a slot is reused.
_spills: dict[tuple[int, int], str] = {}


def slot_bytes(space: spaces.Space[Any]) -> int:
    """Bytes per slot: a short text space (the action's 10,000 characters) needs less than a page."""
    if isinstance(space, Unicode):
        return min(SLOT_BYTES, 4 * space.max_length + 64)
    return SLOT_BYTES


def _slots(space: spaces.Space[Any], shared_memory: Any) -> tuple[np.ndarray, int]:
    data = np.frombuffer(shared_memory.get_obj(), dtype=np.uint8)
    return data, _HEADER.size + slot_bytes(space)


@create_shared_memory.register(Unicode)
@create_shared_memory.register(Records)
def _create(space: spaces.Space[Any], n: int = 1, ctx: ModuleType = multiprocessing) -> Any:
    return ctx.Array("B", n * (_HEADER.size + slot_bytes(space)))


@write_to_shared_memory.register(Unicode)
@write_to_shared_memory.register(Records)
def _write(space: spaces.Space[Any], index: int, value: Any, shared_memory: Any) -> None:
    data, size = _slots(space, shared_memory)
    payload, kind = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), _INLINE
    key = (id(shared_memory), index)
    with contextlib.suppress(FileNotFoundError):
        os.remove(_spills.pop(key, ""))  # the previous spill of this slot, read by now
    if len(payload) > size - _HEADER.size:
        handle, path = tempfile.mkstemp(prefix="palaestra-obs-")
        with os.fdopen(handle, "wb") as file:
            file.write(payload)
        _spills[key] = path
        payload, kind = path.encode(), _SPILLED
    start = index * size
    data[start : start + _HEADER.size] = np.frombuffer(_HEADER.pack(len(payload), kind), dtype=np.uint8)
    data[start + _HEADER.size : start + _HEADER.size + len(payload)] = np.frombuffer(payload, dtype=np.uint8)


class SlotView(Sequence[Any]):
    """The values of one key across the environments, read from their slots when accessed."""

    def __init__(self, space: spaces.Space[Any], shared_memory: Any, n: int) -> None:
        self.space, self.shared_memory, self.n = space, shared_memory, n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return tuple(self[i] for i in range(*index.indices(self.n)))
        if not -self.n <= index < self.n:
            raise IndexError(index)
        data, size = _slots(self.space, self.shared_memory)
        start = (index % self.n) * size
        length, kind = _HEADER.unpack(data[start : start + _HEADER.size].tobytes())
        if length == 0:  # nothing written yet
            return "" if isinstance(self.space, Unicode) else []
        payload = data[start + _HEADER.size : start + _HEADER.size + length].tobytes()
        if kind == _SPILLED:
            with open(payload.decode(), "rb") as file:
                payload = file.read()
        return pickle.loads(payload)

    def __iter__(self) -> Iterator[Any]:
        return (self[i] for i in range(self.n))

    def __deepcopy__(self, memo: dict[int, Any]) -> tuple[Any, ...]:
        return copy.deepcopy(tuple(self), memo)

    def __eq__(self, other: object) -> bool:
        return tuple(self) == (tuple(other) if isinstance(other, Sequence) else other)

    def __repr__(self) -> str:
        return f"SlotView({tuple(self)!r})"


@read_from_shared_memory.register(Unicode)
@read_from_shared_memory.register(Records)
def _read(space: spaces.Space[Any], shared_memory: Any, n: int = 1) -> SlotView:
    return SlotView(space, shared_memory, n)


@create_empty_array.register(Records)
def _empty_records(space: Records, n: int = 1, fn: Any = np.zeros) -> tuple[list[dict[str, Any]], ...]:
    return tuple([] for _ in range(n))


@atexit.register
def _remove_spills() -> None:
    for path in _spills.values():
        with contextlib.suppress(OSError):
            os.remove(path)
