"""Typed errors of the API routing layer.

Two families live here, and they are used differently:

* Registration and lookup errors (`InvalidApiRecordError`, `DuplicateApiError`, `UnknownApiError`,
  `ApiSourceError`) are raised to the program that builds the registry: they are its mistakes.
* Call errors (`ApiCallError`, `ApiTransportError`, `ApiTimeoutError`, `InvalidResultError`) are
  raised by handlers and caught by the executor, which turns them into a `CallResult` for the model.
  The executor decides what to retry from the exception's *type*, so handlers must pick the right
  class: `ApiTransportError` (and its `ApiTimeoutError`) means "the request may not have arrived, or
  the answer was lost; trying again may work", everything else means "the API answered and said no".
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from palaestra.errors import PalaestraError, UnknownNameError


class RoutingError(PalaestraError):
    """Base class of the routing layer's errors."""


class InvalidApiRecordError(RoutingError, ValueError):
    """A record (or the tool description it was built from) cannot be registered.

    `key` names the record (`namespace/name`, or whatever identifies it when the name itself is
    missing) and `problem` says what is wrong and, where it can, how to fix it.
    """

    def __init__(self, key: str, problem: str) -> None:
        self.key, self.problem = key, problem
        super().__init__(f"API `{key}` cannot be registered: {problem}")


class DuplicateApiError(RoutingError, ValueError):
    """An API key is registered already; pass `replace=True` to swap the record."""

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(
            f"API `{key}` is registered already. Remove it first or pass `replace=True` to replace it."
        )


class UnknownApiError(UnknownNameError, RoutingError):
    """An API key that the registry does not hold; the message suggests the closest keys."""

    def __init__(self, name: str, known: Iterable[str]) -> None:
        super().__init__("API", name, known, hint="Keys have the form `namespace/name`.")


class ApiSourceError(RoutingError, RuntimeError):
    """A source (OpenAPI document, JSON file, MCP server) could not be read or reached."""


class ApiCallError(RoutingError, RuntimeError):
    """The API answered and reported a failure (HTTP 4xx/5xx, MCP `isError`, a raising function).

    Not retried: the same request would fail the same way. `content` keeps whatever the API sent
    back (error body, MCP content blocks) so that the model can read it; `status` is the HTTP status
    when there is one.
    """

    def __init__(self, message: str, *, content: Any = None, status: int | None = None) -> None:
        self.content, self.status = content, status
        super().__init__(message)


class ApiTransportError(RoutingError, ConnectionError):
    """The request or its answer was lost on the way (connection refused or reset, server gone,
    overloaded gateway). Retried for idempotent APIs."""


class ApiUnavailableError(ApiTransportError):
    """The service is gone for the rest of this session (an MCP server that exited or stopped
    answering): the request never arrived, but trying again will not help until it is restarted.
    Not retried, and the model is told to do the step another way."""


class ApiTimeoutError(ApiTransportError, TimeoutError):
    """A transport-level timeout reported by a source (for example an MCP request timeout)."""


class InvalidResultError(RoutingError, ValueError):
    """The API returned something that does not match what it promised (its result schema)."""

    def __init__(self, message: str, *, content: Any = None) -> None:
        self.content = content
        super().__init__(message)


class NoHandlerError(RoutingError, LookupError):
    """The record is a description only (e.g. from a JSON file); nothing knows how to call it."""
