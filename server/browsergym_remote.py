"""BrowserGym-shaped observations over the wire: their JSON, and a client that gives back the dict.

A session created with ``"views": ["browsergym"]`` (``POST /sessions``) answers each reset and
step with ``views.browsergym`` beside the usual ``observation``: BrowserGym's observation dict
(`palaestra.envs.browsergym_compat`) as JSON (`palaestra.server.view_wire` encodes every view).
Its three arrays travel as the rest of the server's images and numbers do: ``screenshot`` as
base64 PNG (lossless, so the pixels arrive unchanged), ``active_page_index`` and ``elapsed_time``
as one-element lists; the tuples (``chat_messages``, ``goal_object``, ``open_pages_urls``,
``open_pages_titles``) as lists. `browsergym_from_json` undoes all of it.

`BrowserGymClient` is the client side: ``reset`` and ``step`` return exactly the dict a local
``BrowserGymObservation`` returns, so an agent written for BrowserGym (AgentLab's GenericAgent)
steps a served environment unchanged.

This module imports nothing of Palaestra's, only numpy, Pillow and httpx: BrowserGym and AgentLab
pin Playwright 1.44, so their virtual environment cannot install Palaestra, and loads this file by
its path instead (``agents/foreign/agentlab_driver.py`` does).
"""

from __future__ import annotations

import base64
import io
import os
from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import Any
from urllib.parse import quote

import httpx
import numpy as np

#: The environment variable holding the server's token (as for `palaestra.server.remote.RemoteEnv`).
TOKEN_VARIABLE = "PALAESTRA_SERVER_TOKEN"
#: The keys BrowserGym holds as tuples; JSON makes them lists, `browsergym_from_json` tuples again.
TUPLE_KEYS = ("chat_messages", "goal_object", "open_pages_urls", "open_pages_titles")
#: The keys BrowserGym holds as one-element arrays, with their dtypes.
ARRAY_KEYS = {"active_page_index": np.int64, "elapsed_time": np.float64}
#: What a client asks for by default: the screenshot (AgentLab's preprocessing draws on it) and
#: nothing more of our own observation, whose text parts would double what BrowserGym's carries.
DEFAULT_PARTS = ("screenshot",)


def browsergym_json(obs: Mapping[str, Any]) -> dict[str, Any]:
    """BrowserGym's observation dict as JSON-ready values (see the module doc)."""
    out: dict[str, Any] = {}
    for name, value in obs.items():
        if name == "screenshot":
            out[name] = base64.b64encode(_png(value)).decode("ascii") if value.size else ""
        elif name in ARRAY_KEYS:
            out[name] = np.asarray(value).tolist()
        elif name in TUPLE_KEYS:
            out[name] = list(value)
        else:
            out[name] = value
    return out


def browsergym_from_json(data: Mapping[str, Any]) -> dict[str, Any]:
    """The inverse of `browsergym_json`: BrowserGym's dict with its arrays and tuples."""
    out: dict[str, Any] = {}
    for name, value in data.items():
        if name == "screenshot":
            out[name] = _unpng(base64.b64decode(value)) if value else np.zeros((0, 0, 3), dtype=np.uint8)
        elif name in ARRAY_KEYS:
            out[name] = np.asarray(value, dtype=ARRAY_KEYS[name])
        elif name in TUPLE_KEYS:
            out[name] = tuple(value)
        else:
            out[name] = value
    return out


def _png(pixels: np.ndarray) -> bytes:
    # Compression level 1, as `palaestra.server.wire.png_bytes` (not imported: see the module doc).
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.asarray(pixels, dtype=np.uint8)).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def _unpng(data: bytes) -> np.ndarray:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert("RGB"), dtype=np.uint8)


class BrowserGymClientError(RuntimeError):
    """The server refused a request. ``code`` is its error code (``SESSION_NOT_FOUND``,
    ``BAD_REQUEST``...; the HTTP status as text when the body had none; ``UNREACHABLE`` when no
    answer came) and ``status`` the HTTP status (0 when unreachable): decide on these."""

    def __init__(self, message: str, *, code: str, status: int) -> None:
        super().__init__(message)
        self.code, self.status = code, status


class BrowserGymClient:
    """One session of ``palaestra serve`` at ``server`` on ``task``, observed as BrowserGym observes.

    ``reset(seed)`` opens the session on first use (later resets reuse it) and returns
    ``(obs, info)``; ``step(action)`` returns Gymnasium's 5-tuple; ``close`` ends the session.
    ``obs`` is the dict a local ``BrowserGymObservation`` returns. ``parts`` are the session's own
    observation parts (`palaestra.envs.obs`); ``screenshot`` among them fills BrowserGym's
    ``screenshot`` (without it, an empty (0, 0, 3) array). ``token`` defaults to
    ``$PALAESTRA_SERVER_TOKEN``. ``palaestra_obs`` holds our own observation's JSON of the last step.
    """

    def __init__(
        self,
        task: str,
        *,
        server: str,
        token: str | None = None,
        parts: Iterable[str] = DEFAULT_PARTS,
        timeout: float = 120.0,
    ) -> None:
        self.task = task
        self.server = server.rstrip("/")
        token = token if token is not None else os.environ.get(TOKEN_VARIABLE) or None
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.parts = list(parts)
        self.session_id: str | None = None
        self.palaestra_obs: dict[str, Any] = {}
        self._http = httpx.Client(base_url=self.server, headers=headers, timeout=timeout)

    def reset(self, seed: int | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
        if self.session_id is None:
            body = {"task": self.task, "parts": self.parts, "views": ["browsergym"], "seed": seed}
            answer = self._call("POST", "/sessions", body)
            self.session_id = str(answer["id"])
        else:
            answer = self._call("POST", f"/sessions/{quote(self.session_id)}/reset", {"seed": seed})
        return self._observation(answer), dict(answer["info"])

    def step(self, action: str) -> tuple[dict[str, Any], float, bool, bool, dict[str, Any]]:
        if self.session_id is None:
            raise BrowserGymClientError(
                "step() before reset(): call reset() to open the session.", code="NOT_RESET", status=0
            )
        answer = self._call("POST", f"/sessions/{quote(self.session_id)}/step", {"action": action})
        obs, info = self._observation(answer), dict(answer["info"])
        return obs, float(answer["reward"]), bool(answer["terminated"]), bool(answer["truncated"]), info

    def close(self) -> None:
        sid, self.session_id = self.session_id, None
        try:
            if sid is not None:
                self._http.delete(f"/sessions/{quote(sid)}")
        except httpx.HTTPError:
            pass  # the server is gone; its idle timeout closes the session
        finally:
            self._http.close()

    def __enter__(self) -> BrowserGymClient:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _observation(self, answer: Mapping[str, Any]) -> dict[str, Any]:
        self.palaestra_obs = dict(answer.get("observation") or {})
        return browsergym_from_json(answer["views"]["browsergym"])

    def _call(self, method: str, path: str, body: dict[str, Any]) -> Any:
        try:
            response = self._http.request(method, path, json=body)
        except httpx.HTTPError as exc:
            raise BrowserGymClientError(
                f"{self.server}: cannot reach the environment server ({exc}); start it with "
                "`palaestra serve`, or check the address.",
                code="UNREACHABLE",
                status=0,
            ) from exc
        if response.status_code >= 400:
            try:
                error = response.json()["error"]
                message, code = str(error["message"]), str(error["code"])
            except (ValueError, KeyError, TypeError):
                message, code = response.text[:500], str(response.status_code)
            raise BrowserGymClientError(
                f"{self.server}{path}: {message} ({code})", code=code, status=response.status_code
            )
        return response.json()
