"""OpenAPI parameters written in their declared style, over real HTTP to a service that echoes
what it received: an object in the query was sent as JSON text (`filter={"color":"blue"}`),
which no service declaring OpenAPI's default (`form`, exploded) reads."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from palaestra.routing import ApiExecutor, ApiRegistry, OpenApiSource

OBJECT = {"type": "object", "properties": {"color": {"type": "string"}, "size": {"type": "integer"}}}
ARRAY = {"type": "array", "items": {"type": "string"}}


def _param(name: str, where: str, schema: dict[str, Any], **style: Any) -> dict[str, Any]:
    return {"name": name, "in": where, "schema": schema, **style}


DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Echo", "version": "1"},
    "paths": {
        "/echo/{ids}": {
            "get": {
                "operationId": "echo",
                "parameters": [
                    _param("ids", "path", ARRAY, required=True),
                    _param("filter", "query", OBJECT),  # no style: form, exploded
                    _param("deep", "query", OBJECT, style="deepObject", explode=True),
                    _param("flat", "query", OBJECT, explode=False),
                    _param("tag", "query", ARRAY),  # no style: repeated
                    _param("csv", "query", ARRAY, explode=False),
                    _param("piped", "query", ARRAY, style="pipeDelimited", explode=False),
                    _param("spaced", "query", ARRAY, style="spaceDelimited", explode=False),
                    {"name": "raw", "in": "query", "content": {"application/json": {"schema": OBJECT}}},
                    _param("X-Dims", "header", OBJECT, explode=True),
                ],
                "responses": {"200": {"description": "what arrived"}},
            }
        }
    },
}


async def echo(request: Request) -> Response:
    return JSONResponse(
        {
            "path": request.path_params["ids"],
            "query": [list(pair) for pair in request.query_params.multi_items()],
            "dims": request.headers.get("x-dims"),
        }
    )


def test_object_and_array_parameters_follow_their_declared_style(
    serve_app: Callable[[Any], AbstractContextManager[str]],
) -> None:
    app = Starlette(routes=[Route("/echo/{ids}", echo, methods=["GET"])])
    with serve_app(app) as base:
        registry = ApiRegistry()
        assert OpenApiSource.load(DOCUMENT, base_url=base).register(registry).ok
        arguments = {
            "ids": ["7", "a b"],
            "filter": {"color": "blue", "size": 9},
            "deep": {"color": "red", "size": 2},
            "flat": {"color": "green", "size": 4},
            "tag": ["x", "y"],
            "csv": ["1", "2"],
            "piped": ["p", "q"],
            "spaced": ["s", "t"],
            "raw": {"color": "grey"},
            "X-Dims": {"w": 3, "h": 4},
        }
        result = asyncio.run(ApiExecutor(registry).call("echo/echo", arguments))
    assert result.ok, result.message
    assert result.content["path"] == "7,a b"  # simple: comma-joined, each item percent-encoded
    assert result.content["query"] == [
        ["color", "blue"],  # form, exploded: one pair per property, the parameter's name not sent
        ["size", "9"],
        ["deep[color]", "red"],
        ["deep[size]", "2"],
        ["flat", "color,green,size,4"],
        ["tag", "x"],
        ["tag", "y"],
        ["csv", "1,2"],
        ["piped", "p|q"],
        ["spaced", "s t"],
        ["raw", '{"color":"grey"}'],  # declared with a JSON media type: JSON it is
    ]
    assert result.content["dims"] == "w=3,h=4"


def test_path_styles_keep_their_delimiters_and_encode_the_values() -> None:
    from palaestra.routing.sources._openapi_http import path_segment
    from palaestra.routing.sources._openapi_styles import path_or_header_text

    def text(value: Any, style: str, explode: bool) -> str:
        return path_or_header_text("id", value, style, explode, path_segment)

    assert text(["a/b", "c"], "simple", False) == "a%2Fb,c"
    assert text(["3", "4"], "label", False) == ".3,4"
    assert text(["3", "4"], "label", True) == ".3.4"
    assert text(["3", "4"], "matrix", True) == ";id=3;id=4"
    assert text({"r": 1, "g": 2}, "matrix", True) == ";r=1;g=2"
    assert text({"r": 1, "g": 2}, "matrix", False) == ";id=r,1,g,2"
    assert text("..", "simple", False) == "%2E%2E"  # a `..` segment would change the endpoint
