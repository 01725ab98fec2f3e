"""Views (`palaestra.envs.views`) on the wire: JSON for each, and back.

Bytes and arrays travel as the rest of the wire's do: ``browsergym`` as `browsergym_json` encodes
it (its screenshot base64 PNG, its arrays and tuples as lists); ``osworld``'s ``screenshot``, PNG
bytes already, as base64 text, its other keys (XML, terminal text, instruction) as they are.
`view_from_json` gives back exactly the dict the server's converter made.

The screen travels once per answer. OSWorld's PNG is the same screen as the observation's
``screenshot`` beside it (the converter makes it from that image), so a server answering both
encodes it once (`shared_pngs`, handed to `palaestra.server.wire.observation_json`) and the view
holds ``"screenshot_from": "observation"`` in its place when the observation's base64 text is
exactly the view's (`views_json` with the answer's observation); `views_from_json` given that
observation puts the bytes back. A 1280 x 800 desktop's PNG is 20-70 KB, base64 a third more.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from palaestra.errors import PalaestraError
from palaestra.server.browsergym_remote import browsergym_from_json, browsergym_json

#: The key a view's JSON holds instead of ``screenshot`` when the screen is the observation's.
SCREENSHOT_FROM = "screenshot_from"
#: Its one value: the ``screenshot`` of the observation in the same answer.
FROM_OBSERVATION = "observation"


class SharedScreenshotError(PalaestraError, ValueError):
    """A view's JSON names the observation's screenshot, and no observation holding one was given."""


def osworld_json(view: Mapping[str, Any]) -> dict[str, Any]:
    """OSWorld's dict as JSON-ready values: its PNG bytes as base64 text."""
    out = dict(view)
    if isinstance(out.get("screenshot"), bytes):
        out["screenshot"] = base64.b64encode(out["screenshot"]).decode("ascii")
    return out


def osworld_from_json(
    data: Mapping[str, Any], observation: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """OSWorld's dict back from `osworld_json`, its screenshot taken from ``observation`` (the
    answer's observation JSON) when the view says it travelled there."""
    out = dict(data)
    if out.pop(SCREENSHOT_FROM, None) is not None:
        shared = (observation or {}).get("screenshot")
        if not isinstance(shared, str):
            raise SharedScreenshotError(
                "The osworld view's screenshot travelled as the observation's (screenshot_from), and no "
                "observation with a screenshot was given. Fix: pass the answer's observation: "
                "views_from_json(answer['views'], answer['observation'])."
            )
        out["screenshot"] = shared
    if isinstance(out.get("screenshot"), str):
        out["screenshot"] = base64.b64decode(out["screenshot"])
    return out


def view_json(name: str, view: Mapping[str, Any]) -> dict[str, Any]:
    return browsergym_json(view) if name == "browsergym" else osworld_json(view)


def view_from_json(
    name: str, data: Mapping[str, Any], observation: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    return browsergym_from_json(data) if name == "browsergym" else osworld_from_json(data, observation)


def shared_pngs(views: Mapping[str, Mapping[str, Any]]) -> dict[str, bytes]:
    """The image keys of the observation that a view already holds as PNG (OSWorld's screenshot,
    made from the observation's): the observation sends these bytes rather than encoding again."""
    screen = (views.get("osworld") or {}).get("screenshot")
    return {"screenshot": screen} if isinstance(screen, bytes) else {}


def views_json(
    views: Mapping[str, Mapping[str, Any]], observation: Mapping[str, Any] | None = None
) -> dict[str, dict[str, Any]]:
    """``{name: JSON}`` of a step's views; with ``observation`` (the answer's observation JSON),
    OSWorld's screenshot is left to it when it holds the same base64 text."""
    out = {name: view_json(name, view) for name, view in views.items()}
    osworld = out.get("osworld")
    screen = osworld.get("screenshot") if osworld is not None else None
    if osworld is not None and isinstance(screen, str) and (observation or {}).get("screenshot") == screen:
        del osworld["screenshot"]
        osworld[SCREENSHOT_FROM] = FROM_OBSERVATION
    return out


def views_from_json(
    data: Mapping[str, Mapping[str, Any]], observation: Mapping[str, Any] | None = None
) -> dict[str, dict[str, Any]]:
    """The views of an answer; ``observation`` is the answer's observation JSON (see the module doc)."""
    return {name: view_from_json(name, view, observation) for name, view in data.items()}
