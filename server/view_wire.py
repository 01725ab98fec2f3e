"""Views (`palaestra.envs.views`) on the wire: JSON for each, and back.

Bytes and arrays travel as the rest of the wire's do: ``browsergym`` as `browsergym_json` encodes
it (its screenshot base64 PNG, its arrays and tuples as lists); ``osworld``'s ``screenshot``, PNG
bytes already, as base64 text, its other keys (XML, terminal text, instruction) as they are.
`view_from_json` gives back exactly the dict the server's converter made.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from palaestra.server.browsergym_remote import browsergym_from_json, browsergym_json


def osworld_json(view: Mapping[str, Any]) -> dict[str, Any]:
    """OSWorld's dict as JSON-ready values: its PNG bytes as base64 text."""
    out = dict(view)
    if isinstance(out.get("screenshot"), bytes):
        out["screenshot"] = base64.b64encode(out["screenshot"]).decode("ascii")
    return out


def osworld_from_json(data: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(data)
    if isinstance(out.get("screenshot"), str):
        out["screenshot"] = base64.b64decode(out["screenshot"])
    return out


def view_json(name: str, view: Mapping[str, Any]) -> dict[str, Any]:
    return browsergym_json(view) if name == "browsergym" else osworld_json(view)


def view_from_json(name: str, data: Mapping[str, Any]) -> dict[str, Any]:
    return browsergym_from_json(data) if name == "browsergym" else osworld_from_json(data)


def views_json(views: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """``{name: JSON}`` of a step's views."""
    return {name: view_json(name, view) for name, view in views.items()}


def views_from_json(data: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    return {name: view_from_json(name, view) for name, view in data.items()}
