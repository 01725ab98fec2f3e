"""Fitting what the selector ships with (`palaestra.routing.training`): the data-set loaders, and the
`palaestra routing train-judge` and `palaestra routing tune` commands on a tiny BFCL-shaped set."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from palaestra.cli import main
from palaestra.errors import UnknownNameError
from palaestra.routing.judge import CrossEncoderJudge, JudgePolicy
from palaestra.routing.training.datasets import SOURCES, DataNotFoundError, FolderSource, source
from palaestra.routing.training.datasets.bfcl import LABELLED
from palaestra.routing.training.evaluation import half, scores_for

REAL_BFCL = Path(".cache/bench/bfcl")


def test_bfcl_loader_pools_labelled_tools_and_keeps_each_querys_own_list(bfcl_mini: Path) -> None:
    data = source("bfcl").load(bfcl_mini)
    assert (len(data.pool), len(data.labelled), len(data.irrelevant)) == (24, 40, 16)
    assert {q.category for q in data.labelled} == set(LABELLED)
    forecast = next(r for r in data.pool if r.name == "get_forecast")
    assert forecast.key == "bfcl/get_forecast"
    assert forecast.parameters["type"] == "object"  # BFCL's "dict"
    loan = next(r for r in data.pool if r.name == "loan_payment")
    assert loan.parameters["properties"]["rate"]["type"] == "number"  # BFCL's "float"
    both = next(q for q in data.labelled if q.text.startswith("Find a flight"))
    assert both.gold == ("search_flights", "book_hotel") and not both.servers
    assert "Be brief" not in both.text  # system prompts are not what the user said
    own = {r.name for r in data.labelled_lists if r.namespace == both.id}
    assert own == {"search_flights", "book_hotel", "get_directions"}
    joke = next(q for q in data.irrelevant if "penguins" in q.text)
    assert joke.gold == () and joke.servers == (joke.id,)
    joke_list = {r.name for r in data.irrelevance_tools if r.namespace == joke.id}
    assert joke_list == {"play_song", "translate_text"}
    # Converted once: later loads read the files, with no wheel needed.
    for wheel in (bfcl_mini / "bfcl").glob("*.whl"):
        wheel.unlink()
    assert source("bfcl").load(bfcl_mini) == data
    assert data.limited(3).labelled == data.labelled[:3] and data.limited(3).irrelevant == data.irrelevant[:3]


def test_a_missing_set_says_how_to_get_it_and_fetches_nothing(tmp_path: Path) -> None:
    with pytest.raises(DataNotFoundError, match=r"no bfcl_eval-\*\.whl in .*pass --download"):
        source("bfcl").load(tmp_path)
    assert not (tmp_path / "bfcl").exists()
    code = main(["routing", "tune", "--cache", str(tmp_path)])
    assert code == 2


def test_sets_are_found_by_name_or_folder(bfcl_mini: Path) -> None:
    with pytest.raises(UnknownNameError, match="Did you mean: `bfcl`"):
        source("bfc")
    source("bfcl").load(bfcl_mini)  # writes the converted files, which a folder source reads
    folder = source(str(bfcl_mini / "bfcl"))
    assert isinstance(folder, FolderSource) and folder.name == "bfcl"
    assert len(folder.load().labelled) == 40 and len(folder.load().irrelevant) == 16
    assert all(s.licence and s.provenance for s in SOURCES.values())


def test_split_and_metrics() -> None:
    assert {half(f"q{i}") for i in range(20)} == {"tune", "test"}
    assert half("q1") == half("q1")
    scored = scores_for(["a", "b", "a", "c"], ["b", "z"])
    assert scored["hit@1"] == 0.0 and scored["hit@5"] == 1.0 and scored["recall@5"] == 0.5
    assert scored["ndcg@5"] == pytest.approx((1 / np.log2(3)) / (1 + 1 / np.log2(3)))


def test_the_real_bfcl_wheel_gives_the_readmes_counts(tmp_path: Path) -> None:
    """What every figure in the README was measured on (scripts/setup fetches the wheel into the cache)."""
    wheel = sorted(REAL_BFCL.glob("bfcl_eval-*.whl"))[-1]
    (tmp_path / "bfcl").mkdir()
    shutil.copy(wheel, tmp_path / "bfcl")
    data = source("bfcl").load(tmp_path)
    assert (len(data.pool), len(data.labelled)) == (1437, 2501)
    assert data.irrelevant and all(q.servers == (q.id,) for q in data.irrelevant)


def test_train_judge_cross_fits_writes_a_judge_and_refits_under_its_policy(
    bfcl_mini: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "judge"
    flags = ["--cache", str(bfcl_mini), "--limit", "24", "--epochs", "1", "--seed", "3", "--threads", "1"]
    assert main(["routing", "train-judge", *flags, "--folds", "2", "--models", "2", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    result = json.loads(printed.splitlines()[-1])
    assert {"rule", "cross_encoder", "blend", "blend_signals", "blend_fold1_judge"} <= set(result)
    assert "blend, held-out half" in printed
    policy = JudgePolicy.load(out)
    assert policy.judge_low < policy.judge_high and policy.fit_std > 0
    scores = np.load(out / "scores.npz")
    assert scores["irr_c"].any() and not scores["irr_c"].all()  # both kinds calibrated
    assert len(scores["judge_c"]) == len(scores["rule_c"])
    judge = CrossEncoderJudge(out)  # what the selector loads
    data = source("bfcl").load(bfcl_mini)
    assert len(judge.scores("Will it rain in Paris?", data.pool[:2])) == 2

    full = tmp_path / "full"
    assert main(["routing", "train-judge", *flags, "--policy-from", str(out), "--out", str(full)]) == 0
    assert "refit judge under" in capsys.readouterr().out
    assert JudgePolicy.load(full) == policy and (full / "config.json").is_file()


def test_train_judge_refuses_more_models_than_folds(
    bfcl_mini: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["routing", "train-judge", "--cache", str(bfcl_mini), "--folds", "2", "--models", "3"])
    assert code == 2 and "models must be between 1 and folds (2), got 3" in capsys.readouterr().err


def test_tune_prints_every_constant_it_fits(bfcl_mini: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["routing", "tune", "--cache", str(bfcl_mini), "--threads", "1"]) == 0
    printed = capsys.readouterr().out
    for line in ("chosen: bm25 k1,b=", "learned ranker WEIGHTS =", "HISTORY_WEIGHT =", "ABSTAIN_POOL = 3"):
        assert line in printed
    found = json.loads(printed.splitlines()[-1])
    assert {"K1", "B", "WEIGHTS", "HISTORY_WEIGHT", "HISTORY_NEIGHBOURS", "abstain"} <= set(found)
    assert len(found["WEIGHTS"]) == 10 and len(found["abstain"]) == 6


def test_the_palaestra_command_lists_routing_without_importing_it(capsys: pytest.CaptureFixture[str]) -> None:
    code = "import sys, palaestra.cli as c; c.make_parser().parse_args(['list', 'suites']); "
    code += "print('palaestra.routing' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120).stdout
    assert out.strip() == "False"
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "routing" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["routing", "--help"])
    printed = capsys.readouterr().out
    assert "usage: palaestra routing" in printed and "train-judge" in printed and "tune" in printed
