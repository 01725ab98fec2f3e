"""Exemplars as files: `palaestra memory export` and `palaestra memory build --exemplars`, on real
memories (FAISS, SQLite) through the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from palaestra.cli import main
from palaestra.memory import Exemplar, ExemplarMemory, HashingEmbedder

BUTTON = Exemplar(
    goal='Click on the "ok" button.',
    suite="miniwob",
    task="click-button",
    trajectory=[{"state": "[21] button ok", "action": "click('21')"}],
    source="hand",
)
TEXT = Exemplar(
    goal='Enter "Zed" into the text field and press Submit.',
    suite="miniwob",
    task="enter-text",
    trajectory=[{"state": "[17] textbox\n[18] button Submit", "action": "fill('17', 'Zed')\nclick('18')"}],
)


def memory_of(path: Path, exemplars: list[Exemplar]) -> ExemplarMemory:
    memory = ExemplarMemory.create(path, HashingEmbedder())
    memory.add(exemplars)
    memory.save()
    return memory


def test_exported_exemplars_build_the_same_memory_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Export, then build another memory from the file: the same exemplars, found by the same goals."""
    original = memory_of(tmp_path / "original", [BUTTON, TEXT])
    assert main(["memory", "export", str(tmp_path / "original"), "--out", str(tmp_path / "ex.jsonl")]) == 0
    assert "2 exemplars" in capsys.readouterr().out
    lines = (tmp_path / "ex.jsonl").read_text().splitlines()
    assert [json.loads(line)["goal"] for line in lines] == [original.get(i).goal for i in original.ids()]
    assert main(["memory", "export", str(tmp_path / "original")]) == 0  # to stdout
    assert capsys.readouterr().out.splitlines() == lines

    memory_of(tmp_path / "copy", [])
    assert main(["memory", "build", str(tmp_path / "copy"), "--exemplars", str(tmp_path / "ex.jsonl")]) == 0
    assert "2 exemplars added" in capsys.readouterr().out
    copy = ExemplarMemory.open(tmp_path / "copy")
    assert {copy.get(i).to_dict()["goal"]: copy.get(i).trajectory for i in copy.ids()} == {
        BUTTON.goal: BUTTON.trajectory,
        TEXT.goal: TEXT.trajectory,
    }
    assert copy.search('Click on the "ok" button.', 1)[0][0].source == "hand"


def test_a_hand_written_file_and_a_json_list_are_read(tmp_path: Path) -> None:
    memory_of(tmp_path / "m", [])
    entry = {"goal": BUTTON.goal, "task": "click-button", "trajectory": BUTTON.trajectory}
    (tmp_path / "list.json").write_text(json.dumps([entry]))
    assert main(["memory", "build", str(tmp_path / "m"), "--exemplars", str(tmp_path / "list.json")]) == 0
    assert len(ExemplarMemory.open(tmp_path / "m")) == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            '{"goal": "x", "trajectry": []}',
            "line 1: Unknown exemplar field `trajectry`. Did you mean: `trajectory`?",
        ),
        (
            '{"goal": "x", "trajectory": [{"state": "a"}]}',
            "line 1: trajectory step 1 needs an `action` string",
        ),
        ('{"goal": "x"}\n{oops', "line 2: not JSON"),
        ('{"task": "click-button"}', "line 1: no `goal`"),
        ('{"goal": "  "}', "line 1: An exemplar needs a non-empty `goal`"),
        ("[1]", "entry 1: an exemplar is a JSON object, got int"),
    ],
)
def test_a_bad_entry_is_refused_with_its_line_and_nothing_is_added(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    memory_of(tmp_path / "m", [])
    good = json.dumps({"goal": BUTTON.goal, "trajectory": BUTTON.trajectory})
    (tmp_path / "good.jsonl").write_text(good + "\n")
    (tmp_path / "bad.jsonl").write_text(content + "\n")
    argv = ["memory", "build", str(tmp_path / "m")]
    assert (
        main([*argv, "--exemplars", str(tmp_path / "good.jsonl"), "--exemplars", str(tmp_path / "bad.jsonl")])
        == 2
    )
    err = capsys.readouterr().err
    assert f"{tmp_path / 'bad.jsonl'}, {message}" in err
    assert len(ExemplarMemory.open(tmp_path / "m")) == 0
    assert main([*argv, "--exemplars", str(tmp_path / "absent.jsonl")]) == 2
    assert "absent.jsonl: no such file. It holds one exemplar a line" in capsys.readouterr().err


def test_one_object_over_several_lines_is_one_exemplar_and_synapses_own_file_is_explained(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    memory_of(tmp_path / "m", [])
    (tmp_path / "one.json").write_text(json.dumps(BUTTON.to_dict(), indent=2))
    assert main(["memory", "build", str(tmp_path / "m"), "--exemplars", str(tmp_path / "one.json")]) == 0
    assert len(ExemplarMemory.open(tmp_path / "m")) == 1
    synapse = {
        "click-button": {"demo": [{"task": "Click ok", "trajectory": [{"act": 'click_xpath("//button")'}]}]}
    }
    (tmp_path / "exemplars.json").write_text(json.dumps(synapse, indent=2))
    assert (
        main(["memory", "build", str(tmp_path / "m"), "--exemplars", str(tmp_path / "exemplars.json")]) == 2
    )
    err = capsys.readouterr().err
    assert "looks like Synapse's own exemplars.json" in err and "XPath" in err and "--oracles" in err


ENDPOINT_VARIABLES = (
    "PALAESTRA_EMBED_BASE_URL", "PALAESTRA_EMBED_API_KEY", "PALAESTRA_LLM_BASE_URL",
    "PALAESTRA_LLM_API_KEY", "OPENAI_BASE_URL", "OPENAI_API_KEY",
)  # fmt: skip


def test_a_memory_built_over_an_embeddings_endpoint_is_found_again_by_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`memory build --embedder openai:MODEL` embeds at the endpoint PALAESTRA_EMBED_BASE_URL names;
    a run opens the memory through the same variable, and is told before its first episode when the
    variable is missing or nothing answers there (it used to be refused: the name alone said nowhere)."""
    import re

    from palaestra.agents.registry import check_agent
    from palaestra.config import ConfigError
    from palaestra.testing import ScriptedLLMServer

    for name in ENDPOINT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "ex.jsonl").write_text(json.dumps(BUTTON.to_dict()) + "\n" + json.dumps(TEXT.to_dict()))
    build = ["memory", "build", str(tmp_path / "m"), "--exemplars", str(tmp_path / "ex.jsonl")]
    assert main([*build, "--embedder", "openai:test-embed"]) == 2
    assert "PALAESTRA_EMBED_BASE_URL=http://HOST:PORT/v1" in capsys.readouterr().err
    assert main([*build, "--embedder", "minilx"]) == 2
    assert "did you mean" in capsys.readouterr().err.lower()

    server = ScriptedLLMServer(embedding_dim=48).start()
    monkeypatch.setenv("PALAESTRA_EMBED_BASE_URL", server.base_url)
    monkeypatch.setenv("PALAESTRA_EMBED_API_KEY", "sk-test")
    assert main([*build, "--embedder", "openai:test-embed"]) == 0
    embedded = len(server.embedding_requests)
    assert embedded >= 1 and all(r.json["model"] == "test-embed" for r in server.embedding_requests)
    memory = ExemplarMemory.open(tmp_path / "m")  # no embedder given: rebuilt from the environment
    assert memory.embedder.name == "openai:test-embed" and memory.embedder.dim == 48
    assert memory.search("Enter Zed into the text field", 1)[0][0].task == "enter-text"
    assert len(server.embedding_requests) == embedded + 1  # the query, at the same endpoint

    agent = {"model": "scripted-model", "base_url": server.base_url, "memory": str(tmp_path / "m")}
    check_agent("synapse", agent)
    server.stop()
    monkeypatch.setenv("PALAESTRA_EMBED_BASE_URL", "http://127.0.0.1:9/v1")  # nothing answers there
    reachable_llm = ScriptedLLMServer().start()
    try:
        agent["base_url"] = reachable_llm.base_url
        with pytest.raises(
            ConfigError, match=re.escape("nothing answers at the embeddings endpoint")
        ) as caught:
            check_agent("synapse", agent)
        assert "from PALAESTRA_EMBED_BASE_URL" in str(caught.value)
        for name in ENDPOINT_VARIABLES:
            monkeypatch.delenv(name, raising=False)
        with pytest.raises(ConfigError, match="export PALAESTRA_EMBED_BASE_URL"):
            check_agent("synapse", agent)
    finally:
        reachable_llm.stop()


def test_a_memory_built_from_oracles_says_what_its_count_is_made_of(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--oracles 'click-test*'` matches three MiniWoB++ tasks, two with a scripted solution: the
    count of exemplars is explained (tasks without one, episodes that failed, exemplars already there)."""
    memory_of(tmp_path / "m", [])
    build = ["memory", "build", str(tmp_path / "m"), "--oracles", "click-test*", "--seeds", "0"]
    assert main(build) == 0
    out = capsys.readouterr().out
    assert (
        "2 of the 3 MiniWoB++ tasks matching have a scripted solution (none for click-test-transfer)" in out
    )
    assert "2 of their 2 episodes on 1 seeds succeeded." in out and "2 exemplars added;" in out
    assert main(build) == 0
    assert "0 exemplars added (2 of the 2 found were there already)" in capsys.readouterr().out
