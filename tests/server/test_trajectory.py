"""One trajectory format: written by the runner and the server, read by the report and `memory build`."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image

from palaestra.memory import HashingEmbedder
from palaestra.runs.memory_cli import add_to_memory, exemplars_from_trajectories
from palaestra.runs.trajectory import TRAJECTORY_FILE, TrajectoryWriter, find_trajectories, read_trajectory
from palaestra.server.run import ServerThread


def observation(url: str, error: str = "", shade: int = 0) -> dict:
    pixels = np.full((8, 10, 3), shade, dtype=np.uint8)
    return {"goal": "Do it.", "url": url, "last_action_error": error, "axtree": f"[1] button {url}",
            "screenshot": pixels}  # fmt: skip


def test_what_the_agent_saw_and_what_its_action_led_to(tmp_path: Path) -> None:
    writer = TrajectoryWriter(tmp_path / "ep")
    writer.start(task="demo.task", seed=3, goal="Do it.", obs=observation("u0"), source="test")  # type: ignore[arg-type]
    said = {"thoughts": "first", "messages": [{"role": "user"}]}
    writer.step("click('1')", observation("u1", error="nope", shade=9), 0.0, False, False, {},  # type: ignore[arg-type]
                timings={"env_s": 0.5}, agent=said)  # fmt: skip
    writer.step("click('2')", observation("u2"), 1.0, True, False, {"success": True},  # type: ignore[arg-type]
                demo={"action": "click('2')"})  # fmt: skip
    writer.end(outcome="success", success=True, reward=1.0)
    writer.close()
    episode = read_trajectory(tmp_path / "ep")
    assert episode.header["task"] == "demo.task" and episode.header["format"] == 1
    first, second = episode.steps
    assert (first["url"], first["action"], first["error"], first["thoughts"]) == (
        "u0",
        "click('1')",
        "nope",
        "first",
    )
    assert (first["screenshot"], first["observation"], first["timings"]) == (
        "shot-000.jpg",
        "obs-000.txt",
        {"env_s": 0.5},
    )
    assert (second["url"], second["terminated"], second["success"], second["reward"]) == (
        "u1",
        True,
        True,
        1.0,
    )
    assert episode.end is not None and episode.end["final_screenshot"] == "shot-002.jpg"
    assert episode.success and episode.demonstration_steps() == [{"action": "click('2')"}]
    shot = episode.file(second["screenshot"])
    assert shot is not None and Image.open(shot).size == (10, 8)
    assert "u1" in (tmp_path / "ep" / "obs-001.txt").read_text()
    with pytest.raises(ValueError, match="outside"):
        episode.file("../../etc/passwd")


def test_a_line_cut_by_a_kill_loses_only_itself(tmp_path: Path) -> None:
    folder = tmp_path / "ep"
    folder.mkdir()
    lines = [{"type": "episode", "task": "t", "goal": "g"}, {"type": "step", "index": 0, "action": "noop()"}]
    text = "".join(json.dumps(line) + "\n" for line in lines) + '{"type": "step", "ind'
    (folder / TRAJECTORY_FILE).write_text(text)
    episode = read_trajectory(folder)
    assert [s["action"] for s in episode.steps] == ["noop()"] and episode.end is None and not episode.success
    assert find_trajectories(tmp_path) == [folder]


def test_a_recorded_session_becomes_an_exemplar(start_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server: ServerThread = start_server(trajectories=str(tmp_path / "traj"))
    with httpx.Client(base_url=server.url, timeout=60) as http:
        session = http.post(
            "/sessions", json={"task": "miniwob.enter-text", "seed": 5, "record": True}
        ).json()
        obs = session["observation"]
        word = obs["goal"].split('"')[1]
        textbox = next(e["id"] for e in obs["elements"] if e["tag"] == "input")
        button = next(e["id"] for e in obs["elements"] if e["tag"] == "button")
        note = {"thoughts": "type it", "messages": [{"role": "assistant", "content": "ok"}]}
        http.post(
            f"/sessions/{session['id']}/step", json={"action": f"fill('{textbox}', '{word}')", "agent": note}
        )
        assert http.post(f"/sessions/{session['id']}/step", json={"action": f"click('{button}')"}).json()[
            "info"
        ]["success"]
        assert http.delete(f"/sessions/{session['id']}").status_code == 204
    (folder,) = find_trajectories(tmp_path / "traj")
    episode = read_trajectory(folder)
    assert episode.header["source"] == "server" and episode.header["seed"] == 5 and episode.success
    assert [s["thoughts"] for s in episode.steps] == ["type it", ""]
    assert all(episode.file(s["screenshot"]) for s in episode.steps)
    (exemplar,) = exemplars_from_trajectories(tmp_path / "traj")
    assert (exemplar.suite, exemplar.task, len(exemplar.trajectory)) == ("miniwob", "enter-text", 2)
    memory, added = add_to_memory(tmp_path / "mem", [exemplar], embedder=HashingEmbedder())
    assert added == 1 and memory.get(memory.ids()[0]).goal == episode.header["goal"]


def test_openenv_clients_record_their_sessions_too(start_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """OpenEnv's reset took no ``record``: only the session API could record under --trajectories."""
    import asyncio

    from openenv.core.generic_client import GenericEnvClient

    server: ServerThread = start_server(trajectories=str(tmp_path / "traj"))

    async def play() -> None:
        async with GenericEnvClient(base_url=server.url) as env:
            await env.reset(task="miniwob.click-test", seed=2, record=True)
            assert (await env.step({"action": "click('15')"})).observation["success"] is True
            await env.reset(seed=3)  # the connection's session stays recorded: a second episode

    asyncio.run(play())
    with httpx.Client(base_url=server.url, timeout=60) as http:
        sid = http.post("/reset", json={"task": "miniwob.click-test", "seed": 4, "record": True}).json()[
            "observation"
        ]["session_id"]
        http.post("/step", json={"action": {"action": "click('15')"}, "session_id": sid})
        unrecorded = http.post("/reset", json={"session_id": sid, "record": False})
        assert unrecorded.status_code == 422 and "chosen when a session opens" in unrecorded.text
        assert http.delete(f"/sessions/{sid}").status_code == 204
    episodes = [read_trajectory(folder) for folder in find_trajectories(tmp_path / "traj")]
    assert sorted((e.header["seed"], e.success) for e in episodes) == [(2, True), (3, False), (4, True)]
