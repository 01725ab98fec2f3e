"""API routing: describe APIs from any source, keep them in a registry, and call them safely.

    from palaestra.routing import (
        Annotations, ApiExecutor, ApiRegistry, FeedbackStore, McpSource, OpenApiSource, api,
        register_callables, register_json,
    )

    # Unannotated APIs count as destructive (MCP's default), which the executor refuses by default.
    @api(namespace="weather", annotations=Annotations(read_only=True, destructive=False, idempotent=True))
    def forecast(city: str, days: int = 3) -> dict:
        '''Forecast the weather for a city. Use when the user asks about upcoming weather.'''
        ...

    registry = ApiRegistry()
    register_callables(registry, forecast)                 # Python callables
    OpenApiSource.load("service.yaml").register(registry)  # OpenAPI operations over HTTP
    register_json(registry, "tools.json")                  # descriptions in MCP tools/list shape
    async with McpSource.stdio("my-mcp-server", registry=registry):   # a live MCP server
        executor = ApiExecutor(registry, feedback=FeedbackStore("feedback.db"))
        result = await executor.call("weather/forecast", {"city": "Oslo"})
        print(result.ok, result.content if result.ok else result.message)

Sources produce `ApiRecord`s (pure descriptions, normalised into the provider-safe JSON Schema
subset on registration) and `ApiHandler`s (how to call them). The executor validates, times out,
retries idempotent calls on transport failures, refuses destructive calls unless allowed, and
records outcomes in the feedback store, whose `prior(key)` a selector can multiply in.
"""

from typing import TYPE_CHECKING

from palaestra.lazy import lazy_exports
from palaestra.routing.errors import (
    ApiCallError,
    ApiSourceError,
    ApiTimeoutError,
    ApiTransportError,
    ApiUnavailableError,
    DuplicateApiError,
    InvalidApiRecordError,
    InvalidResultError,
    NoHandlerError,
    RoutingError,
    UnknownApiError,
)
from palaestra.routing.executor import ApiExecutor, CallResult, ErrorKind
from palaestra.routing.feedback import ApiStats, FailureReport, FeedbackStore
from palaestra.routing.jsonable import to_jsonable
from palaestra.routing.records import NAMESPACE_SEPARATOR, Annotations, ApiRecord
from palaestra.routing.registry import AddReport, ApiHandler, ApiRegistry, RegistryEvent, Rejection
from palaestra.routing.schema import normalize_parameters, normalize_record, normalize_result
from palaestra.routing.sources.json_file import load_tools_json, register_json
from palaestra.routing.sources.openapi import OpenApiSource
from palaestra.routing.sources.python import api, from_callable, register_callables

if TYPE_CHECKING:
    from palaestra.routing.environment import TaskTools
    from palaestra.routing.fusion import AbstainPolicy, FusionWeights
    from palaestra.routing.judge import CrossEncoderJudge, FitJudge, JudgePolicy
    from palaestra.routing.meta_tool import search_apis_tool
    from palaestra.routing.rerank import LLMReranker
    from palaestra.routing.selector import ApiSelector, ScoredApi, Selection
    from palaestra.routing.sources.mcp import McpSource

__all__ = [
    "NAMESPACE_SEPARATOR",
    "AbstainPolicy",
    "AddReport",
    "Annotations",
    "ApiCallError",
    "ApiExecutor",
    "ApiHandler",
    "ApiRecord",
    "ApiRegistry",
    "ApiSelector",
    "ApiSourceError",
    "ApiStats",
    "ApiTimeoutError",
    "ApiTransportError",
    "ApiUnavailableError",
    "CallResult",
    "CrossEncoderJudge",
    "DuplicateApiError",
    "ErrorKind",
    "FailureReport",
    "FeedbackStore",
    "FitJudge",
    "FusionWeights",
    "InvalidApiRecordError",
    "InvalidResultError",
    "JudgePolicy",
    "LLMReranker",
    "McpSource",
    "NoHandlerError",
    "OpenApiSource",
    "RegistryEvent",
    "Rejection",
    "RoutingError",
    "ScoredApi",
    "Selection",
    "TaskTools",
    "UnknownApiError",
    "api",
    "from_callable",
    "load_tools_json",
    "normalize_parameters",
    "normalize_record",
    "normalize_result",
    "register_callables",
    "register_json",
    "search_apis_tool",
    "to_jsonable",
]


#: Names imported on first use: the `mcp` SDK and the selector's embedding stack are heavy.
_LAZY = {
    "McpSource": "palaestra.routing.sources.mcp",
    "ApiSelector": "palaestra.routing.selector",
    "Selection": "palaestra.routing.selector",
    "ScoredApi": "palaestra.routing.selector",
    "AbstainPolicy": "palaestra.routing.fusion",
    "FusionWeights": "palaestra.routing.fusion",
    "LLMReranker": "palaestra.routing.rerank",
    "CrossEncoderJudge": "palaestra.routing.judge",
    "FitJudge": "palaestra.routing.judge",
    "JudgePolicy": "palaestra.routing.judge",
    "search_apis_tool": "palaestra.routing.meta_tool",
    "TaskTools": "palaestra.routing.environment",
}

__getattr__ = lazy_exports(__name__, _LAZY)
