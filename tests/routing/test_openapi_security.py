"""OpenAPI security schemes: the credentials each operation declares travel with its requests
(API keys in a header, query or cookie; bearer tokens; basic auth), over real HTTP to a loopback
service that checks them; without them, the service's 401 says what to pass."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from palaestra.routing import ApiExecutor, ApiRegistry, CallResult, OpenApiSource

OK = {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}}}
DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Vault", "version": "1"},
    "servers": [{"url": "/"}],
    "components": {
        "securitySchemes": {
            "key": {"type": "apiKey", "in": "header", "name": "X-Api-Key"},
            "query_key": {"type": "apiKey", "in": "query", "name": "api_key"},
            "session": {"type": "apiKey", "in": "cookie", "name": "sid"},
            "token": {"type": "http", "scheme": "bearer"},
            "login": {"type": "http", "scheme": "basic"},
        }
    },
    "security": [{"key": []}],  # every operation, unless it says otherwise
    "paths": {
        "/header": {"get": {"operationId": "byHeader", "summary": "Needs the header key.", "responses": OK}},
        "/query": {
            "get": {
                "operationId": "byQuery",
                "summary": "Needs the query key.",
                "security": [{"query_key": []}],
                "responses": OK,
            }
        },
        "/either": {
            "get": {
                "operationId": "byEither",
                "summary": "A bearer token, or basic auth with a session cookie.",
                "security": [{"token": []}, {"login": [], "session": []}],
                "responses": OK,
            }
        },
        "/open": {
            "get": {"operationId": "open", "summary": "Needs nothing.", "security": [], "responses": OK}
        },
        "/prefs": {
            "get": {
                "operationId": "prefs",
                "summary": "Read the display preferences a cookie selects.",
                "security": [{"session": []}],
                "parameters": [
                    {"name": "theme", "in": "cookie", "required": True, "schema": {"type": "string"}}
                ],
                "responses": OK,
            }
        },
    },
}


async def _document(request: Request) -> JSONResponse:
    return JSONResponse(DOCUMENT)


async def _echo(request: Request) -> JSONResponse:
    """What arrived; 401 when the route's credential is missing."""
    seen = {
        "key": request.headers.get("x-api-key"),
        "query_key": request.query_params.get("api_key"),
        "sid": request.cookies.get("sid"),
        "authorization": request.headers.get("authorization"),
    }
    needed = {"/header": "key", "/query": "query_key", "/either": "authorization"}.get(request.url.path)
    if needed is not None and not seen[needed]:
        return JSONResponse({"error": "unauthorised"}, 401)
    return JSONResponse(seen)


async def _cookies(request: Request) -> JSONResponse:
    return JSONResponse(dict(request.cookies))


APP = Starlette(
    routes=[
        Route("/openapi.json", _document),
        *(Route(p, _echo) for p in ("/header", "/query", "/either", "/open")),
        Route("/prefs", _cookies),
    ]
)


def _calls(base: str, credentials: dict[str, str]) -> dict[str, CallResult]:
    registry = ApiRegistry()

    async def main() -> dict[str, CallResult]:
        source = await OpenApiSource.aload(f"{base}/openapi.json", credentials=credentials)
        assert source.register(registry).ok
        async with source:
            executor = ApiExecutor(registry, max_retries=0)
            results = {
                name: await executor.call(f"vault/{name}")
                for name in ("byHeader", "byQuery", "byEither", "open")
            }
            results["prefs"] = await executor.call("vault/prefs", {"theme": "dark"})
            return results

    return asyncio.run(main())


def test_declared_credentials_travel_with_each_operation(
    serve_app: Callable[[Any], AbstractContextManager[str]],
) -> None:
    credentials = {"key": "k-1", "query_key": "q-2", "login": "ann:pw", "session": "s-3"}
    with serve_app(APP) as base:
        results = _calls(base, credentials)
        bearer = _calls(base, {"token": "t-4"})["byEither"]
    assert all(r.ok for r in results.values()), results
    assert results["byHeader"].content == {
        "key": "k-1",
        "query_key": None,
        "sid": None,
        "authorization": None,
    }
    assert results["byQuery"].content["query_key"] == "q-2" and results["byQuery"].content["key"] is None
    basic = "Basic " + base64.b64encode(b"ann:pw").decode()
    assert results["byEither"].content == {
        "key": None,
        "query_key": None,
        "sid": "s-3",
        "authorization": basic,
    }
    assert results["open"].content == {"key": None, "query_key": None, "sid": None, "authorization": None}
    assert bearer.ok and bearer.content["authorization"] == "Bearer t-4"
    # A cookie parameter (left out of the record before) travels beside the session cookie.
    assert results["prefs"].ok and results["prefs"].content == {"theme": "dark", "sid": "s-3"}


def test_a_401_without_credentials_names_the_schemes_to_pass(
    serve_app: Callable[[Any], AbstractContextManager[str]],
) -> None:
    with serve_app(APP) as base:
        results = _calls(base, {})
    header, either = results["byHeader"], results["byEither"]
    assert header.error_kind == "api_error" and "HTTP 401" in header.message
    assert "credentials={'key': ... (an API key in header `X-Api-Key`)}" in header.message
    assert "{'token': ... (a bearer token)} or {'login': ... (HTTP basic auth" in either.message
    assert results["open"].ok
