"""The prompt a model refused (`context_length`) is kept whole in the episode's trajectory: the
secrets in it must not be. A model that echoes a key into its action puts it in the next prompt's
history; here that prompt is the refused one.

The run is `palaestra eval` in a process of its own, so that its environment holds a secret-named
variable from the start, as a user's shell would give it; the generic agent asks a scripted model
over real HTTP and acts in a real Chromium.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from palaestra.testing import Answer, ScriptedLLMServer, ScriptRequest, context_length_exceeded, reply_text

#: The endpoint's key, given as the agent's `api_key` argument.
ENDPOINT_KEY = "sk-endpoint-9f8e7d6c5b4a3210"
#: A secret-named variable of the run's environment (remembered by value).
ENV_SECRET = "envtok-5f3a9c1e2d7b"
#: Known to no one but the page or model that wrote them: caught by their shape.
HEADER_TOKEN = "hdrtok-77aa88bb99cc"
URL_PASSWORD = "urlpw-3141592653"
LEAKED = (
    f"key {ENDPOINT_KEY} env {ENV_SECRET} Authorization: Bearer {HEADER_TOKEN} "
    f"proxy https://me:{URL_PASSWORD}@proxy.example/v1"
)
SECRETS = (ENDPOINT_KEY, ENV_SECRET, HEADER_TOKEN, URL_PASSWORD)


def _echo_then_refuse(request: ScriptRequest) -> Answer:
    """The first answer types the secrets into a missing field (its error goes into the history);
    every later prompt is refused as longer than the window."""
    if request.index == 0:
        return reply_text(f"```\nfill('999', '{LEAKED}')\n```")
    return context_length_exceeded(100, 5000)


def test_the_refused_prompt_is_kept_without_its_secrets(
    tmp_path: Path, make_llm_server: Callable[..., ScriptedLLMServer]
) -> None:
    server = make_llm_server(_echo_then_refuse)
    out = tmp_path / "run"
    argv = ["eval", "--agent", "generic", "--agent-arg", "model=scripted-model",
            "--agent-arg", f"base_url={server.base_url}", "--agent-arg", f"api_key={ENDPOINT_KEY}",
            "--tasks", "click-test", "--seeds", "0", "--workers", "1", "--max-steps", "3",
            "--out", str(out)]  # fmt: skip
    env = {**os.environ, "MYSITE_API_TOKEN": ENV_SECRET}
    subprocess.run([sys.executable, "-m", "palaestra.cli", *argv], env=env, timeout=300, check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip

    refused = json.dumps(server.chat_requests[-1].messages)
    assert all(secret in refused for secret in SECRETS)  # the model was sent them: the test can fail
    with sqlite3.connect(out / "results.sqlite") as db:
        (error_kind, artifacts) = db.execute("SELECT error_kind, artifacts FROM episodes").fetchone()
    assert error_kind == "context_length"
    lines = (out / artifacts / "trajectory.jsonl").read_text(encoding="utf-8").splitlines()
    end = json.loads(lines[-1])
    sent = json.dumps(end["refused_prompt"]["sent"])
    assert "fill('999', 'key [redacted] env [redacted]" in sent  # the prompt is kept, its secrets not
    leaked = {
        str(path.relative_to(out)): [s for s in SECRETS if s.encode() in path.read_bytes()]
        for path in out.rglob("*")
        if path.is_file()
    }
    assert {name: found for name, found in leaked.items() if found} == {}
