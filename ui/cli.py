"""The `palaestra ui` command's flags and entry (light: the web stack is imported only to serve)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from palaestra.ui.links import DEFAULT_HOST, DEFAULT_PORT


def add_parser(sub: Any, epilog: str = "") -> None:
    what = "browse runs, replay episodes and prompts, step environments live, record demonstrations"
    p = sub.add_parser("ui", help=what, epilog=epilog or None)
    p.add_argument("runs", nargs="*", metavar="RUN", help="runs or folders of runs (default: ./results or .)")
    p.add_argument("--memories", action="append", default=[], metavar="DIR",
                   help="folders holding exemplar memories; demonstrations are saved under the first "
                        "(default: ./memories)")  # fmt: skip
    p.add_argument("--host", default=DEFAULT_HOST, help="address to bind (not loopback: a token is required)")
    p.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port to listen on (default: {DEFAULT_PORT})"
    )
    p.add_argument("--token", default=os.environ.get("PALAESTRA_TOKEN"), help="bearer token (default: "
                   "$PALAESTRA_TOKEN; generated for a non-loopback --host)")  # fmt: skip
    p.add_argument("--max-live", type=int, default=4, help="live environments open at once")
    p.add_argument("--idle-timeout", type=float, default=600.0, help="seconds before an idle one is closed")


def cmd_ui(args: argparse.Namespace) -> int:
    runs = args.runs or [("results" if Path("results").is_dir() else ".")]
    missing = [r for r in runs if not Path(r).is_dir()]
    if missing:
        print(f"palaestra ui: no such folder: {', '.join(missing)}")
        return 2
    from palaestra.ui.launcher import UiServer
    from palaestra.ui.roots import UiRoots
    from palaestra.ui.webapp import UiOptions

    roots = UiRoots.of(runs, args.memories or ["memories"])
    options = UiOptions(max_live=args.max_live, idle_timeout=args.idle_timeout)
    server = UiServer(roots, options, host=args.host, port=args.port, token=args.token)
    print(f"Palaestra UI: {server.url}")
    print(f"  runs under {', '.join(str(r) for r in roots.runs)}; memories under "
          f"{', '.join(str(m) for m in roots.memories)}. Ctrl-C stops it.")  # fmt: skip
    server.serve_forever()
    return 0
