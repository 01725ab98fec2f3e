"""The handler that calls one OpenAPI operation over HTTP with httpx.

It splits the model's flat arguments back into path, query, header and body parts (the reverse
of how `openapi.py` merged them) and translates HTTP outcomes into routing errors by their type:
connection failures, timeouts and the "try again later" statuses (408, 429, 502, 503, 504) become
`ApiTransportError`/`ApiTimeoutError`, which the executor may retry; other 4xx/5xx answers become
`ApiCallError` carrying the response body, which the model can read and act on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote

import httpx

from palaestra.routing.errors import ApiCallError, ApiTimeoutError, ApiTransportError
from palaestra.routing.sources._openapi_security import Requirement, apply_credentials, missing_hint
from palaestra.routing.sources._openapi_styles import DEFAULT_STYLES, path_or_header_text, query_pairs, scalar

_RETRYABLE_STATUS = frozenset({408, 429, 502, 503, 504})
_SNIPPET = 500


class HttpSettings(Protocol):
    """What a handler reads from its source at call time (so `async with source` can swap clients)."""

    base_url: str | None
    headers: dict[str, str]
    credentials: dict[str, str]
    client: httpx.AsyncClient | None
    timeout_s: float


@dataclass(frozen=True)
class ParamSpec:
    """One argument that travels outside the body: `prop` in the schema, `name` on the wire,
    written in its declared `style` (see `_openapi_styles`; the location's default when none is)."""

    prop: str
    name: str
    location: str  # "path" | "query" | "header" | "cookie"
    style: str = ""
    explode: bool | None = None

    def written(self) -> tuple[str, bool]:
        """The style and explode this parameter is written with (the location's defaults if unset)."""
        style = self.style or DEFAULT_STYLES.get(self.location, "simple")
        return style, self.explode if self.explode is not None else style == "form"


@dataclass(frozen=True)
class BodySpec:
    """How the request body is sent: its media type, and whether its fields sit at the top level."""

    media_type: str
    merged: bool
    required: bool = False


class HttpOperation:
    """An `ApiHandler` for one operation (`method path`) of an OpenAPI source."""

    def __init__(
        self,
        source: HttpSettings,
        method: str,
        path: str,
        params: tuple[ParamSpec, ...],
        body: BodySpec | None,
        security: Requirement = (),
    ) -> None:
        self.source, self.method, self.path, self.params, self.body = source, method, path, params, body
        self.security = security

    def __repr__(self) -> str:
        return f"HttpOperation({self.method} {self.path})"

    async def call(self, arguments: dict[str, Any]) -> Any:
        """Send the request and return the decoded response (JSON, text, or None when empty)."""
        remaining = dict(arguments)
        path, headers = self.path, dict(self.source.headers)
        query: list[tuple[str, str]] = []
        for spec in self.params:
            if spec.prop not in remaining:
                continue
            value = remaining.pop(spec.prop)
            style, explode = spec.written()
            if spec.location == "path":
                segment = path_or_header_text(spec.name, value, style, explode, path_segment)
                if not segment:  # `/items/` is another endpoint than `/items/{id}`
                    raise ApiCallError(f"The path parameter `{spec.name}` is empty; give it a value.")
                path = path.replace("{" + spec.name + "}", segment)
            elif spec.location == "query":
                query.extend(query_pairs(spec.name, value, style, explode))
            elif spec.location == "cookie":
                pairs = query_pairs(spec.name, value, style, explode)
                cookie = "; ".join(f"{name}={quote(text, safe='')}" for name, text in pairs)
                headers["Cookie"] = f"{headers['Cookie']}; {cookie}" if headers.get("Cookie") else cookie
            else:
                headers[spec.name] = path_or_header_text(spec.name, value, style, explode)
        authorised = apply_credentials(self.security, self.source.credentials, headers, query)
        request: dict[str, Any] = {"params": query, "headers": headers}
        if self.body is not None:
            payload = remaining if self.body.merged else remaining.get("body")
            if (payload is not None and payload != {}) or self.body.required:
                request.update(_encode_body(self.body.media_type, payload))
                headers.setdefault("Content-Type", self.body.media_type)
        url = (self.source.base_url or "").rstrip("/") + path
        response = await self._send(url, request)
        content = _decode(response)
        if response.status_code in _RETRYABLE_STATUS:
            error = ApiTimeoutError if response.status_code == 408 else ApiTransportError
            raise error(
                f"HTTP {response.status_code} from {self.method} {self.path}; the service asks to retry."
            )
        if response.status_code >= 400:
            status = f"HTTP {response.status_code} {response.reason_phrase}"
            hint = (
                missing_hint(self.security) if response.status_code in (401, 403) and not authorised else ""
            )
            raise ApiCallError(
                f"{status} from {self.method} {self.path}: {response.text[:_SNIPPET]}{hint}",
                content=content,
                status=response.status_code,
            )
        return content

    async def _send(self, url: str, request: dict[str, Any]) -> httpx.Response:
        try:
            if self.source.client is not None:
                return await self.source.client.request(self.method, url, **request)
            async with httpx.AsyncClient(timeout=self.source.timeout_s) as client:
                return await client.request(self.method, url, **request)
        except httpx.TimeoutException as exc:
            raise ApiTimeoutError(f"{self.method} {self.path} timed out: {exc!r}") from exc
        except httpx.TransportError as exc:
            raise ApiTransportError(f"{self.method} {self.path} failed on the network: {exc!r}") from exc


def path_segment(value: str) -> str:
    """`value` as one path segment: every reserved character percent-encoded (`/` too), and the dots
    of a `.` or `..` segment as well, which HTTP clients and servers would otherwise resolve (RFC
    3986, 5.2.4) so that `GET /items/{id}` with id `..` became `GET /`."""
    encoded = quote(value, safe="")
    return encoded.replace(".", "%2E") if encoded in (".", "..") else encoded


def _encode_body(media_type: str, payload: Any) -> dict[str, Any]:
    if media_type == "application/x-www-form-urlencoded" and isinstance(payload, dict):
        return {"data": {k: scalar(v) for k, v in payload.items()}}
    if media_type.startswith("text/"):
        return {"content": scalar(payload).encode()}
    return {"content": json.dumps({} if payload is None else payload).encode()}


def _decode(response: httpx.Response) -> Any:
    if not response.content:
        return None
    content_type = response.headers.get("content-type", "")
    if "json" in content_type:
        try:
            return response.json()
        except ValueError:
            return response.text
    return response.text
