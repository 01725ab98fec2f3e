"""Files written whole or not at all (`palaestra.files`): what a killed or failing writer leaves is
the previous file, never half a new one, and no partial beside it."""

from __future__ import annotations

from pathlib import Path

import pytest

from palaestra.files import write_whole, written_whole


def test_a_finished_write_replaces_the_file_and_leaves_nothing_beside_it(tmp_path: Path) -> None:
    target = tmp_path / "record.json"
    target.write_text("old")
    write_whole(target, "new ü")
    assert target.read_text(encoding="utf-8") == "new ü"
    write_whole(target, b"\x00\x01")
    assert target.read_bytes() == b"\x00\x01"
    assert list(tmp_path.iterdir()) == [target]


def test_a_failing_write_keeps_the_previous_file_and_removes_its_partial(tmp_path: Path) -> None:
    target = tmp_path / "export.jsonl"
    target.write_text("complete\n")
    with pytest.raises(RuntimeError), written_whole(target) as file:
        file.write("half of a row")
        assert target.read_text() == "complete\n"  # not visible while being written
        raise RuntimeError("the export failed")
    assert target.read_text() == "complete\n" and list(tmp_path.iterdir()) == [target]
    fresh = tmp_path / "never.bin"
    with pytest.raises(ValueError), written_whole(fresh, binary=True) as binary:
        binary.write(b"x")
        raise ValueError
    assert not fresh.exists() and list(tmp_path.iterdir()) == [target]
