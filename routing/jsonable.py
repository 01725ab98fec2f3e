"""Turn what handlers return into JSON-able values.

A `CallResult.content` goes into a model's context, a feedback log and result-schema validation,
all of which need plain JSON. Python handlers naturally return dataclasses, enums, dates or pydantic
models; this module converts them once, in one place, instead of in every source.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import enum
import math
import uuid
from collections.abc import Mapping
from decimal import Decimal
from pathlib import PurePath
from typing import Any


def to_jsonable(value: Any) -> Any:
    """Return a JSON-able copy of `value` (dicts, lists, str, int, float, bool, None).

    Unknown objects become their `str()`: the model is better served by a readable string than by
    a failed call. Non-finite floats become None (JSON has no NaN).
    """
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, enum.Enum):
        return to_jsonable(value.value)
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID | PurePath | Decimal):
        return str(value)
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return base64.b64encode(value).decode("ascii")
    dump = getattr(value, "model_dump", None)
    if callable(dump):  # pydantic models
        return to_jsonable(dump(mode="json"))
    return str(value)
