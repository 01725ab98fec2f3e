"""A saved state in a run's evidence is unpacked for `palaestra judge` only when it is the size of a
site's state: a run shared by someone else could hold an archive that unpacks to anything."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from palaestra.runs import evidence


def _episode_with_state(folder: Path, members: dict[str, bytes]) -> dict[str, str]:
    kept = folder / evidence.EVIDENCE_DIR
    kept.mkdir(parents=True)
    with tarfile.open(kept / evidence.STATE, mode="w:xz", preset=1) as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return {"state": evidence.STATE}


def test_a_state_larger_than_a_sites_is_refused_before_unpacking(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(evidence, "MAX_STATE_BYTES", 1024 * 1024)  # 2 GiB of zeros is slow to pack
    record = _episode_with_state(
        tmp_path, {"db.sqlite3": b"\0" * (600 * 1024), "big.bin": b"\0" * (600 * 1024)}
    )
    refused = pytest.raises(evidence.EvidenceError, match=r"would unpack to 1,228,800 bytes.*refused")
    with refused, evidence.restored_state(tmp_path, record):
        pytest.fail("unpacked")


def test_a_state_of_a_sites_size_is_unpacked(tmp_path: Path) -> None:
    record = _episode_with_state(tmp_path, {"db.sqlite3": b"state", "repos/a.txt": b"a"})
    with evidence.restored_state(tmp_path, record) as state:
        assert state is not None
        assert (state / "db.sqlite3").read_bytes() == b"state" and (
            state / "repos" / "a.txt"
        ).read_bytes() == b"a"
