"""A session hands over the evidence of the episode that just ended (``GET /sessions/{id}/evidence``),
behind the same tokens as every route, and refuses with the server's error shape when there is none
yet or none at all; `RemoteEnv` unpacks it only if every member is a plain evidence file.

What a served site episode's evidence is worth (``palaestra judge`` gives the same verdicts as on an
in-process run) is `tests/sites/test_judge_served.py`'s.
"""

from __future__ import annotations

import io
import tarfile
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from palaestra.runs.evidence import RECORD
from palaestra.server.evidence_wire import EvidenceArchiveError, unpack
from palaestra.server.run import ServerThread


def test_evidence_is_refused_before_the_episode_ends_and_for_a_task_that_keeps_none(
    start_server: Callable[..., ServerThread],
) -> None:
    server = start_server(tokens=("alpha-token", "beta-token"))
    alice = httpx.Client(base_url=server.url, timeout=60, headers={"Authorization": "Bearer alpha-token"})
    bob = httpx.Client(base_url=server.url, timeout=60, headers={"Authorization": "Bearer beta-token"})
    with alice, bob, httpx.Client(base_url=server.url, timeout=60) as nobody:
        sid = alice.post("/sessions", json={"task": "miniwob.click-test", "reset": False}).json()["id"]
        path = f"/sessions/{sid}/evidence"
        assert nobody.get(path).json()["error"]["code"] == "UNAUTHORIZED"
        assert bob.get(path).status_code == 404  # another token's session is not there for bob

        answer = alice.get(path)
        assert (answer.status_code, answer.json()["error"]["code"]) == (409, "NOT_RESET")

        assert alice.post(f"/sessions/{sid}/reset", json={"seed": 1}).status_code == 200
        answer = alice.get(path)
        assert (answer.status_code, answer.json()["error"]["code"]) == (409, "EPISODE_NOT_ENDED")
        assert "early_stop" in answer.json()["error"]["message"]  # how a client ends it

        # The client's step limit: MiniWoB++ is not judged so, but the episode is over all the same.
        stopped = alice.post(f"/sessions/{sid}/early_stop", json={"reason": "Reach max steps 1"})
        assert stopped.json() == {"judged": False}
        answer = alice.get(path)
        assert (answer.status_code, answer.json()["error"]["code"]) == (404, "NO_EVIDENCE")
        assert "judged on the live page" in answer.json()["error"]["message"]

        alice.post(f"/sessions/{sid}/reset", json={"seed": 2})  # a new episode is played again
        assert alice.get(path).json()["error"]["code"] == "EPISODE_NOT_ENDED"


def tar_of(*members: tuple[tarfile.TarInfo, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for info, data in members:
            info.size = len(data) if info.isreg() else 0
            tar.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return buffer.getvalue()


def member(name: str, kind: bytes = tarfile.REGTYPE, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, link
    return info


RECORD_MEMBER = (member(RECORD), b'{"version": 2, "task": "shop.x", "state": null}')


@pytest.mark.parametrize(
    ("hostile", "said"),
    [
        ((member("../escaped.json"), b"x"), "a path outside its folder"),
        ((member("/tmp/absolute.json"), b"x"), "a path outside its folder"),
        ((member("sub/state.tar.xz"), b"x"), "a path outside its folder"),
        ((member("state.tar.xz", tarfile.SYMTYPE, "/etc/passwd"), b""), "holds a link"),
        ((member("state.tar.xz", tarfile.LNKTYPE, "../../outside"), b""), "holds a link"),
        ((member("network", tarfile.DIRTYPE), b""), "holds a folder"),
    ],
)
def test_a_hostile_evidence_archive_is_refused_and_nothing_is_written(
    tmp_path: Path, hostile: tuple[tarfile.TarInfo, bytes], said: str
) -> None:
    target = tmp_path / "inside" / "evidence"
    with pytest.raises(EvidenceArchiveError, match=said):
        unpack(tar_of(RECORD_MEMBER, hostile), target)
    assert not target.exists()
    assert sorted(p.name for p in tmp_path.rglob("*")) == []


def test_an_evidence_archive_unpacks_its_files_and_needs_its_record(tmp_path: Path) -> None:
    target = tmp_path / "evidence"
    target.mkdir()
    (target / "stale.har").write_text("from the episode before")
    unpack(tar_of(RECORD_MEMBER, (member("network.har"), b"{}")), target)
    assert sorted(p.name for p in target.iterdir()) == [RECORD, "network.har"]
    with pytest.raises(EvidenceArchiveError, match=f"has no {RECORD}"):
        unpack(tar_of((member("network.har"), b"{}")), tmp_path / "other")
    with pytest.raises(EvidenceArchiveError, match="not a readable tar"):
        unpack(b"<html>a proxy's error page</html>", tmp_path / "third")
    with pytest.raises(EvidenceArchiveError, match="names a file twice"):
        unpack(tar_of(RECORD_MEMBER, RECORD_MEMBER), tmp_path / "fourth")
