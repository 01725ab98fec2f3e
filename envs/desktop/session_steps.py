"""A task's live steps (`palaestra.tasks.desktop.live_steps`) run by the session: commands, apps
left running, windows brought to the front or closed, pauses; in order, each as the desktop user on
the episode's display. Setup steps that follow the apps and OSWorld's ``postconfig`` come here.

A mixin of `Session` (in `session.py`). A step that fails (a window that is not there, a command
that exits non-zero) is reported in its result and the next one runs, as OSWorld's setup does.
Imported beside `session` in the session process (not through Palaestra), as its siblings are.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

import commands
import window_ops

#: The longest pause one step may take (seconds).
MAX_SLEEP = 30.0


class SessionSteps:
    """`run_steps` over the session's X connection, episode and command runner."""

    x: Any
    home: Path | None
    home_alias: str
    episode_env: dict[str, str]
    apps: list[subprocess.Popen[bytes]]
    app_errs: list[Path]
    base: Path
    episode: int
    closed_a_window: bool

    def _command(self, argv: list[str], log: Any = None, timeout: float = 30.0) -> dict[str, Any]:
        raise NotImplementedError

    def _popen(self, argv: list[str], env: dict[str, str], cwd: Path, **kwargs: Any) -> Any:
        raise NotImplementedError

    def run_steps(self, steps: list[dict[str, Any]], log: Any = None) -> list[dict[str, Any]]:
        """Run each step in order; what each came to (``do`` and, by kind, its result)."""
        return [dict(self._run_step(step, log), do=step.get("do")) for step in steps]

    def _run_step(self, step: dict[str, Any], log: Any) -> dict[str, Any]:
        kind = step.get("do")
        if kind == "run":
            return self._command(list(step["argv"]), log)
        if kind == "launch":
            return self._launch(list(step["argv"]), log)
        if kind == "window":
            return self._window(step)
        if kind == "sleep":
            time.sleep(min(max(float(step.get("seconds", 0)), 0.0), MAX_SLEEP))
            return {}
        raise ValueError(f"unknown step {kind!r}")

    def _launch(self, argv: list[str], log: Any) -> dict[str, Any]:
        assert self.home is not None
        argv = [commands.swap_home(a, self.home_alias, self.home) for a in argv]
        self.app_errs.append(self.base / f"app-{self.episode}-{len(self.apps)}.stderr")
        try:
            with self.app_errs[-1].open("wb") as err:
                self.apps.append(self._popen(argv, self.episode_env, self.home, stdout=log, stderr=err))
        except OSError as exc:
            self.app_errs.pop()
            return {"argv": argv, "error": str(exc)}
        return {"argv": argv, "pid": self.apps[-1].pid}

    def _window(self, step: dict[str, Any]) -> dict[str, Any]:
        name, strict, by_class = str(step["name"]), bool(step.get("strict")), bool(step.get("by_class"))
        window = window_ops.find(self.x, name, strict, by_class)
        if window is None:
            return {"name": name, "found": False}
        if step.get("action") == "close":
            self.closed_a_window = True
            window_ops.close(self.x, window)
            return {"name": name, "found": True}
        return {"name": name, "found": True, "active": window_ops.activate(self.x, window)}
