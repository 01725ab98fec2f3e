"""Whether a run can play on an environment server at all, asked once before it starts.

`palaestra eval --env-server URL` made every episode's environment in its workers, so a wrong
address, a server not started yet or a missing token was found by every episode in turn: the run
went through all of them and recorded each as an ``environment_error``. Asked here first, the same
mistakes stop the command before anything runs, with the fix (exit 2, as other bad settings do).
"""

from __future__ import annotations

import httpx

from palaestra.server.auth import TOKEN_VARIABLE, UNAUTHORIZED
from palaestra.server.remote_errors import UNREACHABLE, RemoteEnvError


def check_server(server: str, token: str | None) -> None:
    """Raise `RemoteEnvError` naming the fix unless ``server`` answers and takes ``token``."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with httpx.Client(base_url=server, headers=headers, timeout=30) as client:
            answer = client.get("/metadata")  # needs the token, as every route a run uses
    except httpx.HTTPError as exc:
        raise RemoteEnvError(
            f"--env-server {server}: cannot reach the environment server ({exc}). Fix: start it "
            "(`palaestra serve`), or correct the address.",
            code=UNREACHABLE,
            status=0,
        ) from exc
    if answer.status_code == 401:
        problem = (
            f"${TOKEN_VARIABLE} holds a token it does not take"
            if token
            else f"it needs a token and ${TOKEN_VARIABLE} is not set"
        )
        raise RemoteEnvError(
            f"--env-server {server}: {problem}. Fix: export {TOKEN_VARIABLE} with the token "
            "`palaestra serve` printed (or was given with --token).",
            code=UNAUTHORIZED,
            status=401,
        )
