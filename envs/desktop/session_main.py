"""The desktop session process's start and request loop: arguments, network, user lease, replies.

`session.py` is the script `DesktopEnv` starts; its ``__main__`` block hands its `Session` class
here. Kept apart from `Session` so that the process's life (what it does before anything starts a
thread, how an exception becomes a typed reply, when it stops) reads in one place, and the class
stays about episodes and requests. Like its siblings, this module is imported as a plain module
inside the session process (see `net_namespace`), never as part of the `palaestra` package.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
import traceback
from typing import TYPE_CHECKING, Any

import atspi
import cgroups
import net_namespace
import protocol
import user_pool
from display import SessionFailure

if TYPE_CHECKING:
    from session import Session


#: The user argument that asks for a user of the session's own, leased from `user_pool`.
POOL = "@pool"


def main(session_class: type[Session]) -> None:
    """Run the session named by the command line until ``quit`` or the end of stdin."""
    width, height = (int(v) for v in sys.argv[1:3])
    user = sys.argv[3] if len(sys.argv) > 3 else ""
    asked = json.loads(sys.argv[4]) if len(sys.argv) > 4 else {}  # `SessionClient.limits`
    limits = cgroups.Limits(asked.get("memory_limit_mb"), asked.get("cpu_weight"), asked.get("pids_limit"))
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer

    def reply(message: dict[str, Any], blob: bytes = b"") -> None:
        stdout.write(protocol.encode(message, blob))
        stdout.flush()

    isolated = asked.get("isolation", "on") != "off"  # "off": no namespaces, no cgroup
    # First: before anything starts a thread.
    host_net, network = net_namespace.session_network() if isolated else (None, {"network": "shared"})
    lease = None
    if user == POOL:  # held until this process ends: its death frees the user for the next session
        try:
            lease = user_pool.lease()
        except (user_pool.PoolError, OSError) as exc:
            reply({"ok": False, "kind": "desktop_unavailable", "error": str(exc)})
            return
        user = lease.name
    session = session_class(
        width, height, user, pooled=lease is not None, host_net=host_net, limits=limits, isolated=isolated
    )

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        try:
            reply(dict(session.start(), user=user, ok=True, **network))
        except SessionFailure as exc:
            reply({"ok": False, "kind": exc.kind, "error": str(exc)})
            return
        except Exception:
            reply({"ok": False, "kind": "display_crashed", "error": traceback.format_exc(limit=4)})
            return
        while (frame := protocol.read_frame(stdin)) is not None:
            request, _ = frame
            if request.get("op") == "quit":
                break
            try:
                message, blob = session.handle(request)
                reply(dict(message, ok=True), blob)
            except BrokenPipeError:
                raise  # nobody reads replies any more (below)
            except Exception as exc:
                failure = exc if isinstance(exc, SessionFailure) else None
                try:  # an error from a dead display (the X connection broke) is the display's death
                    time.sleep(0.05)
                    session.reap()
                    session.check_alive()
                except SessionFailure as dead:
                    failure = dead
                if failure is not None:
                    reply({"ok": False, "kind": failure.kind, "error": str(failure)})
                    if failure.kind == "display_crashed":
                        break
                elif isinstance(exc, atspi.TreeError):
                    reply({"ok": False, "kind": "app_not_responding", "error": str(exc)})
                else:
                    reply({"ok": False, "kind": "environment_error", "error": traceback.format_exc(limit=4)})
    except BrokenPipeError:  # the environment's process died mid-request (a SIGKILLed run): no
        # one to answer or to read a traceback; stop as at the end of stdin, writing nothing more.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    finally:
        session.stop()
