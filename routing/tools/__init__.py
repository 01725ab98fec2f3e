"""Offline tools a task can declare: a calculator, unit and date conversion, and document search.

They stand in for WebArena's calculator, converter and manuals: the agent calls them with
`call_api(name, {json args})`, and they answer from their arguments (or the task's documents)
alone, with no network. All are Python callables registered through
`palaestra.routing.sources.python`, so their schemas come from their type hints and docstrings,
and all are marked read-only, idempotent, not destructive and closed-world.

    registry = ApiRegistry()
    register_offline_tools(registry, documents={"Returns policy": "...", "Shipping": "..."})
    result = await ApiExecutor(registry).call("calc/evaluate", {"expression": "2*(3+4)"})

Keys: `calc/evaluate`; `convert/units`, `convert/date_add`, `convert/date_diff`, `convert/weekday`,
`convert/date_format`; with documents, `docs/search` and `docs/read`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from palaestra.routing.registry import AddReport, ApiRegistry
from palaestra.routing.sources.python import register_callables
from palaestra.routing.tools._common import (
    OFFLINE,
    CalculatorError,
    ConversionError,
    DocumentError,
    ToolInputError,
)
from palaestra.routing.tools.calculator import calculate, evaluate
from palaestra.routing.tools.convert import date_add, date_diff, date_format, parse_date, units, weekday
from palaestra.routing.tools.documents import (
    Document,
    DocumentIndex,
    Hit,
    Passage,
    SearchResult,
    register_documents,
    split_passages,
)

#: The tools that need no task data, registered by every `register_offline_tools` call.
CALCULATOR_AND_CONVERTERS = (evaluate, units, date_add, date_diff, weekday, date_format)

__all__ = [
    "CALCULATOR_AND_CONVERTERS",
    "OFFLINE",
    "CalculatorError",
    "ConversionError",
    "Document",
    "DocumentError",
    "DocumentIndex",
    "Hit",
    "Passage",
    "SearchResult",
    "ToolInputError",
    "calculate",
    "date_add",
    "date_diff",
    "date_format",
    "evaluate",
    "parse_date",
    "register_documents",
    "register_offline_tools",
    "split_passages",
    "units",
    "weekday",
]


def register_offline_tools(
    registry: ApiRegistry,
    documents: DocumentIndex | Mapping[str, str] | Sequence[Document] | None = None,
    *,
    replace: bool = False,
) -> AddReport:
    """Register the calculator and the converters, and `docs/*` over `documents` when given.

    `documents` may be a ready `DocumentIndex` or the documents themselves (titles to texts, or
    `Document`s), which are indexed here. Returns what was registered and what was rejected.
    """
    report = register_callables(registry, *CALCULATOR_AND_CONVERTERS, replace=replace)
    if documents is not None:
        index = documents if isinstance(documents, DocumentIndex) else DocumentIndex(documents)
        report.merge(register_documents(registry, index, replace=replace))
    return report
