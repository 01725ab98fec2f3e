"""OSWorld's own ``PromptAgent``, run in OSWorld's venv, asked for actions from our side.

`OSWorldPromptAgent` starts ``osworld_agent_driver.py`` with that venv's Python (``scripts/setup``
makes it) and keeps it for an episode's steps, since the agent remembers its trajectory. It sends
each `OSWorldObservation` observation as JSON (the PNG base64-encoded) and returns what the agent
answered: its raw response and its actions (PyAutoGUI code strings, or ``WAIT``/``DONE``/
``FAIL``; an empty list when the response held no code, which OSWorld's loop plays as no step).
The agent's process gets only the environment given (the LLM's base URL and key).
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from palaestra.errors import ConfigError

OSWORLD_PYTHON = Path(sys.prefix) / "share" / "palaestra" / "venv-osworld" / "bin" / "python"
DRIVER = Path(__file__).resolve().parent / "osworld_agent_driver.py"


def osworld_python() -> Path:
    """OSWorld's venv's Python, or a `ConfigError` saying how to make it."""
    if not OSWORLD_PYTHON.exists():
        raise ConfigError(f"{OSWORLD_PYTHON} is missing: run scripts/setup (it makes OSWorld's venv).")
    return OSWORLD_PYTHON


def linearize(xml: str, platform: str = "ubuntu") -> str:
    """OSWorld's ``linearize_accessibility_tree`` of ``xml``: the table its agents prompt with."""
    done = subprocess.run(
        [str(osworld_python()), str(DRIVER), "--linearize", "--platform", platform],
        input=xml,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"OSWorld's linearize_accessibility_tree failed:\n{done.stderr}")
    return str(json.loads(done.stdout)["table"])


class OSWorldPromptAgent:
    """``PromptAgent(model, observation_type, action_space, platform)`` in its own process."""

    def __init__(
        self,
        env: Mapping[str, str],
        *,
        model: str = "gpt-4o",
        observation_type: str = "a11y_tree",
        action_space: str = "pyautogui",
        platform: str = "ubuntu",
    ) -> None:
        options = ["--model", model, "--observation-type", observation_type]
        options += ["--action-space", action_space, "--platform", platform]
        self._process = subprocess.Popen(
            [str(osworld_python()), str(DRIVER), *options],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=dict(env),
        )

    def _ask(self, request: dict[str, Any]) -> dict[str, Any]:
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write(json.dumps(request) + "\n")
        self._process.stdin.flush()
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError(f"OSWorld's agent exited (code {self._process.wait()}); its stderr says why")
        return dict(json.loads(line))

    def predict(self, instruction: str, obs: Mapping[str, Any]) -> tuple[str, list[Any] | None]:
        """The agent's response and actions for one OSWorld-shaped observation."""
        sent = dict(obs)
        if isinstance(sent.get("screenshot"), bytes):
            sent["screenshot"] = base64.b64encode(sent["screenshot"]).decode("ascii")
        answer = self._ask({"instruction": instruction, "obs": sent})
        return str(answer["response"]), answer["actions"]

    def reset(self) -> None:
        """Forget the trajectory (a new episode)."""
        self._ask({"reset": True})

    def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()

    def __enter__(self) -> OSWorldPromptAgent:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
