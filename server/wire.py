"""Observations on the wire: JSON derived from the one declaration in `palaestra.envs.obs`.

Text keys travel as strings and record keys as lists of objects; images never travel as nested
lists of numbers (a 160x210 screenshot would be ~100k JSON numbers): they are PNG bytes, sent
base64-encoded inside JSON only when asked for, or as ``image/png`` from their own endpoint.

OpenEnv's wire format keeps only ``observation``, ``reward`` and ``done`` (its ``metadata`` is
dropped), so what Gymnasium's 5-tuple and ``info`` carry beyond that goes into observation fields:
``terminated``, ``truncated``, ``success``, ``error_kind`` and ``error_message`` (`EPISODE_FIELDS`).
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from palaestra.envs.obs import Key, Observation, ObservationLayout, keys_of

#: The fields a wire observation carries besides the environment's keys: Gymnasium's
#: ``terminated``/``truncated`` and the ``info`` entries OpenEnv would otherwise lose.
EPISODE_FIELDS: dict[str, dict[str, Any]] = {
    "terminated": {
        "type": "boolean",
        "description": "The task reached an end state (Gymnasium's terminated).",
    },
    "truncated": {
        "type": "boolean",
        "description": "The episode was cut short by the machinery (Gymnasium's truncated); see error_kind.",
    },
    "success": {"type": "boolean", "description": "The task's verdict: the goal was achieved."},
    "error_kind": {
        "type": "string",
        "description": "Why the machinery ended the episode (step_timeout, browser_crashed, ...) or ''.",
    },
    "error_message": {"type": "string", "description": "The machinery's error in words, or ''."},
}


def png_bytes(pixels: np.ndarray) -> bytes:
    """An RGB array as PNG. Compression level 1: a MiniWoB++ frame encodes in ~1 ms, barely larger."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.asarray(pixels, dtype=np.uint8)).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def png_array(data: bytes) -> np.ndarray:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert("RGB"), dtype=np.uint8)


def dumps(value: Any) -> str:
    """JSON text of an answer: records and ``info`` go as they are, strays (numpy scalars, sets)
    converted on the way, so nothing is copied or encoded twice on a step's path."""
    return json.dumps(value, default=_default, ensure_ascii=False, separators=(",", ":"))


def _default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return f"<array {value.shape}>"
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    return str(value)


def observation_json(
    obs: Observation,
    *,
    images: bool = False,
    keys: Iterable[str] | None = None,
    pngs: Mapping[str, bytes] | None = None,
) -> dict[str, Any]:
    """The observation as JSON: images as base64 PNG when ``images``, else left out.

    ``keys`` picks which keys to send (default: all the observation has). ``pngs`` holds image keys
    already encoded as PNG from these very pixels (OSWorld's view made one: `view_wire.shared_pngs`),
    sent as they are rather than encoded again.
    """
    declared = keys_of()
    chosen = list(obs) if keys is None else [k for k in keys if k in obs]
    out: dict[str, Any] = {}
    for name in chosen:
        value = obs[name]  # type: ignore[literal-required]
        kind = declared[name].kind if name in declared else "text"
        if kind == "image":
            if images:
                encoded = (pngs or {}).get(name) or png_bytes(value)
                out[name] = base64.b64encode(encoded).decode("ascii")
        else:
            out[name] = value
    return out


def observation_from_json(data: Mapping[str, Any], layout: ObservationLayout) -> Observation:
    """The inverse of `observation_json` for ``layout``: images decoded, missing keys blank."""
    values: dict[str, Any] = {}
    blank = layout.blank()
    for name, key in layout.keys.items():
        raw = data.get(name)
        if raw is None:
            values[name] = blank[name]  # type: ignore[literal-required]
        elif key.kind == "image":
            values[name] = png_array(base64.b64decode(raw))
        else:
            values[name] = raw
    return layout.build(values)


def key_schema(key: Key) -> dict[str, Any]:
    if key.kind == "text":
        return {"type": "string"}
    if key.kind == "records":
        return {"type": "array", "items": {"type": "object"}}
    return {
        "type": "string",
        "contentEncoding": "base64",
        "contentMediaType": "image/png",
        "description": "PNG, base64; sent only when asked for (screenshots: true)",
    }


def observation_schema(layout: ObservationLayout | None = None) -> dict[str, Any]:
    """JSON schema of a wire observation: the layout's keys (all declared ones by default) and
    the episode fields."""
    keys = layout.keys if layout is not None else keys_of()
    properties = {name: {**key_schema(key), "x-part": key.part} for name, key in keys.items()}
    properties.update(EPISODE_FIELDS)
    return {
        "title": "PalaestraObservation",
        "type": "object",
        "properties": properties,
        "required": [n for n, k in keys.items() if k.part == "always"],
    }


def episode_fields(terminated: bool, truncated: bool, info: Mapping[str, Any]) -> dict[str, Any]:
    """The `EPISODE_FIELDS` of one step's outcome (a reset's: all false and empty)."""
    error = info.get("error") or {}
    return {
        "terminated": bool(terminated),
        "truncated": bool(truncated),
        "success": bool(info.get("success")),
        "error_kind": str(error.get("kind", "")),
        "error_message": str(error.get("message", "")),
    }
