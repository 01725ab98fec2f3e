"""Each desktop session run by root with a /tmp, /var/tmp and /dev/shm of its own, on real Xvfb
sessions: two sessions write one fixed path in each at once, each its own, and the host has
neither; the next episode starts with nothing of the last one's there; the display still takes the
host's connections and the apps inside; the session's folder is gone from the host at its end. Without
CAP_SYS_ADMIN a session shares the host's /tmp, with one warning, and still works."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import Xlib.display
import Xlib.X

from palaestra.envs.desktop import tmp_namespace
from palaestra.envs.desktop.client import SessionClient, shared_note
from palaestra.runs.episode import EpisodeWorker
from palaestra.runs.spec import RunSettings

from .test_desktop_isolation import Sessions

#: Where a task's script writes, as OSWorld's do: fixed paths, the same in every session and
#: episode (of this run: a failed run's files on the host must not fail the next one's checks).
NAME = f"same-name-{uuid.uuid4().hex[:8]}"
FIXED = (f"/tmp/{NAME}", f"/var/tmp/{NAME}", f"/dev/shm/{NAME}")


@pytest.fixture(scope="module")
def sessions() -> Iterator[Sessions]:
    made = Sessions()
    yield made
    made.close()


def write(sessions: Sessions, client: SessionClient, text: str) -> None:
    script = " && ".join(f"echo {text} > {path}" for path in FIXED)
    assert sessions.command(client, "sh", "-c", script)["returncode"] == 0


def read(sessions: Sessions, client: SessionClient) -> list[str]:
    """What the session sees at the fixed paths ("" where there is nothing)."""
    script = " ; ".join(f"echo $(cat {path} 2>/dev/null)" for path in FIXED)
    said = sessions.command(client, "sh", "-c", script)
    return [line.strip() for line in said["stdout"].splitlines()]


def test_two_sessions_write_one_fixed_tmp_path_each_its_own_and_the_host_sees_neither(
    sessions: Sessions,
) -> None:
    a, b = sessions.start(), sessions.start()
    assert a.info["tmp"] == b.info["tmp"] == "own"
    for client in (a, b):
        sessions.ask(client, {"op": "episode"})
    write(sessions, a, "session-A")
    write(sessions, b, "session-B")
    assert read(sessions, a) == ["session-A"] * 3
    assert read(sessions, b) == ["session-B"] * 3
    assert not any(Path(path).exists() for path in FIXED)
    # Root on the host reaches a session's /tmp through its process.
    assert Path(f"/proc/{a.info['pid']}/root{FIXED[0]}").read_text() == "session-A\n"


def test_the_next_episode_finds_nothing_of_the_last_ones_in_tmp(sessions: Sessions) -> None:
    client = sessions.start()
    sessions.ask(client, {"op": "episode", "files": {"notes.txt": "aGk="}})
    write(sessions, client, "episode-1")
    made = sessions.command(client, "mkdir", "-p", "/tmp/a-folder/inside")
    assert made["returncode"] == 0 and read(sessions, client) == ["episode-1"] * 3
    sessions.ask(client, {"op": "episode", "files": {"notes.txt": "aGk="}})
    assert read(sessions, client) == ["", "", ""]
    listed = sessions.command(client, "ls", "-A", "/tmp", "/var/tmp", "/dev/shm")["stdout"].split()
    base = Path(client.info["base"])
    # Only what the session itself keeps there: its folder (HOME inside it), its X socket, and the
    # checkout or venv when they live under /tmp (a CI clone), bound back.
    code = sorted(root.name for root in tmp_namespace.code_roots() if root.parent == Path("/tmp"))
    in_tmp = sorted([".X11-unix", base.name, *code])
    assert listed == ["/dev/shm:", "/tmp:", *in_tmp, "/var/tmp:"], listed
    assert sessions.command(client, "cat", str(base / "home" / "notes.txt"))["stdout"] == "hi"


def test_osworlds_home_user_is_the_sessions_home_and_the_hosts_home_stays(sessions: Sessions) -> None:
    """OSWorld's instructions and agents name /home/user/... outright (a terminal's `cd`, a file to
    save to): inside a session it is the episode's HOME; the host's /home entries stay reachable."""
    if tmp_namespace.OSWORLD_HOME.exists():
        pytest.fail("this machine has a /home/user of its own, which sessions leave alone: nothing to test")
    client = sessions.start()
    sessions.ask(client, {"op": "episode", "files": {"notes.txt": "aGk="}})
    said = sessions.command(
        client, "sh", "-c", "cat /home/user/notes.txt && echo saved > /home/user/Desktop.txt"
    )
    assert (said["returncode"], said["stdout"]) == (0, "hi"), said
    home = Path(client.info["base"]) / "home"
    assert (home / "Desktop.txt").read_text() == "saved\n"  # the same HOME the host reads
    listed = sessions.command(client, "ls", "-A", "/home")["stdout"].split()
    assert listed == sorted([*os.listdir("/home"), "user"]), listed
    assert not tmp_namespace.OSWORLD_HOME.exists()  # the host's /home is untouched
    sessions.ask(client, {"op": "episode"})  # the next episode's fresh HOME, the same link
    assert sessions.command(client, "ls", "-A", "/home/user/")["stdout"].split() == sorted(os.listdir(home))


def test_the_display_takes_the_hosts_connections_and_the_apps_inside(
    sessions: Sessions, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = sessions.start()
    pid = sessions.calculator(client)  # an app inside comes up on the display
    reply = sessions.ask(client, {"op": "observe", "tree": True, "screenshot": True})
    assert any("galculator" in window["title"].lower() for window in reply["windows"]), reply["windows"]
    apps = sessions.ask(client, {"op": "status"})["apps"]
    assert [(app["pid"], app["returncode"]) for app in apps] == [(pid, None)]
    # From the host, with the session's cookie: the same display, and its pixels.
    monkeypatch.setenv("XAUTHORITY", str(Path(client.info["base"]) / "xauthority"))
    display = Xlib.display.Display(client.info["display"])
    try:
        root = display.screen().root
        geometry = root.get_geometry()
        assert (geometry.width, geometry.height) == (640, 480)
        image = root.get_image(0, 0, 640, 480, Xlib.X.ZPixmap, 0xFFFFFFFF)
        assert len(set(image.data)) > 2  # the calculator's drawing, not a blank screen
    finally:
        display.close()
    # Inside, the X socket folder shows this display's socket only, and lets nothing be added.
    inside = sessions.command(client, "ls", "-A", "/tmp/.X11-unix")["stdout"].split()
    assert inside == [f"X{client.info['display'].lstrip(':')}"]
    assert sessions.command(client, "touch", "/tmp/.X11-unix/other")["returncode"] != 0


def test_a_sessions_folder_is_gone_from_the_host_at_its_end(sessions: Sessions) -> None:
    client = sessions.start()
    sessions.ask(client, {"op": "episode"})
    base = Path(client.info["base"])
    assert (base / "home").is_dir()
    sessions.run(client.close())
    assert not base.exists()


#: Starts a session and one episode in it, writes a fixed /tmp path inside, and prints what the
#: session said of its /tmp, the warnings, and whether the host sees the file.
WITHOUT_CAPABILITY = """
import asyncio, os, sys, warnings
from palaestra.envs.desktop.client import SessionClient, shared_note

async def main(path):
    client = SessionClient(320, 240)
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        info = await client.start()
        await client.request({"op": "episode"}, 30)
    await client.request({"op": "run", "argv": ["sh", "-c", f"echo shared > {path}"]}, 30)
    await client.close()
    print(info["tmp"], info["network"], len(said), said[0].category.__name__ if said else "")
    print(os.path.exists(path))
    print(said[0].message if said else "")

asyncio.run(main(sys.argv[1]))
"""


def test_without_cap_sys_admin_a_session_shares_the_hosts_tmp_and_says_so_once() -> None:
    """As in a container without CAP_SYS_ADMIN: root, but the kernel refuses a namespace."""
    path = Path(f"/tmp/palaestra-test-shared-{uuid.uuid4().hex}")
    drop = ["setpriv", "--bounding-set=-sys_admin", "--inh-caps=-sys_admin"]
    try:
        done = subprocess.run(
            [*drop, sys.executable, "-c", WITHOUT_CAPABILITY, str(path)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        first, on_the_host, note = done.stdout.splitlines()[:3]
        assert first == "shared shared 1 SharedNamespaceWarning"
        assert on_the_host == "True"
        assert "/tmp and /dev/shm" in note and "loopback" in note and "--cap-add SYS_ADMIN" in note
        assert note.count("Operation not permitted") == 1, note
    finally:
        path.unlink(missing_ok=True)


def test_the_warning_names_only_what_was_refused_and_each_reason_once() -> None:
    assert shared_note({"network": "own", "tmp": "own"}) == ""
    assert shared_note({"network": "shared", "tmp": "shared"}) == ""  # not root: nothing refused
    only_tmp = shared_note({"tmp": "shared", "tmp_refused": "Operation not permitted"})
    assert "a /tmp, /var/tmp and /dev/shm of its own (Operation not permitted)" in only_tmp
    assert "loopback" not in only_tmp and "fixed port" not in only_tmp
    both = shared_note({"network_refused": "Operation not permitted", "tmp_refused": "Invalid argument"})
    assert "(Operation not permitted, Invalid argument)" in both
    assert "share this machine's loopback and /tmp, /var/tmp and /dev/shm" in both


def test_code_under_a_private_folder_is_bound_back(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A checkout cloned into /tmp (as CI machines clone) keeps its venv and its package inside
    the session: covered, the session's lazy imports and its commands' Python would vanish."""
    private = tmp_path / "tmp"
    venv = private / "checkout" / ".venv"
    venv.mkdir(parents=True)
    (private / "elsewhere.zip").write_bytes(b"")
    monkeypatch.setattr(sys, "prefix", str(venv))
    monkeypatch.setattr(sys, "path", [*sys.path, str(private / "elsewhere.zip"), str(private / "gone")])
    roots = tmp_namespace.code_roots((private, tmp_path / "shm"))
    assert roots == [private / "checkout", private / "elsewhere.zip"]  # what exists, top folder only
    monkeypatch.setattr(sys, "prefix", sys.base_prefix)
    assert all(not root.is_relative_to(private / "checkout") for root in tmp_namespace.code_roots((private,)))


def test_the_task_files_and_their_gold_files_are_hidden_from_the_session(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An agent's terminal runs as the session's user, which read the bundled task files (their
    expected values: multiply.json's '444') and gold files (budget_expected.xlsx) in the checkout,
    a task folder of the user's, and the evaluation's run folder (the other episodes' answers and
    verdicts); now these folders are empty inside, on the host as before."""
    # World-readable and outside the private folders (a /tmp one is hidden anyway, root's HOME is 0700).
    mine = Path("/srv") / f"palaestra-test-tasks-{uuid.uuid4().hex[:8]}"
    run = mine.with_name(mine.name.replace("tasks", "run"))
    mine.mkdir(mode=0o755)
    run.mkdir(mode=0o755)
    sessions = Sessions()
    try:
        (mine / "answer.json").write_text('{"expected": "wrenfold-7731"}')
        (mine / "answer.json").chmod(0o644)
        (run / "results.jsonl").write_text('{"answer": "wrenfold-7731", "success": true}')
        (run / "results.jsonl").chmod(0o644)
        monkeypatch.setenv("PALAESTRA_OSWORLD_TASKS", str(mine))
        monkeypatch.setenv(tmp_namespace.PRIVATE_DIRS_ENV, "")  # restored after; the worker adds to it
        EpisodeWorker(RunSettings(out=str(run)), str(run)).close()
        assert os.environ[tmp_namespace.PRIVATE_DIRS_ENV] == str(run)
        checkout = Path(tmp_namespace.__file__).resolve().parents[2]
        bundled = checkout / "tasks" / "desktop" / "osworld" / "data"
        assert (bundled / "multiply.json").is_file() and (
            bundled / "files" / "budget_expected.xlsx"
        ).is_file()
        client = sessions.start()
        sessions.ask(client, {"op": "episode"})
        for path in (
            bundled / "multiply.json",
            bundled / "files" / "budget_expected.xlsx",
            mine / "answer.json",
            run / "results.jsonl",
        ):
            said = sessions.command(client, "cat", str(path))
            assert said["returncode"] != 0 and said["stdout"] == "", (path, said)
        listed = sessions.command(client, "ls", "-A", str(bundled), str(mine))
        assert listed["returncode"] == 0 and sorted(listed["stdout"].split()) == sorted(
            [f"{bundled}:", f"{mine}:"]
        )
        # The code the session runs is still there.
        code = sessions.command(client, "cat", str(Path(tmp_namespace.__file__).resolve()))
        assert code["returncode"] == 0 and "answer_folders" in code["stdout"]
    finally:
        sessions.close()
        assert (mine / "answer.json").read_text() == '{"expected": "wrenfold-7731"}'  # the host's, as it was
        shutil.rmtree(mine)
        shutil.rmtree(run)
