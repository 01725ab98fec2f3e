"""A foreign agent's process: one JSON object a line each way, with typed failures.

The driver (``agentlab_driver.py``, ``osworld_driver.py``) runs in its own venv's Python. It first
writes ``{"ready": true}`` once its agent is built, or ``{"error": ..., "kind": "config"}`` when
its arguments do not fit (an unknown flag set); then it answers each request with one line.
Its stderr goes to a temporary file, whose tail every failure quotes: a driver that dies or hangs
becomes a `ForeignAgentError` naming why, which runs record as the episode's ``agent_error``.

The process gets only the environment `side_env` builds: the model's endpoint and key (never on
its command line, which ``ps`` shows) and what a Python needs to start.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from palaestra.agents.llm.config import environment_values
from palaestra.agents.llm.ledger import active_budget
from palaestra.agents.llm.usage import Budget
from palaestra.errors import ConfigError, PalaestraError

#: The side venvs ``scripts/setup`` makes, by the name it gives them.
VENVS = Path(sys.prefix) / "share" / "palaestra"
#: The variables a side process inherits: enough to start Python and find its files, no secrets.
INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "DISPLAY")
#: The stderr quoted in an error, in characters.
STDERR_TAIL = 3000
#: A key sent when none is configured: the OpenAI SDK refuses to start without one, and a local
#: server ignores it (a real provider then answers 401, which the driver's stderr shows).
NO_KEY = "no-key-configured"


class ForeignAgentError(PalaestraError):
    """A foreign agent's process exited, did not answer in time, or answered outside its protocol."""


def venv_python(venv: str) -> Path:
    """The Python of side venv ``venv``, or a `ConfigError` saying how to make it."""
    python = VENVS / venv / "bin" / "python"
    if not python.exists():
        raise ConfigError(f"{python} is missing: run scripts/setup (it makes the venv {venv}).")
    return python


def endpoint(base_url: str | None, api_key: str | None) -> tuple[str, str]:
    """The model's base URL (``http://host/v1``) and key: the given ones, else ``PALAESTRA_LLM_*``,
    else ``OPENAI_*``. No base URL at all is a `ConfigError`: nothing may call out by default."""
    given = environment_values()
    url = base_url or given.get("base_url", "")
    key = api_key or given.get("api_key", "")
    if not url:
        raise ConfigError(
            "No model endpoint: pass --agent-arg base_url=http://HOST/v1 (and api_key=...), or export "
            "PALAESTRA_LLM_BASE_URL (or OPENAI_BASE_URL) and PALAESTRA_LLM_API_KEY."
        )
    return url.rstrip("/"), key or NO_KEY


def side_env(extra: Mapping[str, str]) -> dict[str, str]:
    """The side process's whole environment: `INHERITED` from ours, and ``extra``."""
    return {**{n: os.environ[n] for n in INHERITED if n in os.environ}, **extra}


class SideProcess:
    """``argv`` started with ``env``; `ask` sends a request and returns its answer.

    A thread reads stdout into a queue, so a wait has a timeout without touching the pipe's
    buffering; the process is killed on a timeout, since its answer would come for a stale request.
    """

    def __init__(self, name: str, argv: Sequence[str], env: Mapping[str, str]) -> None:
        self.name = name
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115  (closed by close(), read on failures)
        self._process = subprocess.Popen(
            list(argv), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr,
            text=True, env=dict(env),
        )  # fmt: skip
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True, name=f"{name}-stdout").start()

    def _read(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def wait_ready(self, timeout: float) -> None:
        """Wait for the driver's first line; its ``error`` line is a `ConfigError`."""
        first = self._answer(timeout, "start")
        if first.get("kind") == "config":
            self.close()
            raise ConfigError(f"{self.name}: {first.get('error')}")
        if not first.get("ready"):
            raise self._failure(f"started with {first!r} instead of a ready line")

    def ask(self, request: Mapping[str, Any], timeout: float) -> dict[str, Any]:
        """The answer to ``request``; a `ConfigError` when the driver says it does not fit (its
        ``"kind": "config"`` error), a `ForeignAgentError` when the process fails it."""
        assert self._process.stdin is not None
        try:
            self._process.stdin.write(json.dumps(request) + "\n")
            self._process.stdin.flush()
        except (BrokenPipeError, OSError):
            raise self._failure(f"exited (code {self._process.wait()}) before reading a request") from None
        answer = self._answer(timeout, "answer")
        if answer.get("kind") == "config":  # the request does not fit the agent; it lives on
            raise ConfigError(f"{self.name}: {answer.get('error')}")
        if "error" in answer:
            raise self._failure(f"failed: {answer['error']}")
        return answer

    def _answer(self, timeout: float, what: str) -> dict[str, Any]:
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            self.kill()
            raise self._failure(f"did not {what} within {timeout:g} s (killed)") from None
        if line is None:
            raise self._failure(f"exited (code {self._process.wait()})")
        try:
            answer = json.loads(line)
        except json.JSONDecodeError:
            raise self._failure(f"wrote a line that is not JSON: {line[:200]!r}") from None
        if not isinstance(answer, dict):
            raise self._failure(f"wrote {line[:200]!r}, not a JSON object")
        return answer

    def _failure(self, what: str) -> ForeignAgentError:
        return ForeignAgentError(f"{self.name}'s process {what}. Its stderr ends:\n{self.stderr_tail()}")

    def stderr_tail(self) -> str:
        self._stderr.flush()
        self._stderr.seek(0, os.SEEK_END)
        size = self._stderr.tell()
        self._stderr.seek(max(0, size - STDERR_TAIL))
        return self._stderr.read().decode("utf-8", errors="replace") or "(nothing)"

    @property
    def alive(self) -> bool:
        return self._process.poll() is None

    def kill(self) -> None:
        if self.alive:
            self._process.kill()
        self._process.wait()

    def close(self) -> None:
        """End the process: its stdin closed (a driver's loop ends), killed after 10 s."""
        if self._process.stdin is not None and not self._process.stdin.closed:
            with contextlib.suppress(OSError):  # a dead process's pipe
                self._process.stdin.close()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()
        self._stderr.close()


class Spending:
    """A foreign agent's model spending against the budgets a `ChatModel` obeys: the run's ledger
    (its own allowance and the run's, over all workers) inside a run, else its own `Budget`. Its
    process's model calls are out of our reach, so the check comes before each answer is asked for
    and the charge after it, from the tokens the answer reports."""

    def __init__(self, max_tokens: int | None, max_cost: float | None) -> None:
        self.max_tokens, self.max_cost = max_tokens, max_cost
        self.own = Budget(max_tokens, max_cost)

    def budget(self) -> Budget:
        return active_budget(self.max_tokens, self.max_cost) or self.own

    def check(self) -> None:
        """`BudgetExceeded` when an allowance is spent (no request is sent)."""
        self.budget().check()

    def charge(self, input_tokens: int, output_tokens: int, cost: float) -> None:
        self.budget().charge(input_tokens, output_tokens, cost)
