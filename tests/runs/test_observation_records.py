"""What a run writes down of each observation: the page the agent acted on at every step (step 0:
the page at reset), the final page, and beside each text file a structured record (element boxes,
AXTree, DOM, URL) that `palaestra ui` draws and diffs."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest

from palaestra.runs import observations
from palaestra.runs.episode import EpisodeWorker
from palaestra.runs.observations import load_observation, record_name
from palaestra.runs.spec import AgentEntry, EpisodeSpec, RunSettings


def test_every_observation_the_agent_saw_is_recorded_whole(tmp_path: Path) -> None:
    worker = EpisodeWorker(RunSettings(out=str(tmp_path), max_steps=5), str(tmp_path))
    try:
        out = worker.run(EpisodeSpec(AgentEntry("oracle"), "miniwob.click-button", 3))
    finally:
        worker.close()
    assert out.success and len(out.steps) == 1, out.error_message
    folder = tmp_path / out.artifacts
    first, final = out.steps[0], out.extra["final_observation"]
    assert (first.observation, first.screenshot) == ("obs-000.txt", "shot-000.jpg")
    assert final == "obs-001.txt" and out.extra["final_screenshot"] == "shot-001.jpg"

    seen = load_observation(folder / record_name(first.observation))
    assert seen["last_action"] == "" and seen["goal"] == out.goal  # the page at reset, before acting
    clicked = re.fullmatch(r"click\('(\w+)'\)", first.action)
    assert clicked, first.action
    target = next(e for e in seen["elements"] if e["id"] == clicked.group(1))
    assert target["tag"] == "button" and target["bbox"][2] > 0 and target["visible"]
    assert "screenshot" not in seen and seen["axtree"].startswith("RootWebArea")
    after = load_observation(folder / record_name(final))
    assert after["last_action"] == first.action and after["url"].endswith("click-button.html")


def test_a_damaged_or_oversized_record_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = tmp_path / "obs-000.json.gz"
    broken.write_bytes(b"not gzip at all")
    with pytest.raises(ValueError, match="not a readable gzip"):
        load_observation(broken)
    monkeypatch.setattr(observations, "MAX_RECORD_BYTES", 1000)
    bomb = tmp_path / "obs-001.json.gz"
    bomb.write_bytes(gzip.compress(b" " * 100_000, compresslevel=9))  # 100 kB from a few hundred bytes
    with pytest.raises(ValueError, match="larger than"):
        load_observation(bomb)
