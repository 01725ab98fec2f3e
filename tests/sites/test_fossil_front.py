"""The code host's front copies an episode's repositories on first use, and never brings back the
folder of an episode that was discarded meanwhile (a request racing the episode's end)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from palaestra.sites.apps import fossil
from palaestra.sites.apps.fossil import Front


def front(tmp_path: Path) -> Front:
    build = tmp_path / "build"
    (build / "repos").mkdir(parents=True)
    (build / "manifest.json").write_text(json.dumps({"sessions": {}, "cookies": {}}))
    for name in ("alpha", "beta"):
        (build / "repos" / f"{name}.fossil").write_bytes(name.encode())
    (tmp_path / "episodes").mkdir()
    return Front(build, tmp_path / "episodes", "_default", "code")


def test_an_episode_gets_its_own_copy_once_and_an_ended_one_none(tmp_path: Path) -> None:
    host = front(tmp_path)
    assert host.repositories("gone") is None
    assert not (tmp_path / "episodes" / "gone").exists()
    (tmp_path / "episodes" / "e1").mkdir()
    repos = host.repositories("e1")
    assert repos is not None and sorted(p.name for p in repos.iterdir()) == ["alpha.fossil", "beta.fossil"]
    (repos / "alpha.fossil").write_bytes(b"changed")
    assert host.repositories("e1") == repos and (repos / "alpha.fossil").read_bytes() == b"changed"
    assert (tmp_path / "build" / "repos" / "alpha.fossil").read_bytes() == b"alpha"


def test_an_episode_discarded_during_the_copy_stays_gone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    host = front(tmp_path)
    folder = tmp_path / "episodes" / "e2"
    folder.mkdir()
    copy = shutil.copyfile

    def discard_then_copy(source: Path, target: Path) -> object:
        shutil.rmtree(folder, ignore_errors=True)  # the runtime ends the episode mid-copy
        return copy(source, target)

    monkeypatch.setattr(fossil.shutil, "copyfile", discard_then_copy)
    assert host.repositories("e2") is None
    assert not folder.exists()
