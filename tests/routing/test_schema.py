"""Schema normalisation on registration: what is rewritten, and what is rejected with which problem."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from palaestra.routing import ApiRecord, InvalidApiRecordError, normalize_parameters, normalize_result
from palaestra.routing.schema import normalize_record

REWRITES: list[tuple[str, Any, dict[str, Any]]] = [
    ("missing schema", None, {"type": "object", "properties": {}}),
    (
        "missing type",
        {"properties": {"q": {"type": "string"}}},
        {"type": "object", "properties": {"q": {"type": "string"}}},
    ),
    ("missing properties", {"type": "object"}, {"type": "object", "properties": {}}),
    (
        "$schema dropped everywhere",
        {
            "$schema": "http://json-schema.org/draft-07/schema#",
            "properties": {"a": {"$schema": "x", "type": "string"}},
        },
        {"type": "object", "properties": {"a": {"type": "string"}}},
    ),
    ("nullable root type", {"type": ["object", "null"]}, {"type": "object", "properties": {}}),
    (
        "root $ref inlined",
        {
            "$ref": "#/$defs/Args",
            "$defs": {"Args": {"type": "object", "properties": {"x": {"type": "integer"}}}},
        },
        {
            "type": "object",
            "properties": {"x": {"type": "integer"}},
            "$defs": {"Args": {"type": "object", "properties": {"x": {"type": "integer"}}}},
        },
    ),
    (
        "type list with null kept (OpenAI's nullable form), duplicates removed",
        {"properties": {"a": {"type": ["string", "null", "string"]}}},
        {"type": "object", "properties": {"a": {"type": ["string", "null"]}}},
    ),
    (
        "one-element type list",
        {"properties": {"a": {"type": ["integer"]}}},
        {"type": "object", "properties": {"a": {"type": "integer"}}},
    ),
    (
        "multi-type list -> anyOf with each type's keywords",
        {
            "properties": {
                "a": {"type": ["string", "integer", "null"], "minLength": 2, "minimum": 0, "description": "d"}
            }
        },
        {
            "type": "object",
            "properties": {
                "a": {
                    "description": "d",
                    "anyOf": [
                        {"type": "string", "minLength": 2},
                        {"type": "integer", "minimum": 0},
                        {"type": "null"},
                    ],
                }
            },
        },
    ),
    (
        "OpenAPI nullable",
        {"properties": {"a": {"type": "string", "nullable": True}, "b": {"enum": ["x"], "nullable": True}}},
        {"type": "object", "properties": {"a": {"type": ["string", "null"]}, "b": {"enum": ["x", None]}}},
    ),
    (
        "lookahead pattern moved into the description",
        {
            "properties": {
                "p": {"type": "string", "pattern": "^(?=.*\\d).{8,}$", "description": "A password."}
            }
        },
        {
            "type": "object",
            "properties": {
                "p": {
                    "type": "string",
                    "description": "A password. Must match the regular expression `^(?=.*\\d).{8,}$`.",
                }
            },
        },
    ),
    (
        "backreference pattern",
        {"properties": {"p": {"pattern": "(a)\\1"}}},
        {
            "type": "object",
            "properties": {"p": {"description": "Must match the regular expression `(a)\\1`."}},
        },
    ),
    (
        "pattern that does not compile",
        {"properties": {"p": {"pattern": "[a-"}}},
        {"type": "object", "properties": {"p": {"description": "Must match the regular expression `[a-`."}}},
    ),
    (
        "plain pattern kept",
        {"properties": {"p": {"type": "string", "pattern": "^[a-z]+$"}}},
        {"type": "object", "properties": {"p": {"type": "string", "pattern": "^[a-z]+$"}}},
    ),
    (
        "formats: supported kept, string ones described, numeric ones dropped",
        {
            "properties": {
                "when": {"type": "string", "format": "date-time"},
                "link": {"type": "string", "format": "uri"},
                "n": {"type": "integer", "format": "int64"},
            }
        },
        {
            "type": "object",
            "properties": {
                "when": {"type": "string", "format": "date-time"},
                "link": {"type": "string", "description": "Format: uri."},
                "n": {"type": "integer"},
            },
        },
    ),
    (
        "tuple items closed by additionalItems",
        {
            "properties": {
                "pt": {
                    "type": "array",
                    "items": [{"type": "number"}, {"type": "number"}],
                    "additionalItems": False,
                }
            }
        },
        {
            "type": "object",
            "properties": {"pt": {"type": "array", "items": {"type": "number"}, "maxItems": 2}},
        },
    ),
    (
        "prefixItems",
        {"properties": {"pair": {"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}]}}},
        {
            "type": "object",
            "properties": {
                "pair": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}}
            },
        },
    ),
    ("true subschema -> {}", {"properties": {"any": True}}, {"type": "object", "properties": {"any": {}}}),
]


@pytest.mark.parametrize(("label", "given", "expected"), REWRITES, ids=[r[0] for r in REWRITES])
def test_rewrites(label: str, given: Any, expected: dict[str, Any]) -> None:
    normalised = normalize_parameters(given, key="t/api")
    assert normalised == expected
    jsonschema.Draft202012Validator.check_schema(normalised)


def test_input_is_not_mutated() -> None:
    given = {"$schema": "x", "properties": {"a": {"type": ["string", "integer"]}}}
    snapshot = repr(given)
    normalize_parameters(given, key="t/api")
    assert repr(given) == snapshot


REJECTIONS: list[tuple[str, Any, str]] = [
    ("not an object", ["a"], "must be a JSON object, got list"),
    ("string root", {"type": "string"}, "root has type 'string'"),
    ("anyOf root", {"anyOf": [{"type": "object"}, {"type": "object"}]}, "root uses `anyOf`"),
    (
        "invalid type name",
        {"properties": {"a": {"type": "strnig"}}},
        "not valid Draft 2020-12 JSON Schema at properties/a/type",
    ),
    ("required must be a list", {"properties": {}, "required": "a"}, "not valid Draft 2020-12"),
    ("remote $ref", {"properties": {"a": {"$ref": "https://example.com/s.json"}}}, "remote `$ref`"),
    (
        "dangling $ref",
        {"properties": {"a": {"$ref": "#/$defs/Missing"}}},
        "`$ref` '#/$defs/Missing' does not resolve",
    ),
    (
        "unsatisfiable required",
        {"properties": {"a": {}}, "required": ["a", "b"], "additionalProperties": False},
        "required argument(s) ['b'] are not in `properties`",
    ),
    ("not JSON-serialisable", {"properties": {"a": {"default": object()}}}, "not JSON-serialisable"),
    (
        "pattern not a string",
        {"properties": {"a": {"pattern": 5}}},
        "`pattern` in the parameters schema is not a string",
    ),
    (
        "properties not a mapping",
        {"type": "object", "properties": ["a"]},
        "`properties` must map argument names",
    ),
]


@pytest.mark.parametrize(("label", "given", "problem"), REJECTIONS, ids=[r[0] for r in REJECTIONS])
def test_rejections_name_the_record_and_the_problem(label: str, given: Any, problem: str) -> None:
    with pytest.raises(InvalidApiRecordError) as caught:
        normalize_parameters(given, key="shop/buy")
    assert caught.value.key == "shop/buy"
    assert problem in caught.value.problem
    assert str(caught.value).startswith("API `shop/buy` cannot be registered:")


def test_result_schemas_may_have_any_root() -> None:
    assert normalize_result(None, key="a/b") is None
    assert normalize_result({}, key="a/b") is None
    assert normalize_result({"type": "array", "items": {"type": "integer", "nullable": True}}, key="a/b") == {
        "type": "array",
        "items": {"type": ["integer", "null"]},
    }
    with pytest.raises(InvalidApiRecordError, match="result schema is not valid"):
        normalize_result({"type": 7}, key="a/b")


@pytest.mark.parametrize(
    ("namespace", "name", "problem"),
    [
        ("", "x", "`namespace` must be a non-empty string"),
        ("a/b", "x", "must not contain '/'"),
        ("ns", "two words", "must not contain whitespace"),
        ("ns", "", "`name` must be a non-empty string"),
    ],
)
def test_record_names(namespace: str, name: str, problem: str) -> None:
    with pytest.raises(InvalidApiRecordError, match=problem):
        normalize_record(ApiRecord(namespace=namespace, name=name, description="d"))


def test_record_examples_must_be_strings() -> None:
    record = ApiRecord(namespace="n", name="x", description="d", examples=("ok", 3))  # type: ignore[arg-type]
    with pytest.raises(InvalidApiRecordError, match="`examples` must be a sequence of strings"):
        normalize_record(record)
