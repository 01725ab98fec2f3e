"""The reproducibility record reports the commit Palaestra was installed from, never a stranger's."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from palaestra.runs import repro


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def other_repo(tmp_path: Path) -> Path:
    _git("init", "-q", cwd=tmp_path)
    (tmp_path / "venv" / "site-packages" / "palaestra").mkdir(parents=True)
    (tmp_path / "x.txt").write_text("x")
    _git(
        "-c", "user.email=a@b", "-c", "user.name=a", "commit", "-q", "--allow-empty", "-m", "x", cwd=tmp_path
    )
    return tmp_path


def test_a_folder_inside_another_repository_has_no_git_state(other_repo: Path) -> None:
    assert repro.git_state(other_repo / "venv" / "site-packages" / "palaestra") == {}
    state = repro.git_state(other_repo)
    assert state["commit"] == _git("rev-parse", "HEAD", cwd=other_repo) and state["dirty"]


def test_the_install_record_decides_where_the_commit_comes_from(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(repro, "_install_origin", lambda: {})
    assert repro.git_state() == {}  # a plain wheel: no commit, whatever folder it lies in
    monkeypatch.setattr(repro, "_install_origin", lambda: {"commit": "abc123", "url": "git+https://x"})
    assert repro.git_state() == {"commit": "abc123", "dirty": False, "source": "git+https://x"}


def test_this_installation_reports_its_own_checkout_or_nothing() -> None:
    root = Path(repro.__file__).resolve().parents[1]
    found = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=root, capture_output=True, text=True)
    if found.returncode == 0 and Path(found.stdout.strip()).resolve() == root:
        assert repro.git_state()["commit"] == _git("rev-parse", "HEAD", cwd=root)
    else:  # CI may test an exported tree: then there is no commit to report
        assert repro.git_state() == {}


def test_a_checkout_first_on_the_path_is_recorded_not_the_installed_one(tmp_path: Path) -> None:
    """Code imported from a second checkout (PYTHONPATH, a worktree) is what runs: its commit is
    recorded, not the one of the checkout pip installed in editable mode."""
    mine = tmp_path / "worktree"
    mine.mkdir()
    (mine / "pyproject.toml").write_text('[project]\nname = "palaestra"\n')
    editable = {"url": "file:///work/main", "dir_info": {"editable": True}}
    assert repro.origin_of(editable, mine) == {"checkout": str(mine)}
    site = tmp_path / "venv" / "site-packages" / "palaestra"
    site.mkdir(parents=True)
    assert repro.origin_of(editable, site) == {"checkout": "/work/main"}
    pinned = {"url": "git+https://x", "vcs_info": {"commit_id": "abc"}}
    assert repro.origin_of(pinned, site) == {"commit": "abc", "url": "git+https://x"}


def test_uncommitted_changes_are_fingerprinted(other_repo: Path) -> None:
    """Two dirty runs of one commit ran the same code only if their changes agree: the record keeps
    a hash of the diff and the changed files' names."""
    first = repro.git_state(other_repo)
    assert first["changed"] == ["x.txt"] and len(first["diff_sha256"]) == 64
    (other_repo / "x.txt").write_text("y")
    _git("add", "x.txt", cwd=other_repo)
    second = repro.git_state(other_repo)
    assert second["diff_sha256"] != first["diff_sha256"] and "x.txt" in second["changed"]


def test_the_record_names_the_machine_and_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from palaestra.runs.spec import AgentEntry, RunConfig, RunSettings

    monkeypatch.chdir(tmp_path)
    record = repro.reproducibility_record(
        RunConfig(RunSettings(), (AgentEntry("random"),)), argv=["palaestra"]
    )
    machine = record["machine"]
    assert machine["cpus"] >= machine["cpus_usable"] >= 1 and machine["memory_gib"] > 0
    assert record["cwd"] == str(tmp_path)
