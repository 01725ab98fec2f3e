"""``palaestra serve`` and ``palaestra mcp``: their flags and what they run.

Kept apart from `palaestra.cli` so that the command line stays one small file; importing this
module imports no web framework (that happens when a command runs).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from palaestra.server.auth import TOKEN_VARIABLE, Auth
from palaestra.server.config import ServerConfig
from palaestra.server.recordings import DEFAULT_RECORDING_SIZE, parse_size

if TYPE_CHECKING:
    from palaestra.server.app import Extension, ServerContext

PARTS = ("axtree", "dom", "elements", "screenshot", "som")


def _address_flags(p: argparse.ArgumentParser, port: int) -> None:
    p.add_argument(
        "--host", default="127.0.0.1", help="address to bind (anything but loopback needs a token)"
    )
    p.add_argument("--port", type=int, default=port, help=f"port to listen on (default: {port})")
    p.add_argument(
        "--token", action="append", default=[],
        help=f"bearer token clients must send (repeat for several; default ${TOKEN_VARIABLE}; "
             "generated and printed when binding off loopback without one)",
    )  # fmt: skip


def recording_flags(p: argparse.ArgumentParser, what: str) -> None:
    """``--trajectories DIR`` and ``--max-recording-size SIZE`` (``palaestra serve`` and ``ui``)."""
    p.add_argument("--trajectories", default="", metavar="DIR", help=what)
    p.add_argument(  # a string default: argparse reads it through the flag's type
        "--max-recording-size", type=_size, default=DEFAULT_RECORDING_SIZE, metavar="SIZE",
        help=f"most the recordings under DIR may hold (e.g. 500M, 10G; 0: no cap); past it nothing "
             f"more is recorded and recorded sessions are refused (default: {DEFAULT_RECORDING_SIZE})",
    )  # fmt: skip


#: The prefix of the environment variables that set `palaestra serve`'s flags (a service's unit
#: file or container sets them): ``--max-sessions 8`` is ``PALAESTRA_SERVER_MAX_SESSIONS=8``.
SERVE_VARIABLES = "PALAESTRA_SERVER_"


def flags_from_environment(p: argparse.ArgumentParser, prefix: str) -> None:
    """Let ``prefix`` + the flag's name (upper case, ``_`` for ``-``) set each of ``p``'s valued
    flags but ``--token`` (which has its own variable); a flag given on the command line wins.

    A variable's text becomes the flag's default, which argparse converts as it converts the flag
    (so a bad value is refused as the flag's would be, its message naming the variable)."""
    for action in p._actions:
        if not action.option_strings or action.nargs == 0 or action.dest in ("help", "token"):
            continue
        name = prefix + action.dest.upper()
        action.help = f"{action.help} [${name}]"
        text = os.environ.get(name)
        if text is not None:
            action.default = text
            action.type = _naming(action.type, name, text)


def _naming(convert: Any, name: str, text: str) -> Callable[[str], Any]:
    """``convert``, whose error, for the variable's own ``text``, names the variable it came from."""

    def parse(value: str) -> Any:
        try:
            return convert(value) if convert is not None else value
        except (ValueError, TypeError, argparse.ArgumentTypeError) as exc:
            if value != text:
                raise
            raise argparse.ArgumentTypeError(f"${name}={text!r}: {exc or 'not a valid value'}") from None

    return parse


def _size(text: str) -> int:
    try:
        return parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


#: Examples shown by `--help` (they serve until stopped, so the CLI tests parse them, not run them).
EXAMPLES = {
    "serve": ["palaestra serve --task miniwob.click-test",
              "palaestra serve --host 0.0.0.0 --port 8765 --token SECRET --trajectories recorded"],
    "mcp": ["palaestra mcp --task miniwob.book-flight --seed 3",
            "palaestra mcp --task miniwob.enter-text --http --port 8766",
            "palaestra mcp --task desktop.calc-add --seed 1",
            "palaestra mcp --task miniwob.click-test --action-set web"],
}  # fmt: skip


def add_parsers(sub: Any, epilog: Callable[[Sequence[str]], str]) -> None:
    what = "serve environments: OpenEnv's protocol, the session API, MCP at /mcp/ID"
    p = sub.add_parser("serve", help=what, epilog=epilog(EXAMPLES["serve"]))
    _address_flags(p, ServerConfig.port)
    what = "the task of OpenEnv clients that name none (e.g. miniwob.click-test)"
    p.add_argument("--task", default="", help=what)
    d = ServerConfig
    what = f"sessions open at once; more are refused with 503 (default: {d.max_sessions})"
    p.add_argument("--max-sessions", type=int, default=d.max_sessions, help=what)
    what = "sessions one token may hold at once, so one client cannot take them all (default: 0, no cap)"
    p.add_argument("--max-sessions-per-token", type=int, default=d.max_sessions_per_token, help=what)
    what = f"seconds a session may go unused before it is closed (default: {d.idle_timeout:g})"
    p.add_argument("--idle-timeout", type=float, default=d.idle_timeout, help=what)
    what = f"seconds one reset or step may take; the session is then closed (default: {d.request_timeout:g})"
    p.add_argument("--request-timeout", type=float, default=d.request_timeout, help=what)
    what = f"largest request body or WebSocket message, in bytes (default: {d.max_body_bytes})"
    p.add_argument("--max-body-bytes", type=int, default=ServerConfig.max_body_bytes, help=what)
    what = (
        "pages each browser session keeps preparing for its next resets, each a fresh browser context "
        "(memory per session); 0: each reset prepares its page, slower; desktop sessions ignore it "
        "(default: the environment's, 2)"
    )
    p.add_argument("--pages-ahead", type=int, default=None, metavar="N", help=what)
    recording_flags(p, "record sessions that ask, under DIR")
    flags_from_environment(p, SERVE_VARIABLES)
    what = "one task's environment as an MCP server (stdio, or --http)"
    p = sub.add_parser("mcp", help=what, epilog=epilog(EXAMPLES["mcp"]))
    p.add_argument("--task", required=True, help="a registered task id, e.g. miniwob.book-flight")
    p.add_argument("--seed", type=int, help="the episode's seed (drawn if absent)")
    p.add_argument("--parts", default="axtree,screenshot", help=f"observation parts, among {','.join(PARTS)}")
    p.add_argument("--http", action="store_true", help="serve Streamable HTTP at /mcp instead of stdio")
    what = (
        "another of the task's action sets, as a session's action_set (a browser task's: web, miniwob; "
        "a desktop task's: desktop, computer_13); the tools offered follow it (default: the task's own)"
    )
    p.add_argument("--action-set", default="", metavar="NAME", help=what)
    _address_flags(p, ServerConfig.port)


def _config(args: argparse.Namespace, **values: Any) -> ServerConfig:
    tokens = tuple(args.token) or tuple(t for t in [os.environ.get(TOKEN_VARIABLE, "")] if t)
    config = ServerConfig(host=args.host, port=args.port, tokens=tokens, **values)
    config, generated = config.with_generated_token()
    if generated:
        print(f"palaestra: bound to {config.host}; clients must send `Authorization: Bearer {generated}`",
              file=sys.stderr)  # fmt: skip
    return config.check()


def serve_config(args: argparse.Namespace) -> ServerConfig:
    """The configuration ``palaestra serve``'s flags (and variables) describe, checked."""
    return _config(
        args, default_task=args.task, max_sessions=args.max_sessions,
        max_sessions_per_token=args.max_sessions_per_token, idle_timeout=args.idle_timeout,
        request_timeout=args.request_timeout, max_body_bytes=args.max_body_bytes,
        trajectories=args.trajectories, max_recording_bytes=args.max_recording_size,
        pages_ahead=args.pages_ahead,
    )  # fmt: skip


def cmd_serve(args: argparse.Namespace, extensions: Sequence[Extension] = ()) -> int:
    from palaestra.server.run import serve

    config = serve_config(args)
    print(
        f"palaestra: serving on http://{config.host}:{config.port} (OpenAPI: /openapi.json)", file=sys.stderr
    )
    if config.tokens:  # the log names owners, never tokens: say which owner each token is
        auth = Auth(config.tokens)
        owners = ", ".join(f"token {i} is {auth.owner_of_token(t)}" for i, t in enumerate(config.tokens, 1))
        print(f"palaestra: the log names each token's sessions by owner: {owners}", file=sys.stderr)
    serve(config, extensions)
    return 0


def _parts(text: str) -> list[str]:
    parts = [p.strip() for p in text.split(",") if p.strip()]
    unknown = [p for p in parts if p not in PARTS]
    if unknown:
        raise SystemExit(f"palaestra mcp: --parts: unknown {unknown}; choose among {','.join(PARTS)}")
    return parts


def cmd_mcp(args: argparse.Namespace) -> int:
    parts = _parts(args.parts)
    if args.action_set:  # refused before any browser starts, as a session's or a run's would be
        from palaestra.runs.action_sets import check_action_set

        check_action_set(args.action_set, [args.task])
    if not args.http:
        from palaestra.server.mcp_stdio import serve_stdio

        result = asyncio.run(serve_stdio(args.task, args.seed, parts=parts, action_set=args.action_set))
        return 0 if result["success"] else 1
    from palaestra.server.run import serve

    config = replace(_config(args), default_task=args.task)
    print(f"palaestra: MCP on http://{config.host}:{config.port}/mcp", file=sys.stderr)
    serve(config, [default_session(args.task, args.seed, parts, args.action_set)])
    return 0


def default_session(task: str, seed: int | None, parts: Sequence[str], action_set: str = "") -> Extension:
    """An extension that opens one session at startup for ``/mcp`` and prints its verdict."""
    from starlette.routing import BaseRoute

    from palaestra.server.auth import LOCAL_OWNER
    from palaestra.server.mcp_http import DEFAULT_SESSION
    from palaestra.server.mcp_stdio import VerdictPrinter

    def extension(context: ServerContext) -> list[BaseRoute]:
        printer = VerdictPrinter(sys.stderr)
        owner = (
            LOCAL_OWNER
            if not context.auth.required
            else context.auth.owner_of_token(context.config.tokens[0])
        )

        async def start() -> None:
            session = await context.sessions.create(owner, task, parts=parts, action_set=action_set)
            await context.sessions.run(session, lambda: session.reset(seed=seed))
            session.listeners.append(printer)
            context.extras[DEFAULT_SESSION] = session.id

        async def stop() -> None:
            sid = context.extras.get(DEFAULT_SESSION, "")
            if sid in context.sessions.sessions:
                printer.final(context.sessions.sessions[sid])

        context.on_startup.append(start)
        context.on_shutdown.append(stop)
        return []

    return extension
