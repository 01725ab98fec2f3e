"""The API registry: every known API's record, and (separately) how to call it.

The record is a pure description, shared by the selector (which ranks) and the executor (which
calls). How to call an API is an `ApiHandler` kept next to it, because the same description can be
served by different handlers (a live MCP session, a mock in tests) and some descriptions have none
(JSON files describe tools without serving them).

Indexes built over the registry (BM25, embeddings) subscribe to changes instead of rebuilding:
`subscribe(callback)` delivers `("added", record)` and `("removed", record)`; a replacement is a
removal followed by an addition. `version` increases with every change for cheap staleness checks.

An API whose server was lost stays registered but is marked unavailable (`set_unavailable`): a
model that names it learns from its handler that the server stopped, rather than that no such API
exists, while selectors that follow the registry leave it out of their results until it is
available again (its source restarted: re-registering clears the mark).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

from palaestra.routing.errors import (
    DuplicateApiError,
    InvalidApiRecordError,
    UnknownApiError,
)
from palaestra.routing.records import ApiRecord
from palaestra.routing.schema import normalize_record

RegistryEvent = Literal["added", "removed"]
Subscriber = Callable[[RegistryEvent, ApiRecord], None]


@runtime_checkable
class ApiHandler(Protocol):
    """Calls one API. Arguments have been validated against the record's parameters already.

    Return a JSON-able value (or something the executor can make JSON-able: dataclasses, enums,
    pydantic models). Report failures with the exceptions of `palaestra.routing.errors`.
    """

    async def call(self, arguments: dict[str, Any]) -> Any:
        """Call the API with these arguments and return its result."""
        ...


@dataclass(frozen=True)
class Rejection:
    """One API that a bulk registration skipped, and why."""

    key: str
    problem: str


@dataclass
class AddReport:
    """What `add_many` (and the sources' `register_*` helpers) registered and what they skipped."""

    added: list[ApiRecord] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing was rejected."""
        return not self.rejected

    def merge(self, other: AddReport) -> AddReport:
        """Append another report's entries to this one (returns self)."""
        self.added.extend(other.added)
        self.rejected.extend(other.rejected)
        return self


Entry = ApiRecord | tuple[ApiRecord, ApiHandler | None]


class ApiRegistry:
    """Records by key (`namespace/name`), their optional handlers, and change subscribers.

    Records are normalised on `add` (see `palaestra.routing.schema`), so what you `get` back may
    differ from what you added: always use the returned record. Thread-safe for mutation; callbacks
    run synchronously in the mutating thread, after the change is visible.
    """

    def __init__(self) -> None:
        self._records: dict[str, ApiRecord] = {}
        self._handlers: dict[str, ApiHandler] = {}
        self._provider_names: dict[str, str] = {}
        self._subscribers: list[Subscriber] = []
        self._unavailable: dict[str, str] = {}
        self._lock = threading.RLock()
        self.version = 0

    # -- mutation -------------------------------------------------------------------------------

    def add(
        self, record: ApiRecord, handler: ApiHandler | None = None, *, replace: bool = False
    ) -> ApiRecord:
        """Validate, normalise and register a record; return the stored (normalised) record.

        Raises `InvalidApiRecordError` for a bad record and `DuplicateApiError` when the key is
        taken and `replace` is false.
        """
        normalised = normalize_record(record)
        key = normalised.key
        if handler is not None and not isinstance(handler, ApiHandler):
            raise InvalidApiRecordError(key, f"the handler {handler!r} has no `async def call(arguments)`.")
        events: list[tuple[RegistryEvent, ApiRecord]] = []
        with self._lock:
            old = self._records.get(key)
            if old is not None and not replace:
                raise DuplicateApiError(key)
            provider = normalised.provider_name()
            holder = self._provider_names.get(provider)
            if holder is not None and holder != key:
                raise InvalidApiRecordError(
                    key,
                    f"its provider name `{provider}` collides with `{holder}` (names are sanitised and cut "
                    "to 64 characters for model providers). Rename one of them.",
                )
            if old is not None:
                self._drop(key)
                events.append(("removed", old))
            self._records[key] = normalised
            self._provider_names[provider] = key
            if handler is not None:
                self._handlers[key] = handler
            self.version += 1
            events.append(("added", normalised))
        self._notify(events)
        return normalised

    def add_many(self, entries: Iterable[Entry], *, replace: bool = False) -> AddReport:
        """Register every valid entry (a record, or a `(record, handler)` pair); collect the rest."""
        report = AddReport()
        for entry in entries:
            record, handler = entry if isinstance(entry, tuple) else (entry, None)
            try:
                report.added.append(self.add(record, handler, replace=replace))
            except (InvalidApiRecordError, DuplicateApiError) as exc:
                key = getattr(exc, "key", None) or _label(record)
                report.rejected.append(Rejection(key, str(exc)))
        return report

    def remove(self, key: str) -> ApiRecord:
        """Unregister an API and return its record; `UnknownApiError` if it is not registered."""
        with self._lock:
            if key not in self._records:
                raise UnknownApiError(key, self._records)
            record = self._drop(key)
            self.version += 1
        self._notify([("removed", record)])
        return record

    def discard(self, key: str) -> ApiRecord | None:
        """Unregister an API if present; return its record or None."""
        with self._lock:
            if key not in self._records:
                return None
        try:
            return self.remove(key)
        except UnknownApiError:  # removed concurrently
            return None

    def set_handler(self, key: str, handler: ApiHandler | None) -> None:
        """Attach (or with None, detach) the handler of a registered API."""
        with self._lock:
            if key not in self._records:
                raise UnknownApiError(key, self._records)
            if handler is None:
                self._handlers.pop(key, None)
            else:
                self._handlers[key] = handler

    def set_unavailable(self, key: str, reason: str) -> None:
        """Mark a registered API as not callable for now (its server was lost), saying why; it stays
        registered, and followers leave it out of selection until `set_available` or until it is
        registered again."""
        with self._lock:
            if key not in self._records:
                raise UnknownApiError(key, self._records)
            self._unavailable[key] = reason

    def set_available(self, key: str) -> None:
        """Clear `set_unavailable`'s mark (nothing happens if there is none)."""
        with self._lock:
            self._unavailable.pop(key, None)

    def unavailable(self) -> dict[str, str]:
        """The APIs marked unavailable, each with why (a copy)."""
        with self._lock:
            return dict(self._unavailable)

    def _drop(self, key: str) -> ApiRecord:
        self._unavailable.pop(key, None)
        record = self._records.pop(key)
        self._handlers.pop(key, None)
        self._provider_names.pop(record.provider_name(), None)
        return record

    # -- lookup ---------------------------------------------------------------------------------

    def get(self, key: str) -> ApiRecord:
        """The record for `key`; `UnknownApiError` (with did-you-mean) if it is not registered."""
        record = self._records.get(key)
        if record is None:
            raise UnknownApiError(key, self._records)
        return record

    def resolve(self, name: str) -> ApiRecord:
        """Like `get`, but also accepts the provider name (`namespace__name`) a model calls with."""
        record = self._records.get(name)
        if record is not None:
            return record
        key = self._provider_names.get(name)
        if key is not None:
            return self._records[key]
        raise UnknownApiError(name, [*self._records, *self._provider_names])

    def handler(self, key: str) -> ApiHandler | None:
        """The handler of a registered API, or None for a description-only record."""
        if key not in self._records:
            raise UnknownApiError(key, self._records)
        return self._handlers.get(key)

    def __contains__(self, key: object) -> bool:
        return key in self._records

    def __iter__(self) -> Iterator[ApiRecord]:
        return iter(list(self._records.values()))

    def __len__(self) -> int:
        return len(self._records)

    def keys(self) -> list[str]:
        """Registered keys, in registration order."""
        return list(self._records)

    def namespaces(self) -> list[str]:
        """The distinct namespaces, sorted."""
        return sorted({r.namespace for r in self._records.values()})

    def by_namespace(self, namespace: str) -> list[ApiRecord]:
        """The records of one namespace, in registration order (empty if none)."""
        return [r for r in self._records.values() if r.namespace == namespace]

    # -- change notification --------------------------------------------------------------------

    def subscribe(self, callback: Subscriber, *, replay: bool = False) -> Callable[[], None]:
        """Call `callback(event, record)` on every change; return a function that unsubscribes.

        With `replay=True` the callback first receives `("added", r)` for every current record, so
        an index can be built and kept current through the same code path.
        """
        with self._lock:
            self._subscribers.append(callback)
            current = list(self._records.values()) if replay else []
        for record in current:
            callback("added", record)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe

    def _notify(self, events: list[tuple[RegistryEvent, ApiRecord]]) -> None:
        """Deliver events to every subscriber; a failing subscriber does not starve the others."""
        with self._lock:
            subscribers = list(self._subscribers)
        first_error: BaseException | None = None
        for event, record in events:
            for callback in subscribers:
                try:
                    callback(event, record)
                except Exception as exc:  # a subscriber bug; re-raised below, after everyone heard
                    first_error = first_error or exc
        if first_error is not None:
            raise first_error


def _label(record: Any) -> str:
    try:
        return str(record.key)
    except AttributeError:
        return repr(record)[:80]
