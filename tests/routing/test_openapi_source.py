"""OpenAPI source: a document's operations become records, and calls travel over real HTTP.

The service is a small Starlette app served by uvicorn on 127.0.0.1 (a free port) in a thread.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
import yaml
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from palaestra.routing import Annotations, ApiExecutor, ApiRegistry, OpenApiSource
from palaestra.routing.errors import ApiSourceError

PET = {
    "type": "object",
    "required": ["id", "name"],
    "properties": {
        "id": {"type": "integer", "format": "int64"},
        "name": {"type": "string", "example": "Rex"},
        "tag": {"type": "string", "nullable": True},
    },
}

DOCUMENT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Pet Store", "version": "1"},
    "servers": [{"url": "/"}],
    "paths": {
        "/pets": {
            "get": {
                "operationId": "listPets",
                "summary": "List pets",
                "description": "Use to browse the pets in the store.",
                "tags": ["pets"],
                "parameters": [{"$ref": "#/components/parameters/Limit"}],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {
                                "schema": {"type": "array", "items": {"$ref": "#/components/schemas/Pet"}}
                            }
                        },
                    }
                },
            },
            "post": {
                "operationId": "createPet",
                "summary": "Create a pet.",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewPet"}}},
                },
                "responses": {
                    "201": {
                        "description": "created",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}},
                    }
                },
            },
        },
        "/pets/{petId}": {
            "parameters": [
                {"name": "petId", "in": "path", "required": True, "schema": {"type": "integer"}},
            ],
            "get": {
                "operationId": "getPet",
                "summary": "Get one pet",
                "parameters": [
                    {"name": "X-Trace", "in": "header", "schema": {"type": "string"}},
                    {"name": "session", "in": "cookie", "schema": {"type": "string"}},
                ],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}},
                    },
                    "404": {"description": "missing"},
                },
            },
            "delete": {"operationId": "deletePet", "responses": {"204": {"description": "gone"}}},
        },
        "/categories": {
            "put": {
                "summary": "Replace the category tree",
                "requestBody": {
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Category"}}}
                },
                "responses": {"204": {"description": "ok"}},
            }
        },
        "/flaky": {
            "get": {"operationId": "flakyRead", "responses": {"200": {"description": "ok"}}},
            "post": {"operationId": "flakyWrite", "responses": {"200": {"description": "ok"}}},
        },
        "/upload": {
            "post": {
                "operationId": "upload",
                "requestBody": {"content": {"application/octet-stream": {"schema": {"type": "string"}}}},
                "responses": {"200": {"description": "ok"}},
            }
        },
    },
    "components": {
        "parameters": {
            "Limit": {
                "name": "limit",
                "in": "query",
                "description": "How many pets to return at most.",
                "schema": {"type": "integer", "minimum": 1, "maximum": 100},
            }
        },
        "schemas": {
            "Pet": PET,
            "NewPet": {
                "type": "object",
                "required": ["name"],
                "properties": {"name": {"type": "string"}, "tag": {"type": "string"}},
            },
            "Category": {
                "type": "object",
                "properties": {
                    "label": {"type": "string"},
                    "children": {"type": "array", "items": {"$ref": "#/components/schemas/Category"}},
                },
            },
        },
    },
}


def make_app() -> tuple[Starlette, dict[str, int]]:
    """The pet store; `hits` counts requests per route for retry assertions."""
    pets = {1: {"id": 1, "name": "Rex", "tag": None}, 2: {"id": 2, "name": "Tom", "tag": "cat"}}
    hits = {"flaky_get": 0, "flaky_post": 0}

    async def list_pets(request: Request) -> Response:
        limit = int(request.query_params.get("limit", "100"))
        return JSONResponse(list(pets.values())[:limit])

    async def create_pet(request: Request) -> Response:
        body = await request.json()
        pet = {"id": max(pets) + 1, "name": body["name"], "tag": body.get("tag")}
        pets[pet["id"]] = pet
        return JSONResponse(pet, status_code=201)

    async def get_pet(request: Request) -> Response:
        pet = pets.get(int(request.path_params["pet_id"]))
        if pet is None:
            return JSONResponse({"error": "no such pet"}, status_code=404)
        if request.headers.get("x-trace") == "broken":
            return JSONResponse({"id": "not-a-number"})
        return JSONResponse(pet)

    async def flaky(request: Request) -> Response:
        name = "flaky_get" if request.method == "GET" else "flaky_post"
        hits[name] += 1
        if hits[name] < 3:
            return Response("busy", status_code=503)
        return JSONResponse({"attempt": hits[name]})

    async def openapi(request: Request) -> Response:
        return JSONResponse(DOCUMENT)

    routes = [
        Route("/pets", list_pets, methods=["GET"]),
        Route("/pets", create_pet, methods=["POST"]),
        Route("/pets/{pet_id:int}", get_pet, methods=["GET"]),
        Route("/flaky", flaky, methods=["GET", "POST"]),
        Route("/openapi.json", openapi, methods=["GET"]),
    ]
    return Starlette(routes=routes), hits


def test_records_from_the_document() -> None:
    source = OpenApiSource.load(DOCUMENT, base_url="http://127.0.0.1:9")
    registry = ApiRegistry()
    report = source.register(registry)
    assert report.ok, report.rejected
    assert source.namespace == "pet_store"
    assert sorted(registry.keys()) == sorted(
        [
            "pet_store/listPets",
            "pet_store/createPet",
            "pet_store/getPet",
            "pet_store/deletePet",
            "pet_store/put_categories",
            "pet_store/flakyRead",
            "pet_store/flakyWrite",
            "pet_store/upload",
        ]
    )
    listing = registry.get("pet_store/listPets")
    assert listing.description == "List pets. Use to browse the pets in the store."
    assert listing.category == "pets"
    assert listing.parameters["properties"]["limit"] == {
        "type": "integer",
        "minimum": 1,
        "maximum": 100,
        "description": "How many pets to return at most.",
    }
    assert "required" not in listing.parameters
    # The $ref'd result: format int64 dropped, `nullable` -> type list, `example` -> `examples`.
    assert listing.result == {
        "type": "array",
        "items": {
            "type": "object",
            "required": ["id", "name"],
            "properties": {
                "id": {"type": "integer"},
                "name": {"type": "string", "examples": ["Rex"]},
                "tag": {"type": ["string", "null"]},
            },
        },
    }
    get_pet = registry.get("pet_store/getPet")
    assert set(get_pet.parameters["properties"]) == {"petId", "X-Trace", "session"}  # a cookie too
    assert get_pet.parameters["required"] == ["petId"]
    create = registry.get("pet_store/createPet")
    assert create.parameters["properties"] == {"name": {"type": "string"}, "tag": {"type": "string"}}
    assert create.parameters["required"] == ["name"]
    # A recursive schema stays recursive through $defs.
    categories = registry.get("pet_store/put_categories").parameters
    assert categories["properties"]["body"] == {"$ref": "#/$defs/Category"}
    assert categories["$defs"]["Category"]["properties"]["children"]["items"] == {"$ref": "#/$defs/Category"}
    # Annotations follow the HTTP method.
    assert listing.annotations == Annotations(read_only=True, destructive=False, idempotent=True)
    assert registry.get("pet_store/deletePet").annotations == Annotations(
        read_only=False, destructive=True, idempotent=True
    )
    assert create.annotations.idempotent is False and create.annotations.destructive is False
    assert registry.get("pet_store/put_categories").annotations.idempotent is True
    # An octet-stream body cannot be sent: described, but without a handler.
    assert registry.handler("pet_store/upload") is None
    assert registry.handler("pet_store/getPet") is not None


def test_documents_without_base_url_are_descriptions_only(caplog: pytest.LogCaptureFixture) -> None:
    registry = ApiRegistry()
    OpenApiSource.load(DOCUMENT).register(registry)  # servers: [{"url": "/"}] is relative to nothing
    assert all(registry.handler(key) is None for key in registry.keys())  # noqa: SIM118
    # The model is told each call cannot be made; the developer is told why, once, and the fix.
    [warning] = [r.getMessage() for r in caplog.records if r.name.endswith("sources.openapi")]
    assert "operations are descriptions that cannot be called" in warning and "base_url=" in warning
    caplog.clear()
    OpenApiSource.load(DOCUMENT, base_url="http://127.0.0.1:9")
    assert not caplog.records


def test_yaml_file_and_rejections(tmp_path: Path) -> None:
    document = json.loads(json.dumps(DOCUMENT))
    document["paths"]["/broken"] = {
        "get": {"operationId": "broken", "parameters": [{"$ref": "#/components/parameters/Nope"}]}
    }
    document["paths"]["/remote"] = {
        "get": {
            "operationId": "remote",
            "responses": {},
            "parameters": [{"name": "q", "in": "query", "schema": {"$ref": "other.yaml#/Thing"}}],
        }
    }
    path = tmp_path / "store.yaml"
    path.write_text(yaml.safe_dump(document))
    source = OpenApiSource.load(path, namespace="store", base_url="http://127.0.0.1:9")
    registry = ApiRegistry()
    report = source.register(registry)
    assert len(report.added) == 8
    assert {r.key for r in report.rejected} == {"store/broken", "store/remote"}
    assert any("does not resolve" in r.problem for r in report.rejected)
    assert any("points outside the document" in r.problem for r in report.rejected)
    assert registry.get("store/getPet").source == f"openapi:{path}"


def test_swagger_2_and_garbage_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ApiSourceError, match=r"Swagger 2\.0"):
        OpenApiSource.load({"swagger": "2.0", "paths": {}})
    bad = tmp_path / "bad.yaml"
    bad.write_text("paths: [unclosed")
    with pytest.raises(ApiSourceError, match="neither valid JSON nor YAML"):
        OpenApiSource.load(bad)


def test_calls_over_http(serve_app: Callable[[Any], AbstractContextManager[str]]) -> None:
    app, hits = make_app()
    registry = ApiRegistry()

    async def main(base: str) -> None:
        # Loaded from the service's own URL: the relative server "/" resolves against it.
        source = await OpenApiSource.aload(f"{base}/openapi.json")
        assert source.base_url == f"{base}/"
        async with source:
            assert source.register(registry).ok
            executor = ApiExecutor(registry, timeout_s=10, backoff_s=0.01)
            listed = await executor.call("pet_store/listPets", {"limit": 1})
            assert listed.ok, listed.message
            assert listed.content == [{"id": 1, "name": "Rex", "tag": None}]

            created = await executor.call("pet_store/createPet", {"name": "Kit", "tag": "cat"})
            assert created.ok, created.message
            assert created.content == {"id": 3, "name": "Kit", "tag": "cat"}
            got = await executor.call("pet_store/getPet", {"petId": 3})
            assert got.ok and got.content["name"] == "Kit"

            missing = await executor.call("pet_store/getPet", {"petId": 99})
            assert missing.error_kind == "api_error"
            assert "HTTP 404" in missing.message and "no such pet" in missing.message
            assert missing.content == {"error": "no such pet"}

            broken = await executor.call("pet_store/getPet", {"petId": 1, "X-Trace": "broken"})
            assert broken.error_kind == "invalid_result"
            assert "`id`: 'not-a-number' is not of type 'integer'" in broken.message

            wrong = await executor.call("pet_store/createPet", {"tag": "cat"})
            assert wrong.error_kind == "invalid_arguments"
            assert "'name' is a required property" in wrong.message

            # A filter the operation does not take was dropped on the way, and every pet came back
            # as if it had been applied; now the model is told.
            unknown = await executor.call("pet_store/listPets", {"limit": 5, "species": "cat"})
            assert unknown.error_kind == "invalid_arguments"
            assert "('species' was unexpected)" in unknown.message

            # 503 twice, then 200: the idempotent GET is retried, the POST is not.
            flaky_read = await executor.call("pet_store/flakyRead")
            assert flaky_read.ok and flaky_read.attempts == 3
            assert flaky_read.content == {"attempt": 3}
            flaky_write = await executor.call("pet_store/flakyWrite")
            assert flaky_write.error_kind == "transport" and flaky_write.attempts == 1

    with serve_app(app) as base:
        asyncio.run(main(base))
    assert hits == {"flaky_get": 3, "flaky_post": 1}


def test_connection_refused_is_a_transport_error(
    serve_app: Callable[[Any], AbstractContextManager[str]],
) -> None:
    app, _ = make_app()
    with serve_app(app) as base:
        pass  # the port is free again once the server stopped
    registry = ApiRegistry()
    OpenApiSource.load(DOCUMENT, base_url=base).register(registry)
    executor = ApiExecutor(registry, timeout_s=5, max_retries=1, backoff_s=0.01)
    result = executor.call_sync("pet_store/listPets")
    assert result.error_kind == "transport"
    assert result.attempts == 2
    assert "Tried 2 times" in result.message
