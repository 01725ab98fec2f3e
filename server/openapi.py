"""The OpenAPI document of the server's HTTP routes, built from the routes and the body models."""

from __future__ import annotations

from collections.abc import Sequence
from importlib.metadata import version
from typing import Any

from pydantic import BaseModel
from starlette.routing import BaseRoute, Mount, Route

from palaestra.server.models import (
    CreateSession,
    EarlyStopSession,
    OpenEnvReset,
    OpenEnvStep,
    ResetSession,
    StepSession,
)
from palaestra.server.wire import observation_schema

#: The request body each route takes, by (method, path).
BODIES: dict[tuple[str, str], type[BaseModel]] = {
    ("POST", "/sessions"): CreateSession,
    ("POST", "/sessions/{sid}/reset"): ResetSession,
    ("POST", "/sessions/{sid}/step"): StepSession,
    ("POST", "/sessions/{sid}/early_stop"): EarlyStopSession,
    ("POST", "/reset"): OpenEnvReset,
    ("POST", "/step"): OpenEnvStep,
}
ERROR = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {"type": "array", "items": {"type": "object"}},
            },
        }
    },
}


def openapi_document(routes: Sequence[BaseRoute]) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    schemas: dict[str, Any] = {"Observation": observation_schema(), "Error": ERROR}
    for route in routes:
        if isinstance(route, Mount):
            paths.setdefault(route.path + "/", {})["get"] = {"summary": f"{route.path}: mounted application"}
            continue
        if not isinstance(route, Route) or not route.include_in_schema:
            continue
        for method in sorted((route.methods or set()) - {"HEAD"}):
            operation: dict[str, Any] = {
                "summary": (route.endpoint.__doc__ or route.name).strip().splitlines()[0],
                "responses": {
                    "200": {"description": "OK"},
                    "4XX": {
                        "description": "a request error that names its field",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                    },
                },
            }
            params = [p.strip("{}") for p in route.path.split("/") if p.startswith("{")]
            if params:
                operation["parameters"] = [
                    {"name": p, "in": "path", "required": True, "schema": {"type": "string"}} for p in params
                ]
            model = BODIES.get((method, route.path))
            if model is not None:
                schemas[model.__name__] = model.model_json_schema(ref_template="#/components/schemas/{model}")
                schemas.update(schemas[model.__name__].pop("$defs", {}))
                operation["requestBody"] = {
                    "content": {
                        "application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}
                    }
                }
            paths.setdefault(route.path, {})[method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "Palaestra environment server", "version": version("palaestra")},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
    }
