"""The live progress display of a run, and its plain-log form when output is not a terminal.

On a terminal one status line is redrawn in place; elsewhere (CI logs, files) each finished episode
is one line, so logs stay greppable and nothing depends on carriage returns.
"""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO

from palaestra.runs.records import EpisodeOutcome


class Progress:
    def __init__(self, total: int, skipped: int = 0, stream: TextIO | None = None, live: bool | None = None):
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty() if live is None else live
        self.total, self.skipped = total, skipped
        self.done = self.succeeded = self.failed = self.errored = self.retrying = 0
        self.tokens, self.cost = 0, 0.0
        #: Per agent label, (successes, finished): a study's agents are shown apart, since one rate
        #: over an oracle and a random agent together describes neither.
        self.by_agent: dict[str, tuple[int, int]] = {}
        self.started = time.perf_counter()
        self._last_draw = 0.0

    def update(self, outcome: EpisodeOutcome, will_retry: bool) -> None:
        self.tokens += outcome.tokens_in + outcome.tokens_out
        self.cost += outcome.cost
        if outcome.errored and will_retry:
            self.retrying += 1
        elif outcome.errored:
            self.errored += 1
        else:
            self.done += 1
            self.succeeded += outcome.success
            self.failed += not outcome.success
            wins, finished = self.by_agent.get(outcome.agent, (0, 0))
            self.by_agent[outcome.agent] = (wins + outcome.success, finished + 1)
        if self.live:
            self.draw(force=True)
        else:
            if outcome.errored:
                verdict = f"ERROR {outcome.error_kind}" + (" (will retry)" if will_retry else "")
            else:
                verdict = outcome.outcome
            print(
                f"[{self.finished}/{self.total}] {outcome.agent} {outcome.task} seed={outcome.seed}: "
                f"{verdict} reward={outcome.reward:g} steps={len(outcome.steps)} "
                f"{outcome.elapsed_s:.1f}s | {self.summary()}",
                file=self.stream,
                flush=True,
            )

    @property
    def finished(self) -> int:
        return self.done + self.errored

    def summary(self) -> str:
        minutes = (time.perf_counter() - self.started) / 60
        rate = self.finished / minutes if minutes > 0 else 0.0
        left = self.total - self.finished
        eta = f"{left / rate:.1f} min" if rate > 0 else "?"
        success = f"{self.succeeded / self.done:.0%}" if self.done else "-"
        if len(self.by_agent) > 1:
            success = " ".join(f"{agent} {wins / n:.0%}" for agent, (wins, n) in self.by_agent.items())
        text = (
            f"done {self.done} failed {self.failed} errored {self.errored} | success {success} | "
            f"{rate:.1f} ep/min | ETA {eta}"
        )
        if self.tokens:
            text += f" | {self.tokens:,} tokens ${self.cost:.4f}"
        return text

    def draw(self, force: bool = False) -> None:
        """Redraw the status line (terminals only), at most a few times a second unless forced."""
        now = time.perf_counter()
        if not self.live or (not force and now - self._last_draw < 0.25):
            return
        self._last_draw = now
        line = f"[{self.finished}/{self.total}] {self.summary()}"
        width = self._columns()
        if width and len(line) >= width:  # a wrapped line is not redrawn in place: each draw would
            line = line[: width - 2] + "…"  # leave a copy behind, the terminal filling with them
        self.stream.write(f"\r\x1b[2K{line}")
        self.stream.flush()

    def _columns(self) -> int:
        """The terminal's width now (it may have been resized), or 0 when the stream has none."""
        try:
            return os.get_terminal_size(self.stream.fileno()).columns
        except (AttributeError, OSError, ValueError):
            return 0

    def close(self, message: str = "") -> None:
        if self.live:
            self.stream.write("\n")
        if message:
            print(message, file=self.stream, flush=True)
