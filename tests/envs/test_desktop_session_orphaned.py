"""A desktop session whose environment's process is killed mid-request (a SIGKILLed run) stops
quietly: before, its reply met a broken pipe and it printed two tracebacks into the run's log."""

from __future__ import annotations

import subprocess
import sys

#: Starts a session and an episode, asks for a step that waits, and dies by SIGKILL before the reply.
KILLED_MID_REQUEST = """
import asyncio, os, signal
from palaestra.envs.desktop.client import SessionClient

async def main():
    client = SessionClient(320, 240)
    await client.start()
    await client.request({"op": "episode"}, 30)
    asking = asyncio.ensure_future(client.request({"op": "act", "ops": [{"k": "wait", "seconds": 1.0}]}, 30))
    await asyncio.sleep(0.3)
    print("killed", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)

asyncio.run(main())
"""


def test_a_session_whose_environment_died_mid_request_stops_without_a_traceback() -> None:
    # The session inherits the dying process's stderr: the pipe stays open until the session is gone.
    done = subprocess.run(
        [sys.executable, "-c", KILLED_MID_REQUEST], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == -9 and done.stdout == "killed\n", done.stderr[-2000:]
    assert "Traceback" not in done.stderr and "BrokenPipeError" not in done.stderr, done.stderr[-2000:]
