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

BrowserGym's ``screenshot`` is the observation's very array (`BrowserGymConverter` hands it on), so
it is never encoded twice: the view reuses the observation's base64 text, and a session opened with
``screenshot_once`` (a client that reads ``screenshot_from``: capability ``screenshot_once``) gets
``"screenshot_from": "observation"`` in its place, as OSWorld's. Without it the view keeps the text,
as clients older than that option read it (a client that does not ask is never sent a key it does
not know).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

import numpy as np

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
        out["screenshot"] = _shared_text("osworld", observation)
    if isinstance(out.get("screenshot"), str):
        out["screenshot"] = base64.b64decode(out["screenshot"])
    return out


def view_json(name: str, view: Mapping[str, Any]) -> dict[str, Any]:
    return browsergym_json(view) if name == "browsergym" else osworld_json(view)


def view_from_json(
    name: str,
    data: Mapping[str, Any],
    observation: Mapping[str, Any] | None = None,
    screen: np.ndarray | None = None,
) -> dict[str, Any]:
    """View ``name`` back from its JSON; ``screen`` is the observation's screenshot already decoded
    (a BrowserGym view whose screenshot travelled as the observation's takes that array as is)."""
    if name != "browsergym":
        return osworld_from_json(data, observation)
    if SCREENSHOT_FROM not in data:
        return browsergym_from_json(data)
    decoded = browsergym_from_json({k: v for k, v in data.items() if k != SCREENSHOT_FROM})
    if screen is None:
        screen = browsergym_from_json({"screenshot": _shared_text(name, observation)})["screenshot"]
    out: dict[str, Any] = {}
    for key in data:  # in the view's own order: the screenshot where the server's dict had it
        if key == SCREENSHOT_FROM:
            out["screenshot"] = screen
        else:
            out[key] = decoded[key]
    return out


def _shared_text(name: str, observation: Mapping[str, Any] | None) -> str:
    shared = (observation or {}).get("screenshot")
    if not isinstance(shared, str):
        raise SharedScreenshotError(
            f"The {name} view's screenshot travelled as the observation's (screenshot_from), and no "
            "observation with a screenshot was given. Fix: pass the answer's observation: "
            "views_from_json(answer['views'], answer['observation'])."
        )
    return shared


def shared_pngs(views: Mapping[str, Mapping[str, Any]]) -> dict[str, bytes]:
    """The image keys of the observation that a view already holds as PNG (OSWorld's screenshot,
    made from the observation's): the observation sends these bytes rather than encoding again."""
    screen = (views.get("osworld") or {}).get("screenshot")
    return {"screenshot": screen} if isinstance(screen, bytes) else {}


def views_json(
    views: Mapping[str, Mapping[str, Any]],
    observation: Mapping[str, Any] | None = None,
    *,
    screen: np.ndarray | None = None,
    screenshot_once: bool = False,
) -> dict[str, dict[str, Any]]:
    """``{name: JSON}`` of a step's views; with ``observation`` (the answer's observation JSON),
    OSWorld's screenshot is left to it when it holds the same base64 text. ``screen`` is the
    observation's screenshot array: BrowserGym's, when it is that array, reuses the observation's
    text, or with ``screenshot_once`` is left to it (see the module doc)."""
    out = {
        name: _browsergym_json(view, observation, screen, screenshot_once)
        if name == "browsergym"
        else view_json(name, view)
        for name, view in views.items()
    }
    osworld = out.get("osworld")
    screen = osworld.get("screenshot") if osworld is not None else None
    if osworld is not None and isinstance(screen, str) and (observation or {}).get("screenshot") == screen:
        del osworld["screenshot"]
        osworld[SCREENSHOT_FROM] = FROM_OBSERVATION
    return out


def views_from_json(
    data: Mapping[str, Mapping[str, Any]],
    observation: Mapping[str, Any] | None = None,
    screen: np.ndarray | None = None,
) -> dict[str, dict[str, Any]]:
    """The views of an answer; ``observation`` is the answer's observation JSON and ``screen`` its
    screenshot already decoded, if the caller has it (see the module doc)."""
    return {name: view_from_json(name, view, observation, screen) for name, view in data.items()}


def _browsergym_json(
    view: Mapping[str, Any],
    observation: Mapping[str, Any] | None,
    screen: np.ndarray | None,
    screenshot_once: bool,
) -> dict[str, Any]:
    text = (observation or {}).get("screenshot")
    if not isinstance(text, str) or not _same_pixels(view.get("screenshot"), screen):
        return browsergym_json(view)
    encoded = browsergym_json({k: v for k, v in view.items() if k != "screenshot"})
    out: dict[str, Any] = {}
    for name in view:  # in the view's own order, the screenshot where it was
        if name != "screenshot":
            out[name] = encoded[name]
        elif screenshot_once:
            out[SCREENSHOT_FROM] = FROM_OBSERVATION
        else:
            out[name] = text
    return out


def _same_pixels(shot: Any, screen: np.ndarray | None) -> bool:
    """The view's screenshot is the observation's: the very array (as the converter hands it on),
    or, should a converter ever copy it, equal pixels."""
    if shot is None or screen is None:
        return False
    if shot is screen:
        return True
    return isinstance(shot, np.ndarray) and shot.shape == screen.shape and bool(np.array_equal(shot, screen))
