"""The `palaestra ui` command: the environment server with the UI mounted at /ui (light to import:
the web stack loads only when it serves)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from palaestra.server.cli import recording_flags
from palaestra.ui.links import DEFAULT_HOST, DEFAULT_PORT, base_url, browsable_url

TOKEN_VARIABLE = "PALAESTRA_SERVER_TOKEN"


def add_parser(sub: Any, epilog: str = "") -> None:
    what = "browse runs, replay episodes and prompts, step environments live, record demonstrations"
    p = sub.add_parser("ui", help=what, epilog=epilog or None)
    p.add_argument("runs", nargs="*", metavar="RUN", help="runs or folders of runs (default: ./results or .)")
    p.add_argument("--memories", action="append", default=[], metavar="DIR",
                   help="folders holding exemplar memories; demonstrations are saved under the first "
                        "(default: ./memories)")  # fmt: skip
    p.add_argument("--host", default=DEFAULT_HOST, help="address to bind (not loopback: a token is required)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default: {DEFAULT_PORT})")
    p.add_argument("--token", help=f"bearer token (default: ${TOKEN_VARIABLE}; generated off loopback)")
    what = "environments open at once (the server's sessions; default: 4)"
    p.add_argument("--max-live", type=int, default=4, help=what)
    what = "seconds before an environment left alone is closed (default: 600)"
    p.add_argument("--idle-timeout", type=float, default=600.0, help=what)
    recording_flags(p, "record every live episode under DIR")
    p.add_argument(
        "--allow-agent-module", action="append", default=[], metavar="PREFIX",
        help="let the live page ask `module:Class` agents of this module and its submodules (repeat "
             "for several; registered agents are always allowed): the module is imported in the server",
    )  # fmt: skip


def cmd_ui(args: argparse.Namespace) -> int:
    from palaestra.server.config import ServerConfig
    from palaestra.server.run import serve
    from palaestra.ui.mount import ui_extension
    from palaestra.ui.roots import UiRoots
    from palaestra.ui.webapp import UiOptions

    runs = args.runs or [("results" if Path("results").is_dir() else ".")]
    missing = [r for r in runs if not Path(r).is_dir()]
    if missing:
        print(f"palaestra ui: no such folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    roots = UiRoots.of(runs, args.memories or ["memories"])
    token = args.token or os.environ.get(TOKEN_VARIABLE, "")
    config = ServerConfig(
        host=args.host, port=args.port, tokens=(token,) if token else (), max_sessions=args.max_live,
        idle_timeout=args.idle_timeout, trajectories=args.trajectories,
        max_recording_bytes=args.max_recording_size,
    )  # fmt: skip
    config = config.with_generated_token()[0].check()
    here = browsable_url(config.host, config.port)
    link = f"?token={config.tokens[0]}" if config.tokens else ""
    print(f"Palaestra UI: {here}{link}")
    folders = (
        f"runs under {', '.join(map(str, roots.runs))}; memories under {', '.join(map(str, roots.memories))}"
    )
    print(f"  {folders}; the environment API is served here too. Ctrl-C stops it.")
    if base_url() != here:  # `palaestra show` and the HTML report link episodes to base_url()
        print(f"  Links printed by `palaestra show` and in reports open {base_url()}; "
              f"export PALAESTRA_UI_URL={here} to have them open here.")  # fmt: skip
    options = UiOptions(agent_modules=tuple(args.allow_agent_module))
    serve(config, [ui_extension(roots, options)], log_level="warning")
    return 0
