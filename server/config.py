"""What a server may hold and for how long: the limits, the address, the tokens."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field, replace
from typing import Any

from palaestra.config import ConfigError, check_tokens
from palaestra.server.auth import new_token
from palaestra.server.recordings import DEFAULT_MAX_RECORDING_BYTES

LOOPBACK_NAMES = ("localhost",)


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class ServerConfig:
    """A server's settings. The defaults suit one machine's agents; `check` enforces the rules."""

    host: str = "127.0.0.1"
    port: int = 8765
    #: Tokens accepted (each one's sessions are its own). Empty: no token needed (loopback only).
    tokens: tuple[str, ...] = ()
    max_sessions: int = 16
    #: Sessions one token (one owner) may hold at once; 0: only ``max_sessions`` bounds them. On a
    #: server several people share, one client that never closes its sessions cannot fill it.
    max_sessions_per_token: int = 0
    #: Seconds a session may go unused before it is closed (its browser context with it).
    idle_timeout: float = 300.0
    #: Seconds one request (a reset, a step) may take before the server gives up on it.
    request_timeout: float = 120.0
    #: Largest request body (and WebSocket message), in bytes.
    max_body_bytes: int = 1 << 20
    #: The longest action string accepted.
    max_action_chars: int = 10_000
    #: The task a WebSocket or `POST /reset` gets when it names none (OpenEnv clients name none).
    default_task: str = ""
    #: Where sessions that ask to be recorded write their trajectories ("" = recording is off).
    trajectories: str = ""
    #: The most the recordings under `trajectories` may hold, in bytes (0: no cap); past it nothing
    #: more is recorded (`palaestra.server.recordings`).
    max_recording_bytes: int = DEFAULT_MAX_RECORDING_BYTES
    #: Step timeout given to every environment, in seconds.
    step_timeout: float = 30.0
    #: Pages each browser session keeps preparing for its next resets, each in a fresh browser
    #: context (memory a session holds beyond its own page); 0: each reset prepares its page.
    #: None: the environment's default. Given only to environments that take it (not the desktop).
    pages_ahead: int | None = None
    #: Extra keyword arguments for every environment (`make_env`), e.g. {"action_timeout_ms": 5000}.
    env_options: dict[str, Any] = field(default_factory=dict)

    def check(self) -> ServerConfig:
        """This configuration, after refusing what is unsafe or meaningless."""
        if self.max_sessions < 1:
            raise ConfigError(f"max_sessions must be at least 1, got {self.max_sessions}.")
        if self.max_sessions_per_token < 0:
            raise ConfigError(
                "max_sessions_per_token must be 0 (no cap per token) or more, "
                f"got {self.max_sessions_per_token}."
            )
        for name in ("idle_timeout", "request_timeout", "step_timeout"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"{name} must be positive, got {getattr(self, name)}.")
        if self.max_recording_bytes < 0:
            raise ConfigError(
                f"max_recording_bytes must be 0 (no cap) or more, got {self.max_recording_bytes}."
            )
        if self.pages_ahead is not None and self.pages_ahead < 0:
            raise ConfigError(f"pages_ahead must be 0 or more, got {self.pages_ahead}.")
        if self.max_body_bytes < 1024:
            raise ConfigError(f"max_body_bytes must be at least 1024, got {self.max_body_bytes}.")
        # Auth ignores an empty token: it would leave the server open, off loopback too.
        check_tokens(self.tokens, "give a real token, or leave --token out to have one generated.")
        if not is_loopback(self.host) and not self.tokens:
            raise ConfigError(
                f"Binding {self.host} exposes browsers to the network: give a token (--token, or "
                "PALAESTRA_SERVER_TOKEN), or let `palaestra serve` generate one."
            )
        return self

    def with_generated_token(self) -> tuple[ServerConfig, str | None]:
        """Off loopback with no token: this configuration with a fresh one, and that token."""
        if is_loopback(self.host) or self.tokens:
            return self, None
        token = new_token()
        return replace(self, tokens=(token,)), token
