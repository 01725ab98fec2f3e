"""What the UI's handlers read from a request, with a typed error naming what is missing or wrong.

Shared by the application (`palaestra.ui.webapp`) and its live routes (`palaestra.ui.live_routes`),
so every handler turns a bad parameter or body into the same 400 answer.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

from palaestra.errors import PalaestraError


class RequestError(PalaestraError, ValueError):
    """A request that is malformed: a missing parameter, a body that is not JSON, too large."""


def query_param(request: Request, name: str) -> str:
    """The query parameter ``name``, which must be given and not empty."""
    value = request.query_params.get(name)
    if value is None or value == "":
        raise RequestError(f"Missing query parameter `{name}`.")
    return value


async def json_body(request: Request) -> dict[str, Any]:
    """The JSON object a request carries (the server has bounded its size: `--max-body-bytes`)."""
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError as exc:
        raise RequestError(f"The request body is not JSON: {exc}") from None
    if not isinstance(body, dict):
        raise RequestError("The request body must be a JSON object.")
    return body


def as_mapping(value: Any) -> dict[str, Any]:
    """``value`` if it is an object, else an empty one (an optional part of a body)."""
    return value if isinstance(value, dict) else {}


def as_int(value: Any, name: str) -> int:
    """``value`` as an integer; ``name`` says which field, for the error."""
    try:
        return int(value)
    except (TypeError, ValueError):
        raise RequestError(f"`{name}` must be an integer, got {value!r}.") from None
