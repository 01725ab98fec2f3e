"""Register the operations of an OpenAPI 3.0/3.1 document as APIs, called over HTTP.

One record per operation, named by its `operationId` (or `method_path`). Path, query, header and
cookie parameters and a JSON request body are merged into one object schema, because a model fills
one set of named arguments: body properties sit beside the parameters unless their names collide
or the body is not an object, in which case the body is the `body` argument. The first 2xx JSON
response schema becomes the result schema.

Behaviour annotations follow HTTP semantics: GET/HEAD/OPTIONS are read-only and idempotent;
PUT and DELETE idempotent; DELETE destructive; POST and PATCH neither. Operations with a request
body the handler cannot send (anything but JSON, form-urlencoded or text) are registered as
descriptions without a handler, and so are all operations when no base URL is known. Credentials
go by security scheme name; each request carries what its operation's `security` declares.

    source = OpenApiSource.load("petstore.yaml", base_url="http://127.0.0.1:8080",
                                credentials={"api_key": os.environ["PETSTORE_KEY"]})
    async with source:
        report = source.register(registry)
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urljoin

import httpx
import yaml

from palaestra.routing.errors import ApiSourceError, InvalidApiRecordError
from palaestra.routing.records import NAMESPACE_SEPARATOR, Annotations, ApiRecord
from palaestra.routing.registry import AddReport, ApiRegistry, Entry, Rejection
from palaestra.routing.sources._openapi_http import BodySpec, HttpOperation, ParamSpec
from palaestra.routing.sources._openapi_schema import SchemaConverter
from palaestra.routing.sources._openapi_security import read_schemes, requirement
from palaestra.routing.sources._openapi_styles import style_of
from palaestra.routing.sources.json_file import safe_namespace

METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
_ANNOTATIONS = {
    "get": Annotations(read_only=True, destructive=False, idempotent=True),
    "head": Annotations(read_only=True, destructive=False, idempotent=True),
    "options": Annotations(read_only=True, destructive=False, idempotent=True),
    "trace": Annotations(read_only=True, destructive=False, idempotent=True),
    "put": Annotations(read_only=False, destructive=False, idempotent=True),
    "delete": Annotations(read_only=False, destructive=True, idempotent=True),
    "post": Annotations(read_only=False, destructive=False, idempotent=False),
    "patch": Annotations(read_only=False, destructive=False, idempotent=False),
}
_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")
log = logging.getLogger(__name__)


@dataclass
class OpenApiSource:
    """A parsed OpenAPI document: its operations as `(record, handler)` entries, and an HTTP client.

    Used as an async context manager, it owns one `httpx.AsyncClient` shared by every call (and
    closes it on exit). Outside one, each call opens a short-lived client, which is slower but
    safe across event loops. Pass `client` to use (and own) your own.
    """

    document: dict[str, Any] = field(repr=False)
    namespace: str | None = None
    base_url: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    #: Secrets by security scheme name (`components.securitySchemes`): an API key, a bearer token,
    #: or 'user:password' for HTTP basic. Each request carries what its operation declares.
    credentials: dict[str, str] = field(default_factory=dict, repr=False)
    client: httpx.AsyncClient | None = None
    timeout_s: float = 30.0
    label: str = "openapi:<data>"
    document_url: str | None = None
    entries: list[tuple[ApiRecord, HttpOperation | None]] = field(init=False, default_factory=list)
    rejected: list[Rejection] = field(init=False, default_factory=list)
    _owns_client: bool = field(init=False, default=False)
    _schemes: dict[str, Any] = field(init=False, default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        version = str(self.document.get("openapi", ""))
        if "swagger" in self.document or not version.startswith("3."):
            raise ApiSourceError(
                f"{self.label}: only OpenAPI 3.0/3.1 documents are supported (found "
                f"{self.document.get('swagger') or version or 'no version'}); convert Swagger 2.0 first."
            )
        info = self.document.get("info")
        info = info if isinstance(info, dict) else {}
        self.namespace = self.namespace or safe_namespace(str(info.get("title", "")).lower(), "openapi")
        self.base_url = self.base_url or self._server_url()
        self._schemes = read_schemes(self.document)
        paths = self.document.get("paths") or {}
        if not isinstance(paths, dict):
            raise ApiSourceError(f"{self.label}: `paths` must be an object.")
        for path, item in paths.items():
            self._read_path(str(path), item)
        if not self.base_url and self.entries:
            log.warning(
                "%s: no absolute server URL (`servers` is missing or relative, and the document was not "
                "fetched from a URL), so its %d operations are descriptions that cannot be called. Pass "
                "base_url='http://host:port/...' to call them.",
                self.label,
                len(self.entries),
            )

    @classmethod
    def load(cls, source: str | Path | Mapping[str, Any], **options: Any) -> OpenApiSource:
        """Parse a document given as a dict, a JSON/YAML file path, or an http(s) URL (fetched now)."""
        if isinstance(source, Mapping):
            return cls(dict(source), **options)
        text = str(source)
        if text.startswith(("http://", "https://")):
            try:
                response = httpx.get(text, timeout=options.get("timeout_s", 30.0), follow_redirects=True)
                response.raise_for_status()
            except httpx.HTTPError as exc:
                raise ApiSourceError(f"cannot fetch OpenAPI document {text}: {exc}") from exc
            document = _parse(response.text, text)
            return cls(document, label=f"openapi:{text}", document_url=text, **options)
        path = Path(source)
        try:
            raw = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ApiSourceError(f"cannot read OpenAPI document {path}: {exc}") from exc
        return cls(_parse(raw, str(path)), label=f"openapi:{path}", **options)

    @classmethod
    async def aload(cls, source: str | Path | Mapping[str, Any], **options: Any) -> OpenApiSource:
        """`load` for async code: an http(s) URL is fetched without blocking the event loop."""
        text = str(source)
        if isinstance(source, Mapping) or not text.startswith(("http://", "https://")):
            return cls.load(source, **options)
        try:
            async with httpx.AsyncClient(
                timeout=options.get("timeout_s", 30.0), follow_redirects=True
            ) as client:
                response = await client.get(text)
                response.raise_for_status()
        except httpx.HTTPError as exc:
            raise ApiSourceError(f"cannot fetch OpenAPI document {text}: {exc}") from exc
        return cls(_parse(response.text, text), label=f"openapi:{text}", document_url=text, **options)

    def register(self, registry: ApiRegistry, *, replace: bool = False) -> AddReport:
        """Register every operation that could be described; the report lists the rest."""
        entries: list[Entry] = list(self.entries)
        return AddReport(rejected=list(self.rejected)).merge(registry.add_many(entries, replace=replace))

    async def __aenter__(self) -> OpenApiSource:
        if self.client is None:
            self.client = httpx.AsyncClient(timeout=self.timeout_s)
            self._owns_client = True
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._owns_client and self.client is not None:
            await self.client.aclose()
            self.client, self._owns_client = None, False

    # -- parsing --------------------------------------------------------------------------------

    def _server_url(self) -> str | None:
        servers = self.document.get("servers")
        if not isinstance(servers, list) or not servers or not isinstance(servers[0], dict):
            return self.document_url and urljoin(self.document_url, "/")
        server = servers[0]
        url = str(server.get("url", ""))
        for var, spec in (server.get("variables") or {}).items():
            if isinstance(spec, dict) and "default" in spec:
                url = url.replace("{" + str(var) + "}", str(spec["default"]))
        if url.startswith(("http://", "https://")):
            return url
        return urljoin(self.document_url, url) if self.document_url else None

    def _read_path(self, path: str, item: Any) -> None:
        key_prefix = f"{self.namespace}{NAMESPACE_SEPARATOR}"
        try:
            item = SchemaConverter(self.document, key_prefix + path).resolve(item)
        except InvalidApiRecordError as exc:
            self.rejected.append(Rejection(exc.key, str(exc)))
            return
        if not isinstance(item, dict):
            return
        for method in METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            name = _operation_name(operation, method, path)
            try:
                self.entries.append(self._operation(name, method, path, item, operation))
            except InvalidApiRecordError as exc:
                self.rejected.append(Rejection(exc.key, str(exc)))

    def _operation(
        self, name: str, method: str, path: str, item: dict[str, Any], operation: dict[str, Any]
    ) -> tuple[ApiRecord, HttpOperation | None]:
        assert self.namespace is not None
        key = f"{self.namespace}{NAMESPACE_SEPARATOR}{name}"
        converter = SchemaConverter(self.document, key)
        properties: dict[str, Any] = {}
        required: list[str] = []
        params: list[ParamSpec] = []
        merged: dict[tuple[str, str], dict[str, Any]] = {}
        for raw in [*(item.get("parameters") or []), *(operation.get("parameters") or [])]:
            param = converter.resolve(raw)
            if not isinstance(param, dict) or "name" not in param or "in" not in param:
                raise InvalidApiRecordError(key, f"a parameter lacks `name` or `in`: {raw!r}.")
            merged[(str(param["name"]), str(param["in"]))] = param  # operation-level wins
        for (pname, location), param in merged.items():
            if location not in ("path", "query", "header", "cookie"):
                continue
            prop = pname if pname not in properties else f"{pname}_{location}"
            schema = param.get("schema")
            if schema is None and isinstance(param.get("content"), dict):
                media: dict[str, Any] = next(iter(param["content"].values()), {})
                schema = media.get("schema")
            converted = converter.convert(schema or {})
            if param.get("description") and isinstance(converted, dict):
                converted.setdefault("description", param["description"])
            properties[prop] = converted
            if location == "path" or param.get("required") is True:
                required.append(prop)
            params.append(ParamSpec(prop, pname, location, *style_of(param, location)))
        body, supported = self._body(converter, operation, properties, required)
        parameters = converter.finish({"type": "object", "properties": properties, "required": required})
        if not required:
            del parameters["required"]
        if body is None or not body.merged:  # an argument no parameter takes would not be sent
            parameters["additionalProperties"] = False
        record = ApiRecord(
            namespace=self.namespace,
            name=name,
            description=_description(operation, method, path),
            parameters=parameters,
            result=_result(self.document, key, operation),
            category=str((operation.get("tags") or [""])[0]),
            annotations=_ANNOTATIONS[method],
            source=self.label,
        )
        if not supported or not self.base_url:
            return record, None
        security = requirement(self.document, operation, self._schemes)
        return record, HttpOperation(self, method.upper(), path, tuple(params), body, security)

    def _body(
        self,
        converter: SchemaConverter,
        operation: dict[str, Any],
        properties: dict[str, Any],
        required: list[str],
    ) -> tuple[BodySpec | None, bool]:
        request_body = converter.resolve(operation.get("requestBody"))
        if not isinstance(request_body, dict):
            return None, True
        content = request_body.get("content") or {}
        media = _pick_media(content)
        if media is None:
            return None, False
        schema = converter.convert((content.get(media) or {}).get("schema") or {})
        is_required = request_body.get("required") is True
        mergeable = (
            isinstance(schema, dict)
            and isinstance(schema.get("properties"), dict)
            and schema.get("type", "object") == "object"
            and not any(k in schema for k in ("anyOf", "oneOf", "allOf", "$ref"))
            and not set(schema["properties"]) & set(properties)
        )
        if mergeable:
            properties.update(schema["properties"])
            if is_required:
                required.extend(r for r in schema.get("required", []) if r not in required)
            return BodySpec(media, merged=True, required=is_required), True
        properties["body"] = schema
        if is_required:
            required.append("body")
        return BodySpec(media, merged=False, required=is_required), True


def _parse(text: str, where: str) -> dict[str, Any]:
    try:
        document = json.loads(text) if text.lstrip().startswith("{") else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise ApiSourceError(f"{where} is neither valid JSON nor YAML: {exc}") from exc
    if not isinstance(document, dict):
        raise ApiSourceError(f"{where} does not hold an OpenAPI object.")
    return document


def _operation_name(operation: dict[str, Any], method: str, path: str) -> str:
    """The operationId, else `method_path_parts` (`/pets/{petId}` -> `get_pets_petId`); provider-safe."""
    raw = operation.get("operationId") or "_".join([method, *(p.strip("{}") for p in path.split("/") if p)])
    return _NAME_UNSAFE.sub("_", str(raw)).strip("_") or method


def _description(operation: dict[str, Any], method: str, path: str) -> str:
    summary = str(operation.get("summary") or "").strip()
    detail = str(operation.get("description") or "").strip()
    if summary and detail and detail != summary:
        text = f"{summary}{'' if summary.endswith(('.', '!', '?')) else '.'} {detail}"
    else:
        text = summary or detail or f"{method.upper()} {path}"
    return f"{text} (Deprecated.)" if operation.get("deprecated") is True else text


def _pick_media(content: dict[str, Any]) -> str | None:
    for media in content:
        if media == "application/json" or media.endswith("+json"):
            return media
    for media in content:
        if media == "application/x-www-form-urlencoded" or media.startswith("text/"):
            return media
    return None


def _result(document: dict[str, Any], key: str, operation: dict[str, Any]) -> dict[str, Any] | None:
    responses = operation.get("responses") or {}
    codes = [c for c in map(str, responses) if c.startswith("2")]
    for code in sorted(codes, key=lambda c: (c.upper().endswith("XX"), c)):
        converter = SchemaConverter(document, key)
        response = converter.resolve(
            responses.get(code, responses.get(int(code)) if code.isdigit() else None)
        )
        content = response.get("content") if isinstance(response, dict) else None
        if not isinstance(content, dict):
            continue
        media = next((m for m in content if m == "application/json" or m.endswith("+json")), None)
        schema = (content.get(media) or {}).get("schema") if media else None
        if isinstance(schema, dict):
            converted = converter.convert(schema)
            return converter.finish(converted) if isinstance(converted, dict) else None
    return None
