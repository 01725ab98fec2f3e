"""The Ray backend's local instance: loopback only, and gone with the run, even a killed one."""

from __future__ import annotations

import ipaddress
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from palaestra.cli import main
from palaestra.runs.results import format_summary, load_rows, summarize
from palaestra.runs.store import RunStore

HERE = Path(__file__).parent
#: How long Ray's processes may outlive a killed run.
TEARDOWN_S = 20


def family(pid: int) -> list[psutil.Process]:
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def ray_processes(processes: list[psutil.Process]) -> list[psutil.Process]:
    named = []
    for p in processes:
        try:
            text = " ".join([p.name(), *p.cmdline()[:3]])
        except psutil.Error:
            continue
        if "ray" in text.lower() and "palaestra.cli" not in text:
            named.append(p)
    return named


def actor_with_a_browser(pid: int) -> bool:
    """Whether the run's Ray actor is up and has launched its browser (which it does just before
    its episode's clock starts): the moment a fixed 2-s pause used to guess."""
    names = []
    for p in family(pid):
        try:
            names.append(p.name())
        except psutil.Error:
            continue
    return any("ActorWorker" in n for n in names) and any("chrom" in n.lower() for n in names)


def listeners(processes: list[psutil.Process]) -> list[tuple[str, str, int]]:
    found = []
    for p in processes:
        try:
            connections = p.net_connections(kind="inet")
        except psutil.NoSuchProcess:
            continue
        found += [(p.name(), c.laddr.ip, c.laddr.port) for c in connections if c.status == psutil.CONN_LISTEN]
    return found


def is_loopback(ip: str) -> bool:
    address = ipaddress.ip_address(ip.split("%")[0])
    mapped = getattr(address, "ipv4_mapped", None)
    return (mapped or address).is_loopback


def test_ray_backend_runs_a_small_evaluation_and_leaves_no_ray_process(tmp_path: Path) -> None:
    run = tmp_path / "run"
    argv = ["eval", "--agent", "oracle", "--tasks", "click-test,click-button", "--seeds", "0",
            "--workers", "1", "--backend", "ray", "--no-screenshots", "--out", str(run)]  # fmt: skip
    assert main(argv) == 0
    rows = load_rows(run)
    assert [(r["task"], r["success"], r["worker"]) for r in rows] == [
        ("miniwob.click-button", 1, "ray0"),
        ("miniwob.click-test", 1, "ray0"),
    ]
    assert "mean over tasks" in format_summary(summarize(rows))
    _, alive = psutil.wait_procs(ray_processes(family(os.getpid())[1:]), timeout=TEARDOWN_S)
    assert not [p for p in alive if p.status() != psutil.STATUS_ZOMBIE]


def test_a_local_ray_instance_listens_on_loopback_only_and_dies_with_a_killed_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]))
    monkeypatch.setenv("RAY_ADDRESS", "10.255.255.1:6379")  # never used without --ray-address
    run = tmp_path / "run"
    argv = ["eval", "--agent", "runner_agents:HangingAgent", "--tasks", "click-test", "--seeds", "0",
            "--workers", "1", "--backend", "ray", "--no-screenshots", "--out", str(run)]  # fmt: skip
    log = tmp_path / "stderr.txt"
    with log.open("wb") as stderr:
        proc = subprocess.Popen([sys.executable, "-m", "palaestra.cli", *argv], stderr=stderr)
    processes: list[psutil.Process] = []
    try:
        deadline = time.monotonic() + 180
        while not actor_with_a_browser(proc.pid):  # the actor's episode has started
            started = proc.poll() is None and time.monotonic() < deadline
            assert started, f"the Ray actor did not start: {log.read_text()[-3000:]}"
            time.sleep(0.3)
        processes = family(proc.pid)
        assert len(ray_processes(processes)) >= 4  # GCS, raylet, agents, the actor
        # Every listening socket of the run and of Ray (GCS, raylet, agents, workers, the driver).
        sockets = listeners(processes)
        assert sockets, "Ray's services listen somewhere"
        assert [s for s in sockets if not is_loopback(s[1])] == []
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    _, alive = psutil.wait_procs(processes[1:], timeout=TEARDOWN_S)
    survivors = [p for p in alive if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert survivors == [], [p.name() for p in survivors]


def test_sigterm_stops_a_ray_run_as_ctrl_c_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A scheduler's SIGTERM mid-episode: the run says so, exits 143, and takes Ray with it (Ray's
    waits replace the handler's KeyboardInterrupt by their own: the signal must still be known)."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]))
    run = tmp_path / "run"
    argv = ["eval", "--agent", "runner_agents:HangingAgent", "--tasks", "click-test", "--seeds", "0",
            "--workers", "1", "--backend", "ray", "--no-screenshots", "--out", str(run)]  # fmt: skip
    proc = subprocess.Popen([sys.executable, "-m", "palaestra.cli", *argv], stderr=subprocess.PIPE, text=True)
    processes: list[psutil.Process] = []
    try:
        deadline = time.monotonic() + 180
        while not actor_with_a_browser(proc.pid):  # the actor's episode has started
            assert proc.poll() is None and time.monotonic() < deadline, "the Ray actor did not start"
            time.sleep(0.3)
        processes = family(proc.pid)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 128 + signal.SIGTERM, err[-3000:]
    assert "Interrupted by SIGTERM: finished episodes are saved; run the same command to resume." in err
    with RunStore(run, readonly=True) as store:
        assert [i["status"] for i in store.invocations()] == ["interrupted"]
    _, alive = psutil.wait_procs(processes[1:], timeout=TEARDOWN_S)
    assert [p for p in alive if p.is_running() and p.status() != psutil.STATUS_ZOMBIE] == []


OWN_AGENT = '''
import re

from palaestra.agents import Agent, AgentStep


class FirstButton(Agent):
    """Clicks the first button, and says which file it was loaded from."""

    async def aact(self, obs):
        found = re.search(r"\\[(\\d+)\\] button", obs["axtree"])
        return AgentStep(action=f"click('{found.group(1)}')", thoughts=f"loaded from {__file__}")
'''


def test_an_agent_module_of_the_driver_alone_travels_to_the_ray_actors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An agent the driver imports from a folder of its own (its directory, its PYTHONPATH) did not
    import in Ray's actors where that folder is not theirs, as on a cluster's other machines: here
    the driver alone has it on its path. It is now sent with the job (`py_modules`)."""
    from palaestra.runs.ray_backend import agent_modules
    from palaestra.runs.trajectory import read_trajectory

    mine, elsewhere = tmp_path / "mine", tmp_path / "elsewhere"
    mine.mkdir(), elsewhere.mkdir()
    (mine / "rayagent.py").write_text(OWN_AGENT)
    monkeypatch.syspath_prepend(str(mine))
    monkeypatch.chdir(elsewhere)
    chosen = ["rayagent:FirstButton", "oracle", "palaestra.agents.baselines:RandomAgent", "yaml:YAMLObject"]
    assert agent_modules(chosen) == [str(mine / "rayagent.py")]
    argv = ["eval", "--agent", "rayagent:FirstButton", "--tasks", "click-test", "--seeds", "0",
            "--workers", "1", "--backend", "ray", "--no-screenshots", "--out", "run"]  # fmt: skip
    assert main(argv) == 0
    (row,) = load_rows(elsewhere / "run")
    assert (row["success"], row["worker"], row["error_kind"]) == (1, "ray0", None), row
    (step,) = read_trajectory(elsewhere / "run" / row["artifacts"]).steps
    loaded_from = Path(step["thoughts"].removeprefix("loaded from "))
    assert loaded_from.name == "rayagent.py" and loaded_from.parent != mine  # the job's copy


def test_the_job_carries_the_variables_workers_read_to_a_clusters_nodes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`--site gitlab=URL` reaches workers in PALAESTRA_WEBARENA_SITES; a cluster's workers do not
    inherit the driver's environment, so the job's runtime environment carries it (and the other
    task variables), never a secret."""
    from palaestra.runs.ray_backend import job_runtime_env

    for name in ("PALAESTRA_WEBARENA_TASKS", "PALAESTRA_FUZZY_JUDGE", "PALAESTRA_OSWORLD_TASKS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PALAESTRA_WEBARENA_SITES", '{"gitlab": "http://10.0.0.5:8023"}')
    monkeypatch.setenv("PALAESTRA_WEBARENA_TASKS", "/shared/config_files")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-not-forwarded")
    env = job_runtime_env(["/home/me/my_agent.py"])
    assert env is not None and env["py_modules"] == ["/home/me/my_agent.py"]
    assert env["env_vars"]["PALAESTRA_WEBARENA_SITES"] == '{"gitlab": "http://10.0.0.5:8023"}'
    assert env["env_vars"]["PALAESTRA_WEBARENA_TASKS"] == "/shared/config_files"
    assert "OPENAI_API_KEY" not in env["env_vars"]
