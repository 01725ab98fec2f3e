"""`--ray-address`: a run on a real Ray cluster that does not share the driver's environment.

A cluster's workers are started by its own raylet, not by the driver, so they see neither the
driver's environment nor its folders. Here the cluster is a head node started by `ray start` with
none of the driver's task variables, on loopback only and with its own token (a second "machine"
in all but hardware). The run must still reach its workers with the variables they read
(`FORWARDED_ENV`), never a secret, and with the driver's own agent module.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from palaestra.runs.ray_backend import FORWARDED_ENV
from palaestra.runs.results import load_rows
from palaestra.runs.trajectory import read_trajectory

#: The agent a user keeps in a folder of their own: it reports what its worker sees.
REPORTING_AGENT = """
import json
import os
import re

from palaestra.agents import Agent, AgentStep


class Reporting(Agent):
    async def aact(self, obs):
        found = re.search(r"\\[(\\d+)\\] button", obs["axtree"])
        seen = {"sites": os.environ.get("PALAESTRA_WEBARENA_SITES"),
                "secret": os.environ.get("OPENAI_API_KEY"), "file": __file__, "session": os.getsid(0)}
        return AgentStep(action=f"click('{found.group(1)}')", thoughts=json.dumps(seen))
"""
SITES = '{"gitlab": "http://10.0.0.5:8023"}'


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def session_processes(sid: int) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter():
        try:
            if os.getsid(process.pid) == sid:
                found.append(process)
        except (ProcessLookupError, PermissionError, psutil.Error):
            continue
    return found


@pytest.fixture(scope="module")
def cluster() -> Iterator[dict[str, str]]:
    """A Ray head node of its own: loopback, token authentication, none of the task variables.
    Its folder is short (Ray's socket paths must fit in 107 bytes) and removed afterwards."""
    folder = tempfile.mkdtemp(prefix="ray-", dir="/tmp")
    port = free_port()
    auth = {
        "RAY_AUTH_MODE": "token",
        "RAY_AUTH_TOKEN": secrets.token_hex(32),
        "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",
    }  # fmt: skip  (loopback: see runs/ray_local.py)
    env = {k: v for k, v in os.environ.items() if k not in FORWARDED_ENV and k != "OPENAI_API_KEY"}
    ray = str(Path(sys.executable).with_name("ray"))
    command = [ray, "start", "--head", "--block", "--node-ip-address", "127.0.0.1", "--port", str(port),
               "--num-cpus", "1", "--include-dashboard", "false", "--disable-usage-stats",
               "--temp-dir", folder]  # fmt: skip
    log = Path(folder, "head.log")
    with log.open("wb") as out:
        head = subprocess.Popen(command, env={**env, **auth}, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while b"Ray runtime started" not in log.read_bytes():
            assert head.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.3)
        yield {**auth, "address": f"127.0.0.1:{port}", "sid": str(head.pid)}
    finally:
        # `ray start --block` drains its node on SIGTERM, and its GCS can outlive that: give it a
        # few seconds, then kill whatever of its session is left.
        head.send_signal(signal.SIGTERM)
        _, alive = psutil.wait_procs(session_processes(head.pid), timeout=10)
        for process in alive:
            process.kill()
        psutil.wait_procs(alive, timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


def test_a_clusters_workers_get_the_task_variables_and_the_agent_never_a_secret(
    cluster: dict[str, str], tmp_path: Path
) -> None:
    mine, elsewhere = tmp_path / "mine", tmp_path / "elsewhere"
    mine.mkdir(), elsewhere.mkdir()
    (mine / "reporting.py").write_text(REPORTING_AGENT)
    path = os.pathsep.join([str(mine), os.environ.get("PYTHONPATH", "")])
    auth = {k: cluster[k] for k in ("RAY_AUTH_MODE", "RAY_AUTH_TOKEN", "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER")}
    env = {**os.environ, **auth, "PALAESTRA_WEBARENA_SITES": SITES, "OPENAI_API_KEY": "sk-never-forwarded",
           "PYTHONPATH": path}  # fmt: skip
    argv = ["eval", "--agent", "reporting:Reporting", "--tasks", "click-test", "--seeds", "0",
            "--workers", "1", "--backend", "ray", "--ray-address", cluster["address"], "--no-screenshots",
            "--out", "run"]  # fmt: skip
    done = subprocess.run([sys.executable, "-m", "palaestra.cli", *argv], cwd=elsewhere, env=env,
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    (row,) = load_rows(elsewhere / "run")
    assert (row["success"], row["worker"], row["error_kind"]) == (1, "ray0", None), row
    (step,) = read_trajectory(elsewhere / "run" / row["artifacts"]).steps
    seen = json.loads(step["thoughts"])
    assert seen["sites"] == SITES  # forwarded: the head was started without it
    assert seen["secret"] is None  # never forwarded, although the driver has it
    assert Path(seen["file"]).parent != mine  # the job's copy of the driver's module
    assert seen["session"] == int(cluster["sid"])  # a worker the cluster started, not the run
