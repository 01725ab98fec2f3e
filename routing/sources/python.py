"""Register Python callables (sync or async) as APIs.

The function's signature and Google-style docstring are its documentation: type hints become the
parameters schema, the docstring's lead text the description (its first sentence should say when
to use the API), `Args:` the argument descriptions, `Examples:` the examples, and a simple return
annotation the result schema. Mark functions with `@api(...)` to set what hints cannot say
(namespace, behaviour annotations, composition notes), then register them:

    @api(namespace="math", annotations=Annotations(read_only=True, destructive=False, idempotent=True))
    def add(a: int, b: int) -> int:
        '''Add two integers. Use for exact integer sums.'''
        return a + b

    registry.add(*from_callable(add))          # or: register_callables(registry, add, other, module)

Synchronous functions run on a thread of their own, so that a slow one cannot stall the event loop
and a hung one, abandoned at its timeout, cannot take capacity from the others (`_sync_calls`).
"""

from __future__ import annotations

import inspect
import logging
import types
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar, overload

from palaestra.routing.errors import ApiCallError, InvalidApiRecordError
from palaestra.routing.records import NAMESPACE_SEPARATOR, Annotations, ApiRecord
from palaestra.routing.registry import AddReport, ApiRegistry, Entry, Rejection
from palaestra.routing.sources._docstrings import parse_docstring
from palaestra.routing.sources._pytypes import UnsupportedTypeError, coerce, schema_for
from palaestra.routing.sources._sync_calls import SyncCaller

F = TypeVar("F", bound=Callable[..., Any])
_SPEC_ATTRIBUTE = "__palaestra_api__"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ApiSpec:
    """What `@api` attached to a function; every field left None falls back to introspection."""

    namespace: str | None = None
    name: str | None = None
    description: str | None = None
    annotations: Annotations | None = None
    examples: tuple[str, ...] | None = None
    composition: str = ""
    category: str = ""


@overload
def api(fn: F, /) -> F: ...
@overload
def api(
    fn: None = None,
    /,
    *,
    namespace: str | None = None,
    name: str | None = None,
    description: str | None = None,
    annotations: Annotations | None = None,
    examples: Iterable[str] | None = None,
    composition: str = "",
    category: str = "",
) -> Callable[[F], F]: ...
def api(
    fn: F | None = None,
    /,
    *,
    namespace: str | None = None,
    name: str | None = None,
    description: str | None = None,
    annotations: Annotations | None = None,
    examples: Iterable[str] | None = None,
    composition: str = "",
    category: str = "",
) -> F | Callable[[F], F]:
    """Mark a function as an API (usable bare, `@api`, or with options, `@api(namespace=...)`).

    The function is returned unchanged; the mark is read by `from_callable`/`register_callables`.
    """
    spec = ApiSpec(
        namespace=namespace,
        name=name,
        description=description,
        annotations=annotations,
        examples=tuple(examples) if examples is not None else None,
        composition=composition,
        category=category,
    )

    def mark(target: F) -> F:
        setattr(target, _SPEC_ATTRIBUTE, spec)
        return target

    return mark(fn) if fn is not None else mark


class CallableHandler:
    """Calls a Python function with JSON arguments coerced to its annotated parameter types."""

    def __init__(
        self, fn: Callable[..., Any], hints: dict[str, Any], *, run_sync_in_thread: bool = True
    ) -> None:
        self.fn, self.hints, self.run_sync_in_thread = fn, hints, run_sync_in_thread
        self.caller = SyncCaller(getattr(fn, "__qualname__", None) or type(fn).__name__)

    async def call(self, arguments: dict[str, Any]) -> Any:
        """Coerce the arguments, call the function (awaiting it if async) and return its result."""
        kwargs: dict[str, Any] = {}
        for arg_name, value in arguments.items():
            try:
                kwargs[arg_name] = coerce(value, self.hints.get(arg_name, Any))
            except (TypeError, ValueError) as exc:
                raise ApiCallError(f"argument `{arg_name}` could not be converted: {exc}") from exc
        if inspect.iscoroutinefunction(self.fn):
            return await self.fn(**kwargs)
        if self.run_sync_in_thread:  # a thread of its own, abandoned if it hangs (see _sync_calls)
            result = await self.caller.call(self.fn, **kwargs)
        else:
            result = self.fn(**kwargs)
        return await result if inspect.isawaitable(result) else result

    def __repr__(self) -> str:
        return f"CallableHandler({getattr(self.fn, '__qualname__', self.fn)!r})"


def from_callable(
    fn: Callable[..., Any],
    *,
    namespace: str | None = None,
    name: str | None = None,
    description: str | None = None,
    annotations: Annotations | None = None,
    run_sync_in_thread: bool = True,
) -> tuple[ApiRecord, CallableHandler]:
    """Describe `fn` as an `ApiRecord` and wrap it in a handler; raise `InvalidApiRecordError`.

    Keyword arguments override the `@api` mark, which overrides introspection. The namespace
    defaults to the last component of the function's module.
    """
    spec: ApiSpec = getattr(fn, _SPEC_ATTRIBUTE, None) or ApiSpec()
    module = getattr(fn, "__module__", None) or "python"
    qualname = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or type(fn).__name__
    namespace = namespace or spec.namespace or module.rsplit(".", 1)[-1].strip("_") or "python"
    name = name or spec.name or getattr(fn, "__name__", None) or type(fn).__name__
    key = f"{namespace}{NAMESPACE_SEPARATOR}{name}"
    if not callable(fn):
        raise InvalidApiRecordError(key, f"{fn!r} is not callable.")
    target = fn if isinstance(fn, types.FunctionType | types.MethodType) else type(fn).__call__
    try:
        hints = typing.get_type_hints(target, include_extras=True)
    except (NameError, TypeError) as exc:
        raise InvalidApiRecordError(key, f"its type hints cannot be resolved: {exc}") from exc
    doc = parse_docstring(inspect.getdoc(fn))
    parameters = _parameters_schema(fn, hints, doc.params, key)
    record = ApiRecord(
        namespace=namespace,
        name=name,
        description=description or spec.description or doc.description,
        parameters=parameters,
        result=_result_schema(hints.get("return", inspect.Parameter.empty), doc.returns),
        examples=spec.examples if spec.examples is not None else tuple(doc.examples),
        composition=spec.composition,
        category=spec.category,
        annotations=annotations or spec.annotations or Annotations(),
        source=f"python:{module}.{qualname}",
    )
    return record, CallableHandler(fn, hints, run_sync_in_thread=run_sync_in_thread)


def _parameters_schema(
    fn: Callable[..., Any], hints: dict[str, Any], described: dict[str, str], key: str
) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    required: list[str] = []
    defs: dict[str, Any] = {}
    takes_any = False
    for param in inspect.signature(fn).parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            takes_any = takes_any or param.kind is param.VAR_KEYWORD
            continue  # not expressible as named JSON arguments; the function still gets the rest
        if param.kind is param.POSITIONAL_ONLY:
            raise InvalidApiRecordError(
                key, f"parameter `{param.name}` is positional-only; APIs are called with named arguments."
            )
        hint = hints.get(param.name, inspect.Parameter.empty)
        try:
            schema = schema_for(hint, defs)
        except UnsupportedTypeError as exc:
            raise InvalidApiRecordError(
                key, f"parameter `{param.name}`: {exc}. Annotate it with a JSON-friendly type."
            ) from exc
        # The parameter's own words (Annotated, else `Args:`) beat its type's docstring.
        if param.name in described and typing.get_origin(hint) is not typing.Annotated:
            schema["description"] = described[param.name]
        if param.default is param.empty:
            required.append(param.name)
        elif _json_literal(param.default):
            schema.setdefault("default", param.default)
        properties[param.name] = schema
    schema_root: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema_root["required"] = required
    if not takes_any:  # an argument it does not name would crash the call, as the API's failure
        schema_root["additionalProperties"] = False
    if defs:
        schema_root["$defs"] = defs
    return schema_root


def _result_schema(annotation: Any, described: str) -> dict[str, Any] | None:
    """The return annotation's schema when it is simple enough to promise; otherwise no schema."""
    if annotation in (inspect.Parameter.empty, Any, None, type(None)):
        return None
    defs: dict[str, Any] = {}
    try:
        schema = schema_for(annotation, defs)
    except UnsupportedTypeError:
        return None
    if not schema:
        return None
    if defs:
        schema["$defs"] = defs
    if described and "description" not in schema:
        schema["description"] = described
    return schema


def _json_literal(value: Any) -> bool:
    return value is None or isinstance(value, bool | int | float | str)


def collect(*objects: Any) -> list[Callable[..., Any]]:
    """The `@api`-marked functions among `objects`; a module contributes all its marked functions."""
    found: list[Callable[..., Any]] = []
    for obj in objects:
        if isinstance(obj, types.ModuleType):
            found.extend(v for v in vars(obj).values() if callable(v) and hasattr(v, _SPEC_ATTRIBUTE))
        elif callable(obj):
            found.append(obj)
        else:
            raise TypeError(f"expected a callable or a module, got {obj!r}")
    return found


def register_callables(
    registry: ApiRegistry, *objects: Any, namespace: str | None = None, replace: bool = False
) -> AddReport:
    """Register functions (and the `@api` functions of modules); collect the ones that fail."""
    entries: list[Entry] = []
    report = AddReport()
    unmarked: set[str] = set()
    for fn in collect(*objects):
        try:
            record, handler = from_callable(fn, namespace=namespace)
        except InvalidApiRecordError as exc:
            report.rejected.append(Rejection(exc.key, str(exc)))
            continue
        entries.append((record, handler))
        spec: ApiSpec | None = getattr(fn, _SPEC_ATTRIBUTE, None)
        if spec is None or spec.annotations is None:
            unmarked.add(record.key)
    report.merge(registry.add_many(entries, replace=replace))
    _warn_unmarked([r.key for r in report.added if r.key in unmarked])
    return report


def _warn_unmarked(keys: list[str]) -> None:
    """Say once that functions without behaviour annotations will be refused by default: the
    executor's refusal is written for the model, and the developer would not see why."""
    if keys:
        log.warning(
            "%d function(s) registered without behaviour annotations count as destructive (MCP's "
            "default), so ApiExecutor refuses them unless allow_destructive= names them: %s. Mark the "
            "safe ones with @api(annotations=Annotations(read_only=True, destructive=False)).",
            len(keys),
            ", ".join(keys[:5]) + (", ..." if len(keys) > 5 else ""),
        )
