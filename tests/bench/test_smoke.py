"""Every `python -m bench...` entry point runs end to end on a tiny configuration, with no download.

These check that the measurements still run and print their results, not what the figures are:
the figures are the README's, measured by the full runs. Each runs as a user runs it, in its own
process from the repository's root, on real Chromium where it measures environments.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from palaestra.bench.agents.memory_agent import oracle_memory
from palaestra.memory import SentenceTransformerEmbedder
from palaestra.routing.judge import JudgePolicy
from palaestra.testing.script import reply_text
from palaestra.testing.server import ScriptedLLMServer

ROOT = Path(__file__).resolve().parents[2]


def run_bench(module: str, *args: str, env: dict[str, str] | None = None, timeout: float = 300) -> str:
    """Run `python -m module args` from the repository's root; its stdout (stderr shown on failure)."""
    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode in (0, 1), f"{module} exited {done.returncode}:\n{done.stderr[-3000:]}"
    return done.stdout


def last_json(stdout: str) -> Any:
    return json.loads([line for line in stdout.splitlines() if line.startswith("{")][-1])


@pytest.fixture(scope="module")
def click_test_memory(tmp_path_factory: pytest.TempPathFactory, minilm: SentenceTransformerEmbedder) -> Path:
    """The benchmarks' cached oracle memory of click-test, built here with the session's MiniLM:
    the scripts that only read it then start no model of their own to build it (their building is
    `test_memory_agent_on_one_task`'s)."""
    cache = tmp_path_factory.mktemp("bench-cache")
    oracle_memory(tasks="click-test", cache=cache, embedder=minilm)
    return cache


def cache_with(memory_cache: Path, tmp_path: Path) -> Path:
    """A copy of `memory_cache` for one test's script (which may add to it)."""
    shutil.copytree(memory_cache, tmp_path / "cache")
    return tmp_path / "cache"


@pytest.fixture
def untrained_judge(tmp_path: Path) -> Path:
    """MiniLM with a fresh one-logit head and a policy that always asks it: the plumbing of `--judge`."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from palaestra.memory.embedders import default_minilm_path

    torch.manual_seed(0)
    out = tmp_path / "judge"
    AutoModelForSequenceClassification.from_pretrained(default_minilm_path(), num_labels=1).save_pretrained(
        out
    )
    AutoTokenizer.from_pretrained(default_minilm_path()).save_pretrained(out)
    JudgePolicy(
        fit_weight=0.0, judge_weight=1.0, fit_mean=0.0, fit_std=1.0, judge_mean=0.0, judge_std=1.0,
        cut=0.0, judge_low=-100.0, judge_high=100.0,
    ).save(out)  # fmt: skip
    return out


def test_routing_on_the_bfcl_loader_with_judge_rerank_and_scale(
    bfcl_mini: Path, untrained_judge: Path
) -> None:
    with ScriptedLLMServer(reply_text("[2, 1]")) as llm:
        env = {"PALAESTRA_LLM_BASE_URL": llm.base_url, "PALAESTRA_LLM_MODEL": "scripted-model",
               "PALAESTRA_LLM_API_KEY": "test"}  # fmt: skip
        stdout = run_bench(
            "bench.routing", "--data", "bfcl", "--cache", str(bfcl_mini), "--limit", "16", "--scale", "60",
            "--scale-queries", "5", "--judge", str(untrained_judge), "--rerank", env=env,
        )  # fmt: skip
        assert llm.requests, "the re-ranker asked the scripted model"
    assert "ours + route history, held out" in stdout and "plain BM25, held-out half" in stdout
    result = last_json(stdout)
    assert result["index_s"]["tools"] == 24 and result["scale"]["records"] == 60
    wanted = {"irrelevance_abstained", "false_abstain_own_lists", "with_judge", "with_rerank"}
    assert set(result["abstain"]) >= wanted
    assert result["abstain"]["with_judge"]["judge_asked"] == 1.0  # the policy always needs the judge
    assert result["ours_rerank"]["rerank_failures"] == 0
    assert 0 < result["ours"]["hit@5"] <= 1


def test_routing_reports_every_set_and_the_macro_average(sets_mini: Path) -> None:
    stdout = run_bench("bench.routing", "--cache", str(sets_mini), "--scale", "40", "--scale-queries", "5")
    result = last_json(stdout)
    assert set(result["sets"]) == {"bfcl", "nestful", "complexfuncbench", "agentdojo"}
    assert result["macro_sets"] == ["nestful", "complexfuncbench", "agentdojo"]
    nestful = result["sets"]["nestful"]
    assert nestful["tools"] == 6 and nestful["queries"] == 6
    assert {"ours_test", "needs_test", "examples_test", "bm25_test"} <= set(nestful)
    assert "macro over nestful, complexfuncbench, agentdojo, ours + multi-step needs" in stdout
    assert "target macro recall@5 >= 0.6 (held out)" in stdout and result["scale"]["records"] == 40


def test_routing_on_files_without_abstention_data(bfcl_mini: Path, tmp_path: Path) -> None:
    from palaestra.routing.training.datasets import source

    source("bfcl").load(bfcl_mini)  # converts the wheel into plain files
    folder = bfcl_mini / "bfcl"
    stdout = run_bench(
        "bench.routing", "--tools", str(folder / "tools.json"), "--queries", str(folder / "queries.jsonl"),
        "--scale", "0", "--limit", "10",
    )  # fmt: skip
    result = last_json(stdout)
    assert set(result["abstain"]) == {"false_abstain_labelled"} and "scale" not in result
    assert "target irrelevance" not in stdout


def test_judge_compare_averages_cross_fitted_judges(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    irrelevant = np.arange(60) % 3 == 0
    rule = np.c_[np.where(irrelevant, 2.0, 5.0) + rng.normal(0, 1.5, 60), rng.random((60, 4))]
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        judged = np.where(irrelevant, -1.0, 1.0) + rng.normal(0, 2, 60)
        np.savez(tmp_path / name / "scores.npz", rule_c=rule, judge_c=judged, irr_c=irrelevant)
    result = last_json(run_bench("bench.routing.judge_compare", str(tmp_path / "a"), str(tmp_path / "b")))
    assert set(result) == {str(tmp_path / "a"), str(tmp_path / "b"), "mean"}
    assert all(0 <= rates["irrelevance_abstained"] <= 1 for rates in result.values())


def test_env_speed_measures_palaestra_and_explains_a_missing_anchor(tmp_path: Path) -> None:
    stdout = run_bench(
        "bench.speed.env_speed", "--tasks", "click-test", "--seeds", "0", "--steps", "1", "--settle", "0.2",
        "--anchors", "miniwob", "--cache", str(tmp_path), "--json", str(tmp_path / "out.json"), "--som",
        "--trace",
    )  # fmt: skip
    written = json.loads((tmp_path / "out.json").read_text())
    assert "palaestra" in stdout and "miniwob: skipped" in stdout
    assert "palaestra (som)" in stdout  # the set-of-marks screenshot's cost, beside the default
    assert "trace size per episode: median" in stdout  # what --trace costs, in time and space
    assert written  # the whole result, for analysis


def test_som_cover_times_both_pages() -> None:
    stdout = run_bench("bench.speed.som_cover", "--cards", "20", "--rounds", "2")
    assert stdout.count("added per SoM step") == 2 and "shop page, 20 cards" in stdout
    assert stdout.count("CPU per snapshot") == 2


def test_runner_runs_the_oracle_and_reports_its_overhead() -> None:
    flags = ["--tasks", "click-test", "--seeds", "0", "--workers", "1", "--cores", "all"]
    stdout = run_bench("bench.speed.runner", *flags)
    result = last_json(stdout)
    assert result["runs"][0]["episodes"] == 1 and result["runs"][0]["succeeded"] == 1


def test_memory_speed_on_a_small_memory() -> None:
    flags = ["--sizes", "300", "--texts", "64", "--queries", "8", "--throughput-texts", "16"]
    result = last_json(run_bench("bench.speed.memory_speed", *flags))
    assert result["latency"]["300"]["hnsw"]["recall@10"] > 0.5
    assert result["embed_texts_per_s"]["one_thread"] > 0


def test_memory_agent_on_one_task(tmp_path: Path) -> None:
    stdout = run_bench(
        "bench.agents.memory_agent", "--tasks", "click-test", "--demo-tasks", "click-test",
        "--demo-seeds", "0", "--eval-seeds", "1000", "--others-seeds", "", "--workers", "1",
        "--cache", str(tmp_path),
    )  # fmt: skip
    assert last_json(stdout)["tasks_with_exemplars"] == 1
    assert any(path.name.endswith("-tasks-click-test") for path in tmp_path.iterdir())


def test_abstraction_on_one_task() -> None:
    summary = last_json(run_bench("bench.agents.abstraction", "--tasks", "click-test", "--seeds", "0"))
    assert summary["tasks"] == 1 and summary["steps"] >= 1


def scripted_llm_env(llm: ScriptedLLMServer) -> dict[str, str]:
    """The variables that point `default_model()` at the scripted server."""
    return {"PALAESTRA_LLM_BASE_URL": llm.base_url, "PALAESTRA_LLM_MODEL": "scripted-model",
            "PALAESTRA_LLM_API_KEY": "test"}  # fmt: skip


def test_routing_llm_reranks_the_held_out_half(bfcl_mini: Path) -> None:
    from palaestra.routing.training.datasets import source

    source("bfcl").load(bfcl_mini)  # the converted files a folder source reads
    with ScriptedLLMServer(reply_text("[1]")) as llm:
        stdout = run_bench(
            "bench.routing.llm", "--data", str(bfcl_mini / "bfcl"), "--sample", "4", env=scripted_llm_env(llm)
        )
    result = json.loads(stdout[stdout.index("{\n") :])
    assert result["held_out_labelled"] == 4 and result["embedded_rerank"]["rerank_failures"] == 0


def test_fuzzy_match_grades_a_small_sample(tmp_path: Path) -> None:
    rows = [
        {"question": "Price?", "reference": "$24.99", "prediction": "24.99 dollars", "label": True},
        {"question": "Colour?", "reference": "red", "prediction": "blue", "label": False},
        {"question": "City?", "reference": "Paris", "prediction": "paris", "label": True},
    ]
    sample = tmp_path / "sample.jsonl"
    sample.write_text("".join(json.dumps(row) + "\n" for row in rows))
    with ScriptedLLMServer(reply_text("correct")) as llm:
        stdout = run_bench("bench.agents.fuzzy_match", "--sample", str(sample), env=scripted_llm_env(llm))
    result = json.loads(stdout[stdout.index("{\n") :])
    assert result["items"] == 3 and result["settled_without_model"] == 1
    assert "wrong (match): 'red' vs 'blue'" in stdout  # the script says "correct" to everything


def test_synapse_llm_on_one_task_with_a_scripted_model(tmp_path: Path, click_test_memory: Path) -> None:
    cache = cache_with(click_test_memory, tmp_path)
    with ScriptedLLMServer(reply_text("click('4')")) as llm:
        stdout = run_bench(
            "bench.agents.synapse_llm", "--tasks", "click-test", "--seeds", "0", "--workers", "1",
            "--in-process", "--max-steps", "2", "--memory-tasks", "click-test", "--cache", str(cache),
            env=scripted_llm_env(llm),
        )  # fmt: skip
        assert llm.requests
    summary = last_json(stdout)
    assert summary["tasks"] == 1 and summary["episodes"] == 1


def test_llm_throughput_with_the_embedded_model(tmp_path: Path, click_test_memory: Path) -> None:
    cache = cache_with(click_test_memory, tmp_path)
    stdout = run_bench(
        "bench.speed.llm_throughput", "--tasks", "click-test", "--seeds", "0", "--repeats", "1",
        "--prompt-chars", "400", "--generation-tokens", "8", "--exemplars", "1",
        "--memory-tasks", "click-test", "--cache", str(cache), timeout=900,
    )  # fmt: skip
    result = json.loads(stdout[stdout.rindex("\n{\n") + 1 :])
    assert result["prompt_tokens_per_s"] > 0 and result["generation_tokens_per_s"] > 0
    assert result["workers_1"]["episodes"] == 1 and result["workers_2"]["episodes"] == 1


def test_desktop_times_one_reset_and_one_environment() -> None:
    stdout = run_bench("bench.speed.desktop", "--resets", "1", "--parallel", "1", timeout=600)
    assert "keep display" in stdout and "fresh session" in stdout and "1 side by side: ok" in stdout


def test_desktop_isolation_times_sessions_with_and_without_their_namespaces_and_cgroup() -> None:
    stdout = run_bench("bench.speed.desktop_isolation", "--rounds", "1", timeout=600)
    result = last_json(stdout)
    assert result["layers"]["off"] == {"network": "shared", "tmp": "shared", "cgroup": "none"}
    assert result["layers"]["on"]["network"] == "own" and result["layers"]["on"]["tmp"] == "own"
    assert set(result["ratio"]) == {"start", "reset", "step"} and all(r > 0 for r in result["ratio"].values())
    assert "on/off" in stdout and "load average" in stdout


def test_sheet_cells_times_the_tree_with_and_without_a_sheets_cells() -> None:
    stdout = run_bench("bench.speed.sheet_cells", "--rounds", "1", "--sheets", "filled", timeout=600)
    [row] = [line.split() for line in stdout.splitlines() if line.startswith("filled 20x10")]
    assert row[2] == "200", stdout  # the 200 filled cells, the active one (A1) among them
