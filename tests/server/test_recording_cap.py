"""The total size of a server's recordings is capped: a client asking for `record` on every session
could fill the disk. Real server, real Chromium, real files."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from palaestra.runs.trajectory import find_trajectories, read_trajectory
from palaestra.server.recordings import parse_size
from palaestra.server.run import ServerThread

CAP = 1 << 20


def test_past_the_cap_an_episode_stops_being_recorded_and_new_recordings_are_refused(
    start_server,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    recorded = tmp_path / "traj"
    recorded.mkdir()
    (recorded / "earlier.bin").write_bytes(b"x" * (CAP - 1))  # recordings already there count too
    server: ServerThread = start_server(trajectories=str(recorded), max_recording_bytes=CAP)
    with httpx.Client(base_url=server.url, timeout=60) as http:
        opened = http.post("/sessions", json={"task": "miniwob.enter-text", "seed": 5, "record": True})
        assert opened.status_code == 201, opened.text  # one byte below the cap: recorded
        sid = opened.json()["id"]
        for _ in range(2):  # the first step's files pass the cap: the episode plays on, unrecorded
            step = http.post(f"/sessions/{sid}/step", json={"action": "noop()"})
            assert step.status_code == 200, step.text
        again = http.post(f"/sessions/{sid}/reset", json={"seed": 6})
        refused = http.post("/sessions", json={"task": "miniwob.click-test", "record": True})
        unrecorded = http.post("/sessions", json={"task": "miniwob.click-test"})
        assert unrecorded.status_code == 201  # playing without `record` is untouched
        for sid_open in (sid, unrecorded.json()["id"]):
            http.delete(f"/sessions/{sid_open}")
    for answer in (again, refused):
        assert answer.status_code == 507, answer.text[:300]
        error = answer.json()["error"]
        assert error["code"] == "RECORDING_FULL"
        assert f"under {recorded}" in error["message"] and "--max-recording-size 1.0 MiB" in error["message"]
        assert "move or delete recordings there" in error["message"]
    (folder,) = find_trajectories(recorded)
    episode = read_trajectory(folder)
    assert len(episode.steps) == 1, "recording stopped after the step that passed the cap"
    assert episode.end is not None and episode.end["error_kind"] == "recording_cut"
    assert "reached their cap (--max-recording-size 1.0 MiB)" in episode.end["error_message"]


def test_sizes_read_as_people_write_them() -> None:
    assert [parse_size(t) for t in ("2G", "500M", "64k", "1.5GiB", "123", "0")] == [
        2 << 30, 500 << 20, 64 << 10, 3 << 29, 123, 0,
    ]  # fmt: skip
    with pytest.raises(ValueError, match="write bytes or a number with K, M, G or T"):
        parse_size("lots")
