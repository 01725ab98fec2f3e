"""What the registry knows of one OSWorld metric (`Metric`): its function, whether it takes an
expected value, the options it accepts, and the checks made of its rules and options when a task
file is loaded. Its own module so that the registry's parts (`metrics`, `metrics_more`) share it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Metric:
    """A metric, whether it takes an expected value, and the options it accepts."""

    fn: Callable[..., float]
    expected: bool
    options: tuple[str, ...] = ()
    #: Keys its rules (the expected value, from a ``rule`` getter) must have.
    rule_keys: tuple[str, ...] = ()
    #: Checks its rules when the file is loaded: ``(rules, source, where)``, raising `OSWorldTaskError`.
    check_rules: Callable[[Any, str, str], None] | None = None
    #: OSWorld's options it does not implement, and why: refused when a task turns one on (one
    #: turned off asks for nothing, and is dropped).
    refused_options: Mapping[str, str] = field(default_factory=dict)
    #: For a metric whose verdict comes from a command run in the desktop session (never in this
    #: process): compiles ``(result spec, expected spec, options, place)`` into the one getter that
    #: runs it; ``fn`` then scores that getter's value alone.
    runs: Callable[[Any, Any, dict[str, Any], Any], Any] | None = None
    #: Checks its options' values when the file is loaded: ``(options, source, where)``.
    check_options: Callable[[dict[str, Any], str, str], None] | None = None
