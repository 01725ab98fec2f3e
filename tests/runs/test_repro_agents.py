"""The record names the model each agent used and the side venv's versions, as a journal would.

Before, it kept only a `model` argument: `generic` given its model by `PALAESTRA_LLM_MODEL`, and
`agentlab` on its preset's model, were recorded as `model: ""`, and AgentLab's versions not at all.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from palaestra.runs.repro import reproducibility_record
from palaestra.runs.repro_agents import model_record, side_packages
from palaestra.runs.spec import AgentEntry, RunConfig, RunSettings

ENDPOINT = {"PALAESTRA_LLM_BASE_URL": "http://user:secret@llm.lab:8000/v1", "PALAESTRA_LLM_MODEL": "qwen-7b"}


def test_the_model_an_agent_used_is_named_wherever_it_came_from() -> None:
    assert model_record("generic", {"model": "gpt-4o"}, ENDPOINT)["model"] == "gpt-4o"
    got = model_record("generic", {}, ENDPOINT)
    assert got == {"model": "qwen-7b", "base_url": "http://llm.lab:8000/v1"}  # the credentials left out
    assert model_record("agentlab", {}, ENDPOINT)["model"] == "gpt-4o-mini-2024-07-18"  # its preset's
    assert model_record("agentlab", {"flags": "4o"}, ENDPOINT)["model"] == "gpt-4o-2024-05-13"
    assert model_record("osworld-prompt", {}, ENDPOINT)["model"] == "gpt-4o"
    assert model_record("synapse", {}, {})["model"].startswith("embedded: ")
    assert model_record("random", {}, ENDPOINT) == {"model": "", "base_url": ""}  # no model at all


def test_agentlabs_venv_versions_are_read_from_its_metadata(monkeypatch: pytest.MonkeyPatch) -> None:
    side = side_packages(["random", "agentlab"], Path(sys.prefix))
    assert side["venv-browsergym"]["agentlab"] == "0.4.2"
    assert side["venv-browsergym"]["browsergym-core"] == "0.14.3"
    for name, value in ENDPOINT.items():
        monkeypatch.setenv(name, value)
    agents = (AgentEntry("agentlab"), AgentEntry("random"))
    record = reproducibility_record(RunConfig(RunSettings(), agents), argv=["palaestra", "eval"])
    assert record["side_packages"]["venv-browsergym"]["agentlab"] == "0.4.2"
    assert [a["model"] for a in record["agents"]] == ["gpt-4o-mini-2024-07-18", ""]
    assert "secret" not in str(record)
    plain = reproducibility_record(RunConfig(RunSettings(), agents[1:]), argv=["palaestra", "eval"])
    assert "side_packages" not in plain


def test_the_report_shows_the_side_venvs_versions() -> None:
    from palaestra.runs.report import _record

    agent = {"label": "agentlab", "name": "agentlab", "model": "gpt-4o-mini-2024-07-18"}
    side = {"venv-browsergym": {"agentlab": "0.4.2", "browsergym-core": "0.14.3"}}
    record = {"agents": [agent], "side_packages": side}
    html = _record([{"id": 1, "record": record, "started": 0.0, "finished": 1.0, "status": "complete"}])
    assert "Packages (venv-browsergym)" in html and "agentlab 0.4.2 · browsergym-core 0.14.3" in html
    assert "agentlab = agentlab (gpt-4o-mini-2024-07-18)" in html


def test_the_record_keeps_every_setting_of_each_agent_defaults_included() -> None:
    """A temperature or prompt style left to its default is recorded too, so a default changed in a
    later Palaestra shows in the record; secrets stay redacted."""
    generic = AgentEntry("generic", (("api_key", "sk-hidden-42"), ("model", "m"), ("temperature", "0.7")))
    agents = (generic, AgentEntry("synapse"), AgentEntry("random", (("seed", "7"),)))
    record = reproducibility_record(RunConfig(RunSettings(), agents), argv=["palaestra", "eval"])
    given, synapse, random = (a["settings"] for a in record["agents"])
    assert given["temperature"] == "0.7" and given["model"] == "m" and given["observation"] == "axtree"
    assert given["api_key"] == "[redacted]" and "sk-hidden-42" not in str(record)
    assert synapse["temperature"] == 0.0 and synapse["prompt_style"] == "auto" and synapse["exemplars"] == 3
    assert random == {"seed": "7", "type_probability": 0.3}


def test_the_report_shows_the_machine_the_task_definitions_and_the_changes_fingerprint() -> None:
    from palaestra.runs.report import _record

    record = {
        "git": {"commit": "abc", "dirty": True, "diff_sha256": "0123456789abcdef"},
        "machine": {"cpus": 8, "cpus_usable": 2, "memory_gib": 24.0},
        "cwd": "/home/me/paper",
        "task_definitions": {"miniwob": {"tasks": 4, "sha256": "feedfacefeedface"}},
    }
    html = _record([{"id": 1, "record": record, "started": 0.0, "finished": 1.0, "status": "complete"}])
    assert "(dirty: uncommitted changes, diff 0123456789ab)" in html
    assert "2 of 8 cores usable, 24.0 GiB" in html and "/home/me/paper" in html
    assert "miniwob: 4 tasks, feedfacefeed" in html
