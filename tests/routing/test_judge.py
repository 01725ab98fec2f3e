"""The opt-in fit judge: its policy, the real cross-encoder loaded from a directory, and how the
selector blends its score into the abstain decision."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from palaestra.memory import SentenceTransformerEmbedder
from palaestra.memory.embedders import default_minilm_path
from palaestra.routing.errors import RoutingError
from palaestra.routing.judge import CrossEncoderJudge, FitJudge, JudgePolicy, encode_pairs, judge_text
from palaestra.routing.records import ApiRecord
from palaestra.routing.selector import ApiSelector

from .test_selector import TOOLS

#: Only the judge counts (its raw score against `cut`), over a wide calibrated range.
JUDGE_ONLY = JudgePolicy(
    fit_weight=0.0, judge_weight=1.0, fit_mean=0.0, fit_std=1.0, judge_mean=0.0, judge_std=1.0,
    cut=0.0, judge_low=-100.0, judge_high=100.0,
)  # fmt: skip


@pytest.fixture(scope="module")
def judge_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """MiniLM with a fresh one-logit head (seeded), saved as `palaestra routing train-judge` saves a judge:
    a real cross-encoder, untrained, which is enough to check the plumbing around it."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    torch.manual_seed(0)
    out = tmp_path_factory.mktemp("judge")
    AutoModelForSequenceClassification.from_pretrained(default_minilm_path(), num_labels=1).save_pretrained(
        out
    )
    AutoTokenizer.from_pretrained(default_minilm_path()).save_pretrained(out)
    JUDGE_ONLY.save(out)
    return out


@pytest.fixture(scope="module")
def judge(judge_dir: Path) -> CrossEncoderJudge:
    return CrossEncoderJudge(judge_dir)


@pytest.fixture(scope="module")
def selector(minilm: SentenceTransformerEmbedder) -> ApiSelector:
    built = ApiSelector(minilm)
    built.add(TOOLS)
    return built


def test_policy_asks_the_judge_only_when_it_can_change_the_decision() -> None:
    policy = JudgePolicy(
        fit_weight=1.0, judge_weight=1.0, fit_mean=5.0, fit_std=1.0, judge_mean=0.0, judge_std=2.0,
        cut=0.0, judge_low=-4.0, judge_high=4.0,
    )  # fmt: skip
    # The judge adds between -2 and +2 to (fit - 5): only fits within 2 of 5 are undecided.
    assert not policy.needs_judge(9.0) and not policy.needs_judge(1.0)
    assert policy.needs_judge(5.5) and policy.needs_judge(3.5)
    assert policy.decide(9.0, None)[0] is False
    assert policy.decide(1.0, None)[0] and "settles it" in policy.decide(1.0, None)[1]
    assert policy.decide(4.0, 3.0)[0] is False  # (4 - 5) + 3 / 2 = 0.5 >= 0
    abstained, reason = policy.decide(4.0, 1.0)  # -1 + 0.5 < 0
    assert abstained and "judge 1.00" in reason and "blend -0.50 < 0.00" in reason


def test_policy_files_round_trip_and_bad_ones_name_the_fix(tmp_path: Path) -> None:
    JUDGE_ONLY.save(tmp_path)
    assert JudgePolicy.load(tmp_path) == JUDGE_ONLY
    with pytest.raises(
        RoutingError, match=r"no judge policy at .*palaestra routing train-judge --download --out"
    ):
        CrossEncoderJudge(tmp_path / "missing")
    (tmp_path / "judge.json").write_text(json.dumps({"cut": 1.0}))
    with pytest.raises(RoutingError, match="unreadable judge policy"):
        JudgePolicy.load(tmp_path)


def test_the_judge_reads_name_description_and_required_parameters(judge: CrossEncoderJudge) -> None:
    record = ApiRecord(
        "trains", "find_trains", "Find trains to a city on a date.",
        {"type": "object", "properties": {"to": {"type": "string", "description": "Destination city"},
                                          "fare": {"type": "string"}}, "required": ["to"]},
    )  # fmt: skip
    text = judge_text(record)
    assert text.startswith("find_trains: Find trains") and "Requires: to (Destination city)" in text
    assert "fare" not in text  # optional parameters say nothing about what a query must hold
    query = "I want to find a train"
    scores = judge.scores(query, [record, TOOLS[0]])
    assert len(scores) == 2 and scores[0] != scores[1]
    # The loaded model scores exactly as the saved one does when called directly.
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    model = AutoModelForSequenceClassification.from_pretrained(judge.path).eval()
    with torch.no_grad():
        batch = encode_pairs(AutoTokenizer.from_pretrained(judge.path), [(query, text)])
        assert float(model(**batch).logits[0, 0]) == pytest.approx(scores[0], abs=1e-5)
    assert judge.scores(query, []) == []


def test_the_selector_blends_the_judges_score_into_abstaining(
    selector: ApiSelector, judge: CrossEncoderJudge
) -> None:
    queries = ["Will it rain in Paris this weekend?", "Send an email to Bob about lunch"]
    best = {q: max(judge.scores(q, [h.record for h in selector.select(q, 3).hits])) for q in queries}
    low, high = sorted(queries, key=best.__getitem__)
    assert best[low] < best[high]
    judge.policy = replace(JUDGE_ONLY, cut=(best[low] + best[high]) / 2)
    selector.judge = judge
    try:
        rejected, kept = selector.select(low), selector.select(high)
        assert rejected.abstained and rejected.judge_score == pytest.approx(best[low])
        assert not kept.abstained and kept.judge_score == pytest.approx(best[high])
        assert f"judge {best[low]:.2f}" in rejected.reason
        # A judge whose calibrated range cannot outweigh the rule's fit is not asked.
        judge.policy = replace(JUDGE_ONLY, fit_weight=1.0, judge_low=-1e-3, judge_high=1e-3, cut=-50.0)
        settled = selector.select(low)
        assert settled.judge_score is None and not settled.abstained and "settles it" in settled.reason
    finally:
        selector.judge, judge.policy = None, JUDGE_ONLY


class BrokenJudge(FitJudge):
    """A judge whose model fails, as a missing or corrupt weights file would."""

    policy = JUDGE_ONLY

    def scores(self, query: str, candidates: Sequence[ApiRecord]) -> list[float]:
        raise RuntimeError("weights unreadable")


def test_a_failing_judge_leaves_the_rules_decision(selector: ApiSelector) -> None:
    query = "Tell me a joke about penguins"
    rule = selector.select(query)
    selector.judge = BrokenJudge()
    try:
        judged = selector.select(query, k=2)
    finally:
        selector.judge = None
    assert (judged.abstained, judged.reason, judged.judge_score) == (rule.abstained, rule.reason, None)
    assert judged.keys == rule.keys[:2]
