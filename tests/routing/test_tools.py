"""The offline tools: calculator values and refusals, unit and date conversion, document search,
and the whole path from `ApiExecutor.call` to each tool and back."""

from __future__ import annotations

import ast
import asyncio
import inspect
import math
from typing import Any

import pytest

from palaestra.routing import ApiCallError, ApiExecutor, ApiRegistry, CallResult
from palaestra.routing.tools import (
    CalculatorError,
    ConversionError,
    Document,
    DocumentError,
    DocumentIndex,
    calculate,
    date_add,
    date_diff,
    date_format,
    parse_date,
    register_documents,
    register_offline_tools,
    split_passages,
    units,
    weekday,
)
from palaestra.routing.tools import calculator as calculator_module
from palaestra.routing.tools import documents as documents_module

# -- calculator --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("2*(3+4)", 14),
        ("2+3*4", 14),
        ("(2+3)*4", 20),
        ("-3**2", -9),
        ("2**3**2", 512),
        ("(-2)**2", 4),
        ("7//2", 3),
        ("-7//2", -4),
        ("7%3", 1),
        ("10/4", 2.5),
        ("0.1+0.2", 0.3),
        ("1.5e3 + 2", 1502.0),
        ("--5", 5),
        ("+5 - -5", 10),
        ("2**-2", 0.25),
        ("sqrt(16)", 4.0),
        ("abs(-4.5)", 4.5),
        ("round(2.5)", 3),
        ("round(-2.5)", -3),
        ("round(2.675, 2)", 2.68),
        ("round(1234, -2)", 1200),
        ("min(3, 1, 2)", 1),
        ("max(1.5, 2)", 2),
        ("log(e)", 1.0),
        ("log(8, 2)", 3.0),
        ("exp(0)", 1.0),
        ("sin(0)", 0.0),
        ("cos(pi)", -1.0),
        ("tan(0)", 0.0),
        ("floor(2.7) + ceil(2.1)", 5),
        ("round(129.99 * 0.85, 2)", 110.49),
        ("(19.99*3 + 4.5) * 1.08", 69.6276),
        ("12 × 3 ÷ 4 − 1", 8.0),
        ("2**1000 // 2**999", 2),
    ],
)
def test_calculator_values(expression: str, expected: float) -> None:
    result = calculate(expression)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    ("expression", "needle"),
    [
        ("1/0", "Division by zero"),
        ("5 % 0", "Division by zero"),
        ("0**-1", "Division by zero"),
        ("foo + 1", "Unknown name `foo`; known: abs, ceil, cos"),
        ("bar(2)", "Unknown function `bar`; known: abs"),
        ("sqrt(-1)", "sqrt(-1) is undefined"),
        ("log(0)", "log(0) is undefined"),
        ("2^10", "write 2**10 for powers"),
        ("1 +", "is not a valid arithmetic expression"),
        ("", "empty"),
        ("sqrt", "`sqrt` is a function"),
        ("pi(2)", "`pi` is a constant"),
        ("sqrt(1, 2)", "sqrt() takes 1 argument(s), got 2"),
        ("min()", "min() takes at least 1 argument(s), got 0"),
        ("round(2.5, ndigits=1)", "positional arguments only"),
        ("(-8)**(1/3)", "not a real number"),
        ("1 < 2", "does not allow comparisons"),
        ("1,000 * 2", "write 1000, not 1,000"),
        ("True + 1", "does not allow `True`"),
        ("'a' * 3", "does not allow strings"),
    ],
)
def test_calculator_errors_say_what_is_wrong(expression: str, needle: str) -> None:
    with pytest.raises(CalculatorError) as caught:
        calculate(expression)
    assert needle in str(caught.value)


@pytest.mark.parametrize(
    ("expression", "needle"),
    [
        ("__import__('os')", "Unknown function `__import__`"),
        ("__import__('os').system('true')", "attribute access"),
        ("().__class__.__bases__", "attribute access"),
        ("().__class__.__bases__[0]", "indexing"),
        ("abs.__self__", "attribute access"),
        ("(lambda: 1)()", "Only the known functions can be called"),
        ("lambda x: x", "lambda functions"),
        ("[x for x in (1, 2)]", "comprehensions"),
        ("sum(x for x in (1, 2))", "Unknown function `sum`"),
        ("max(x for x in (1, 2))", "comprehensions"),
        ("{1: 2}", "dicts"),
        ("(1, 2)[0]", "indexing"),
        ("(y := 3)", "assignments"),
        ("1 if 1 else 2", "conditional expressions"),
        ("f'{1}'", "strings"),
        ("9**9**9", "exponent 3.8742e+08 is too large"),
        ("2**100000", "exponent 100000 is too large"),
        ("10**400", "more than 308 digits"),
        ("10**300 * 10**300", "exceeds 2**1024"),
        ("1" * 400, "exceeds 2**1024"),
        ("10.0**400", "too large to represent"),
        ("1e308 * 10", "too large to represent"),
        ("exp(1000)", "too large to represent"),
        ("1+" * 300 + "1", "limit is 500"),
        ("-" * 200 + "1", "nested more than"),
    ],
)
def test_calculator_refuses_abuse(expression: str, needle: str) -> None:
    with pytest.raises(CalculatorError) as caught:
        calculate(expression)
    assert needle in str(caught.value)


def test_calculator_never_calls_eval_exec_or_compile() -> None:
    tree = ast.parse(inspect.getsource(calculator_module))
    called = {
        node.func.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    assert not called & {"eval", "exec", "compile", "__import__"}


def test_calculator_error_is_an_api_call_error() -> None:
    with pytest.raises(ApiCallError):
        calculate("1/0")
    with pytest.raises(ValueError):  # and a ValueError for plain Python callers
        calculate("1/0")


# -- units -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "source", "target", "expected"),
    [
        (1, "km", "m", 1000.0),
        (5, "km", "mi", 3.1068559611866697),
        (1, "mi", "km", 1.609344),
        (12, "in", "ft", 1.0),
        (3, "ft", "yd", 1.0),
        (25.4, "mm", "in", 1.0),
        (1, "m", "cm", 100.0),
        (1, "lb", "kg", 0.45359237),
        (16, "oz", "lb", 1.0),
        (1, "t", "kg", 1000.0),
        (1500, "mg", "g", 1.5),
        (1, "gal", "l", 3.785411784),
        (1, "gal", "qt", 4.0),
        (1, "qt", "pt", 2.0),
        (1, "pt", "cup", 2.0),
        (1, "cup", "floz", 8.0),
        (1, "l", "ml", 1000.0),
        (1.5, "h", "min", 90.0),
        (1, "week", "day", 7.0),
        (1, "day", "s", 86400.0),
        (36, "km/h", "m/s", 10.0),
        (10, "knot", "km/h", 18.52),
        (60, "mph", "km/h", 96.56064),
        (212, "F", "C", 100.0),
        (100, "C", "F", 212.0),
        (-40, "C", "F", -40.0),
        (0, "C", "K", 273.15),
        (0, "K", "F", -459.67),
        (1, "GB", "MB", 1000.0),
        (1, "TB", "GB", 1000.0),
        (1, "KB", "B", 1000.0),
        (1, "GiB", "MiB", 1024.0),
        (1, "GiB", "MB", 1073.741824),
        (1, "MiB", "KiB", 1024.0),
    ],
)
def test_unit_conversions(value: float, source: str, target: str, expected: float) -> None:
    assert units(value, source, target) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("source", "target", "expected"),
    [
        ("kilometers", "meters", 3000.0),
        ("Km", "M", 3000.0),
        ("KILOMETRES", "metre", 3000.0),
        ("miles per hour", "km per h", 4.828032),
        ("degrees Fahrenheit", "°C", -16.11111111111111),
        ("metric tons", "kilograms", 3000.0),
        ("fl oz", "milliliters", 88.7205886875),
        ("hrs", "mins", 180.0),
        ("kibibytes", "bytes", 3072.0),
        ("feet", "inches", 36.0),
    ],
)
def test_unit_aliases_and_case(source: str, target: str, expected: float) -> None:
    assert units(3, source, target) == pytest.approx(expected, rel=1e-12)


def test_unknown_unit_suggests_close_names() -> None:
    with pytest.raises(ConversionError) as caught:
        units(1, "kilomter", "m")
    message = str(caught.value)
    assert message.startswith("Unknown unit `kilomter`. Did you mean: `kilometer` (km)")
    assert "length: mm, cm, m, km, in, ft, yd, mi" in message
    with pytest.raises(ConversionError, match=r"Did you mean: `celsius` \(C\)"):
        units(1, "celcius", "F")


@pytest.mark.parametrize(
    ("source", "target", "needle"),
    [
        ("kg", "m", "Cannot convert kg to m: mass vs length"),
        ("kilograms", "miles", "Cannot convert kg to mi: mass vs length"),
        ("C", "km/h", "Cannot convert C to km/h: temperature vs speed"),
        ("GB", "s", "Cannot convert GB to s: data vs time"),
    ],
)
def test_incompatible_units_name_both_dimensions(source: str, target: str, needle: str) -> None:
    with pytest.raises(ConversionError) as caught:
        units(1, source, target)
    assert needle in str(caught.value)


def test_temperatures_below_absolute_zero_are_refused() -> None:
    with pytest.raises(ConversionError, match="below absolute zero"):
        units(-300, "C", "F")


# -- dates -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "2025-03-03",
        "2025-3-3",
        "03/03/2025",
        "3/3/2025",
        "March 3, 2025",
        "march 3 2025",
        "Mar. 3, 2025",
        "Monday, March 3, 2025",
        "3 March 2025",
        "2025-03-03T14:30:00",
    ],
)
def test_dates_are_read_in_iso_us_and_long_forms(text: str) -> None:
    assert parse_date(text).isoformat() == "2025-03-03"


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("tomorrow", "Cannot read the date `tomorrow`. Write dates as YYYY-MM-DD"),
        ("2025-02-30", "not a valid date: day is out of range for month"),
        ("2023-02-29", "not a valid date: day is out of range for month"),
        ("31/12/2025", "read month first, MM/DD/YYYY"),
        ("Smarch 3, 2025", "`Smarch` in `Smarch 3, 2025` is not a month name"),
        ("Tuesday, March 3, 2025", "2025-03-03 is a Monday"),
    ],
)
def test_unreadable_dates_are_explained(text: str, needle: str) -> None:
    with pytest.raises(ConversionError) as caught:
        parse_date(text)
    assert needle in str(caught.value)


@pytest.mark.parametrize(
    ("date", "shift", "expected"),
    [
        ("2025-03-03", {"days": 30}, "2025-04-02"),
        ("2025-03-03", {"days": -3}, "2025-02-28"),
        ("2025-03-03", {"weeks": 2}, "2025-03-17"),
        ("2025-01-31", {"months": 1}, "2025-02-28"),
        ("2024-01-31", {"months": 1}, "2024-02-29"),
        ("2025-03-31", {"months": 1}, "2025-04-30"),
        ("2025-03-31", {"months": -1}, "2025-02-28"),
        ("2025-11-15", {"months": 3}, "2026-02-15"),
        ("2025-01-15", {"months": -1}, "2024-12-15"),
        ("2024-02-29", {"years": 1}, "2025-02-28"),
        ("2024-02-29", {"years": 4}, "2028-02-29"),
        ("2025-01-31", {"months": 1, "days": 1}, "2025-03-01"),
        ("March 3, 2025", {"years": -1, "weeks": 1}, "2024-03-10"),
    ],
)
def test_date_add(date: str, shift: dict[str, int], expected: str) -> None:
    assert date_add(date, **shift) == expected


def test_date_add_out_of_range_is_an_error() -> None:
    with pytest.raises(ConversionError, match="outside the years 1-9999"):
        date_add("9999-12-31", days=1)
    with pytest.raises(ConversionError, match="outside the years 1-9999"):
        date_add("9999-12-31", months=1)


@pytest.mark.parametrize(
    ("start", "end", "unit", "expected"),
    [
        ("2025-03-01", "2025-03-15", "days", 14),
        ("2025-03-15", "2025-03-01", "days", -14),
        ("2024-02-01", "2024-03-01", "days", 29),
        ("2025-02-01", "2025-03-01", "days", 28),
        ("2024-01-01", "2025-01-01", "days", 366),
        ("2025-03-01", "2025-03-20", "weeks", 2),
        ("2025-03-20", "2025-03-01", "weeks", -2),
        ("01/01/2025", "March 3, 2025", "days", 61),
    ],
)
def test_date_diff(start: str, end: str, unit: Any, expected: int) -> None:
    assert date_diff(start, end, unit) == expected


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ("2025-03-03", "Monday"),
        ("02/29/2024", "Thursday"),
        ("2000-01-01", "Saturday"),
        ("July 4, 1776", "Thursday"),
    ],
)
def test_weekday(date: str, expected: str) -> None:
    assert weekday(date) == expected


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("iso", "2025-03-04"),
        ("us", "03/04/2025"),
        ("eu", "04/03/2025"),
        ("long", "Tuesday, March 4, 2025"),
    ],
)
def test_date_format(fmt: Any, expected: str) -> None:
    assert date_format("2025-03-04", fmt) == expected
    assert (
        parse_date(date_format("2025-03-04", fmt) if fmt != "eu" else "2025-03-04").isoformat()
        == "2025-03-04"
    )


# -- documents ---------------------------------------------------------------------------------

SHOP_MANUAL = """Shopping Admin Manual

Products. To add a product, open Catalog > Products and click Add Product. Fill in the SKU, the \
price and the quantity, then save.

Refunds. To refund an order, open Sales > Orders, select the order and create a Credit Memo. \
The refund goes back to the original payment method within five business days.

Customers. Customer groups control tier prices. Assign a customer to a group on the Account \
Information tab of the customer's page."""

GITLAB_GUIDE = """GitLab Guide

Merge requests. Push a branch, then open Merge Requests > New merge request, pick the source \
and target branches and assign a reviewer.

SSH keys. To clone over SSH, generate a key pair with ssh-keygen and paste the public key in \
Preferences > SSH Keys."""

MAP_HELP = """Map Help

Directions. Click Directions, enter a start and a destination, and choose walking, cycling or \
driving. The route shows the distance and the travel time."""

DOCUMENTS = {"Shopping admin manual": SHOP_MANUAL, "GitLab guide": GITLAB_GUIDE, "Map help": MAP_HELP}


@pytest.fixture(scope="module")
def index() -> DocumentIndex:
    return DocumentIndex(DOCUMENTS)


@pytest.mark.parametrize(
    ("query", "title", "phrase"),
    [
        ("how do I refund an order", "Shopping admin manual", "Credit Memo"),
        ("add a new product with a SKU", "Shopping admin manual", "Add Product"),
        ("customer group tier price", "Shopping admin manual", "Customer groups"),
        ("upload my ssh public key", "GitLab guide", "ssh-keygen"),
        ("open a merge request for review", "GitLab guide", "assign a reviewer"),
        ("driving directions travel time", "Map help", "choose walking, cycling"),
    ],
)
def test_search_finds_the_right_passage(index: DocumentIndex, query: str, title: str, phrase: str) -> None:
    hits = index.search(query, k=3)
    assert hits, query
    best = hits[0]
    assert best.passage.title == title
    assert phrase in best.passage.text
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_search_returns_only_matching_passages(index: DocumentIndex) -> None:
    assert index.search("zebra quantum", k=3) == []
    assert index.search("the of and", k=3) == []  # stopwords only
    assert len(index.search("order", k=10)) <= 10


def test_passages_keep_title_and_offset(index: DocumentIndex) -> None:
    shop = [p for p in index.passages if p.title == "Shopping admin manual"]
    assert len(shop) >= 2  # split, not indexed as one blob
    for passage in index.passages:
        text = DOCUMENTS[passage.title]
        assert text[passage.offset : passage.offset + len(passage.text)] == passage.text
    refund = next(p for p in shop if "Credit Memo" in p.text)
    assert refund.offset == SHOP_MANUAL.index("Refunds.")


def test_long_paragraphs_are_cut_at_sentences() -> None:
    sentence = "The warehouse ships every order within two business days of payment. "
    text = "Intro.\n\n" + sentence * 60 + "\n\nLast paragraph."
    passages = split_passages("Long", text)
    assert len(passages) >= 4
    assert all(len(p.text) <= documents_module.MAX_PASSAGE_CHARS for p in passages)
    assert all(p.text.endswith(".") for p in passages)  # cut at sentence ends
    for passage in passages:
        assert text[passage.offset : passage.offset + len(passage.text)] == passage.text
    covered = "".join(p.text for p in passages).replace(" ", "").replace("\n", "")
    assert covered == text.replace(" ", "").replace("\n", "")  # nothing lost


def test_read_returns_the_document_and_suggests_titles(index: DocumentIndex) -> None:
    assert index.read("GitLab guide") == GITLAB_GUIDE
    assert index.read("  gitlab   GUIDE ") == GITLAB_GUIDE
    with pytest.raises(DocumentError) as caught:
        index.read("Gitlab guid")
    message = str(caught.value)
    assert "No document is titled `Gitlab guid`. Did you mean: `GitLab guide`?" in message
    assert "`Map help`" in message


def test_document_index_inputs() -> None:
    from_documents = DocumentIndex([Document("A", "alpha beta"), Document("B", "gamma delta")])
    assert from_documents.titles == ["A", "B"]
    assert from_documents.search("gamma")[0].passage.title == "B"
    assert DocumentIndex({}).search("anything") == []
    with pytest.raises(ValueError, match="titles must be unique"):
        DocumentIndex([Document("A", "x"), Document("A", "y")])
    with pytest.raises(ValueError, match="non-empty title"):
        DocumentIndex({" ": "x"})


# -- registration and the executor -------------------------------------------------------------


def _call(executor: ApiExecutor, key: str, arguments: Any) -> CallResult:
    return asyncio.run(executor.call(key, arguments))


@pytest.fixture(scope="module")
def executor() -> ApiExecutor:
    registry = ApiRegistry()
    report = register_offline_tools(registry, documents=DOCUMENTS)
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


def test_executor_documents(executor: ApiExecutor) -> None:
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
    assert full.ok and full.content == MAP_HELP
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
