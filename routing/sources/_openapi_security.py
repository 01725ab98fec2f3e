"""OpenAPI security: which credentials an operation needs, and putting them on its requests.

A document declares schemes (`components.securitySchemes`: an API key in a header, query or cookie;
HTTP bearer or basic; OAuth2 and OpenID Connect, whose access tokens travel as bearer tokens) and
requirements (`security`, per document or per operation: a list of alternatives, each naming the
schemes it needs together). The source takes `credentials={scheme name: value}` and each request
carries the first alternative it holds every credential of. When it holds none and the service
answers 401 or 403, the error says which schemes would do and how to pass them, since "401
Unauthorized" alone does not tell a user that the source never sent a key.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: An operation's requirement: alternatives, each a tuple of schemes needed together.
Requirement = tuple[tuple["Scheme", ...], ...]


@dataclass(frozen=True)
class Scheme:
    """One security scheme of the document, as far as sending a credential needs it."""

    name: str
    kind: str  # "apiKey" | "http" | "oauth2" | "openIdConnect" | another the source cannot send
    location: str = ""  # an API key's: "header" | "query" | "cookie"
    parameter: str = ""  # an API key's header, query or cookie name
    http_scheme: str = ""  # HTTP's: "bearer" | "basic" | ...

    def describe(self) -> str:
        """How the credential travels, for error messages."""
        if self.kind == "apiKey":
            return f"an API key in {self.location} `{self.parameter}`"
        if self.kind == "http" and self.http_scheme == "basic":
            return "HTTP basic auth, given as 'user:password'"
        if self.kind in ("http", "oauth2", "openIdConnect"):
            return "a bearer token"
        return f"a `{self.kind}` credential, which this source cannot send"


def read_schemes(document: Mapping[str, Any]) -> dict[str, Scheme]:
    """The document's security schemes by name (malformed ones left out)."""
    components = document.get("components")
    declared = components.get("securitySchemes") if isinstance(components, dict) else None
    schemes: dict[str, Scheme] = {}
    for name, spec in (declared or {}).items():
        if not isinstance(spec, dict):
            continue
        schemes[str(name)] = Scheme(
            name=str(name),
            kind=str(spec.get("type", "")),
            location=str(spec.get("in", "")),
            parameter=str(spec.get("name", "")),
            http_scheme=str(spec.get("scheme", "")).lower(),
        )
    return schemes


def requirement(
    document: Mapping[str, Any], operation: Mapping[str, Any], schemes: Mapping[str, Scheme]
) -> Requirement:
    """The operation's alternatives (its own `security`, else the document's); () when it needs
    nothing, which an empty alternative (`{}`: authentication optional) also means."""
    declared = operation.get("security", document.get("security"))
    alternatives: list[tuple[Scheme, ...]] = []
    for alternative in declared if isinstance(declared, list) else []:
        if not isinstance(alternative, dict):
            continue
        if not alternative:
            return ()
        needed = tuple(schemes[n] for n in alternative if n in schemes)
        if len(needed) == len(alternative):
            alternatives.append(needed)
    return tuple(alternatives)


def apply_credentials(
    needed: Requirement,
    credentials: Mapping[str, str],
    headers: dict[str, str],
    query: list[tuple[str, str]],
) -> bool:
    """Put the first alternative whose every credential is known on the request; False when the
    operation needs credentials and none of its alternatives is complete."""
    if not needed:
        return True
    for alternative in needed:
        if all(scheme.name in credentials and _sendable(scheme) for scheme in alternative):
            for scheme in alternative:
                _apply(scheme, credentials[scheme.name], headers, query)
            return True
    return False


def missing_hint(needed: Requirement) -> str:
    """What to pass for an operation that went out without the credentials it declares."""
    options = " or ".join(
        "{" + ", ".join(f"'{s.name}': ... ({s.describe()})" for s in alternative) + "}"
        for alternative in needed
    )
    return (
        f" The operation declares security and this source sent no credentials for it: pass "
        f"credentials={options} to the OpenApiSource."
    )


def _sendable(scheme: Scheme) -> bool:
    if scheme.kind == "apiKey":
        return scheme.location in ("header", "query", "cookie") and bool(scheme.parameter)
    return scheme.kind in ("oauth2", "openIdConnect") or (
        scheme.kind == "http" and scheme.http_scheme in ("bearer", "basic")
    )


def _apply(scheme: Scheme, value: str, headers: dict[str, str], query: list[tuple[str, str]]) -> None:
    if scheme.kind == "apiKey" and scheme.location == "header":
        headers[scheme.parameter] = value
    elif scheme.kind == "apiKey" and scheme.location == "query":
        query.append((scheme.parameter, value))
    elif scheme.kind == "apiKey":
        cookie = f"{scheme.parameter}={value}"
        headers["Cookie"] = f"{headers['Cookie']}; {cookie}" if headers.get("Cookie") else cookie
    elif scheme.kind == "http" and scheme.http_scheme == "basic":
        headers["Authorization"] = "Basic " + base64.b64encode(value.encode()).decode("ascii")
    else:
        headers["Authorization"] = f"Bearer {value}"
