"""The offline tools registered in an `ApiRegistry`: the whole path from `ApiExecutor.call` to each
tool and back."""

from __future__ import annotations

import asyncio
import math
from typing import Any

import pytest

from palaestra.routing import ApiExecutor, ApiRegistry, CallResult
from palaestra.routing.tools import (
    DocumentIndex,
    register_documents,
    register_offline_tools,
)


def _call(executor: ApiExecutor, key: str, arguments: Any) -> CallResult:
    return asyncio.run(executor.call(key, arguments))


@pytest.fixture(scope="module")
def executor(documents: dict[str, str]) -> ApiExecutor:
    registry = ApiRegistry()
    report = register_offline_tools(registry, documents=documents)
    assert report.ok, report.rejected
    return ApiExecutor(registry)


def test_registration_keys_hints_and_schemas(executor: ApiExecutor) -> None:
    registry = executor.registry
    assert registry.keys() == [
        "calc/evaluate",
        "convert/units",
        "convert/date_add",
        "convert/date_diff",
        "convert/weekday",
        "convert/date_format",
        "docs/search",
        "docs/read",
    ]
    for record in registry:
        hints = record.annotations
        assert (hints.read_only, hints.destructive, hints.idempotent, hints.open_world) == (
            True,
            False,
            True,
            False,
        ), record.key
        assert record.description and record.source.startswith("python:palaestra.routing.tools.")
    calc = registry.get("calc/evaluate")
    assert calc.description.startswith("Compute an arithmetic expression")
    assert calc.parameters["required"] == ["expression"]
    assert calc.parameters["properties"]["expression"]["type"] == "string"
    diff = registry.get("convert/date_diff")
    assert diff.parameters["properties"]["unit"]["enum"] == ["days", "weeks"]
    assert diff.parameters["properties"]["unit"]["default"] == "days"
    search = registry.get("docs/search")
    assert "Documents: Shopping admin manual; GitLab guide; Map help." in search.description
    assert search.parameters["properties"]["k"]["default"] == 3


def test_executor_calculator_ok_and_error(executor: ApiExecutor) -> None:
    ok = _call(executor, "calc/evaluate", {"expression": "2*(3+4)"})
    assert ok.ok and ok.content == 14 and ok.for_model() == "14"
    bad = _call(executor, "calc/evaluate", {"expression": "2 + foo"})
    assert not bad.ok and bad.error_kind == "api_error"
    assert bad.message.startswith("`calc/evaluate` reported an error: Unknown name `foo`; known: abs")
    zero = _call(executor, "calc__evaluate", '{"expression": "1/0"}')  # provider name, JSON text
    assert zero.error_kind == "api_error" and "Division by zero" in zero.message
    assert zero.attempts == 1  # input errors are not retried


def test_executor_rejects_wrong_argument_types(executor: ApiExecutor) -> None:
    wrong = _call(executor, "calc/evaluate", {"expression": 5})
    assert wrong.error_kind == "invalid_arguments"
    assert "`expression`: 5 is not of type 'string'" in wrong.message
    missing = _call(executor, "convert/units", {"value": 1, "from_unit": "km"})
    assert missing.error_kind == "invalid_arguments" and "'to_unit' is a required property" in missing.message
    enum = _call(executor, "convert/date_format", {"date": "2025-03-03", "format": "german"})
    assert enum.error_kind == "invalid_arguments" and "'german' is not one of" in enum.message


def test_executor_converters(executor: ApiExecutor) -> None:
    assert _call(executor, "convert/units", {"value": 212, "from_unit": "F", "to_unit": "C"}).content == 100.0
    assert _call(executor, "convert/units", {"value": 5, "from_unit": "km", "to_unit": "mi"}).content == (
        pytest.approx(3.10685596)
    )
    assert _call(executor, "convert/date_add", {"date": "2024-01-31", "months": 1}).content == "2024-02-29"
    weeks = _call(
        executor, "convert/date_diff", {"start": "2025-03-01", "end": "2025-03-20", "unit": "weeks"}
    )
    assert weeks.content == 2
    assert _call(executor, "convert/weekday", {"date": "March 3, 2025"}).content == "Monday"
    long = _call(executor, "convert/date_format", {"date": "03/03/2025", "format": "long"})
    assert long.content == "Monday, March 3, 2025"
    mixed = _call(executor, "convert/units", {"value": 1, "from_unit": "kg", "to_unit": "m"})
    assert mixed.error_kind == "api_error" and "Cannot convert kg to m: mass vs length" in mixed.message


def test_executor_documents(executor: ApiExecutor, documents: dict[str, str]) -> None:
    found = _call(executor, "docs/search", {"query": "refund an order", "k": 2})
    assert found.ok
    assert 1 <= len(found.content) <= 2
    top = found.content[0]
    assert set(top) == {"title", "passage", "score"}
    assert top["title"] == "Shopping admin manual" and "Credit Memo" in top["passage"]
    assert isinstance(top["score"], float) and top["score"] > 0
    clamped = _call(executor, "docs/search", {"query": "order", "k": 0})
    assert clamped.ok and len(clamped.content) == 1
    full = _call(executor, "docs/read", {"title": "map help"})
    assert full.ok and full.content == documents["Map help"]
    unknown = _call(executor, "docs/read", {"title": "Gitlab guid"})
    assert unknown.error_kind == "api_error" and "Did you mean: `GitLab guide`?" in unknown.message


def test_documents_are_per_task_and_replaceable() -> None:
    registry = ApiRegistry()
    register_documents(registry, DocumentIndex({"Old": "legacy fax instructions"}), namespace="manuals")
    report = register_documents(
        registry, DocumentIndex({"New": "email support instructions"}), namespace="manuals", replace=True
    )
    assert report.ok and registry.keys() == ["manuals/search", "manuals/read"]
    executor = ApiExecutor(registry)
    hits = _call(executor, "manuals/search", {"query": "instructions"}).content
    assert [h["title"] for h in hits] == ["New"]
    duplicate = register_documents(registry, DocumentIndex({"X": "y"}), namespace="manuals")
    assert not duplicate.ok and {r.key for r in duplicate.rejected} == {"manuals/search", "manuals/read"}


def test_register_offline_tools_without_documents() -> None:
    registry = ApiRegistry()
    report = register_offline_tools(registry)
    assert report.ok and len(report.added) == 6
    assert registry.namespaces() == ["calc", "convert"]
    assert math.isclose(
        _call(
            ApiExecutor(registry), "convert/units", {"value": 1, "from_unit": "mi", "to_unit": "km"}
        ).content,
        1.609344,
    )
