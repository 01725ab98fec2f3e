"""Bounds on what one step's action string may ask of the environment.

An agent's action must never raise out of ``step()`` nor outlast the step's timeout (which the
runner treats as the infrastructure's fault): the text is bounded before it is parsed, and every
argument that costs time or points somewhere is bounded before it runs.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class ActionLimits:
    """What one step's action string may hold and ask for."""

    #: Characters in the action string (the action space's ``max_length``).
    max_chars: int = 10_000
    #: Nesting of the parsed calls (a call with a list argument nests 4 levels; a tool's JSON
    #: arguments count from their dict).
    max_depth: int = 24
    #: Calls in one step; the longest MiniWoB++ solutions take about 20.
    max_calls: int = 50
    #: Longest ``noop(ms)``: a wait must end well within the step's timeout.
    max_wait_ms: float = 10_000
    #: Largest ``scroll`` distance, in CSS pixels along each axis.
    max_scroll_px: float = 100_000
    #: Open tabs in an episode: each is a renderer (tens of MB), and ``new_tab()`` fifty times a
    #: step would fill a shared machine's memory in a few steps. WebArena's tasks use two or three.
    max_tabs: int = 20

    def within(self, seconds: float) -> ActionLimits:
        """These limits with waits short enough to fit in ``seconds``."""
        return replace(self, max_wait_ms=min(self.max_wait_ms, seconds * 1000))


DEFAULT_LIMITS = ActionLimits()
