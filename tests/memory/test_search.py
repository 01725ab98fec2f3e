"""Adding, searching, filtering, removing, updating and voting, with the real MiniLM and FAISS."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from palaestra.errors import PalaestraError
from palaestra.memory import (
    Exemplar,
    ExemplarMemory,
    ExemplarNotFoundError,
    InvalidExemplarError,
    UnknownFilterError,
    majority_family,
)


def goals(hits: list[tuple[Exemplar, float]]) -> list[str]:
    return [ex.goal for ex, _ in hits]


def test_minilm_returns_unit_float32_rows_independent_of_batching(minilm: Any) -> None:
    texts = ["Click the OK button", "Enter the date", "Book a flight", "Reply to Carol", "Drag the slider"]
    vectors = minilm.embed(texts)
    assert vectors.shape == (5, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    batch_size = minilm.batch_size
    try:
        minilm.batch_size = 2
        np.testing.assert_allclose(minilm.embed(texts), vectors, atol=1e-5)
    finally:
        minilm.batch_size = batch_size
    assert minilm.embed([]).shape == (0, 384)


def test_search_puts_the_semantically_closest_goal_first(tmp_path: Path, minilm: Any) -> None:
    memory = ExemplarMemory(minilm)
    memory.add(
        [
            Exemplar(goal="Enter the date 11/03/2016", task="enter-date"),
            Exemplar(goal="Click the OK button", task="click-button"),
            Exemplar(goal="Forward the email from Alice to Bob", task="email-inbox"),
        ]
    )
    hits = memory.search("Press the button labelled OK", k=3)
    assert goals(hits)[0] == "Click the OK button"
    scores = [score for _, score in hits]
    assert scores == sorted(scores, reverse=True)
    assert scores[0] > 0.5 > dict(zip(goals(hits), scores, strict=True))["Enter the date 11/03/2016"]
    assert goals(memory.search("Type 02/14/2020 in the date box", k=1)) == ["Enter the date 11/03/2016"]
    assert len(memory.search("anything", k=10)) == 3
    assert memory.search("anything", k=0) == []


def test_added_exemplars_come_back_whole(filled: ExemplarMemory, samples: list[Exemplar]) -> None:
    ids = filled.ids()
    assert len(filled) == len(samples) == len(ids)
    stored = filled.get(ids[0])
    assert stored.id == ids[0]
    assert stored.to_dict() == {**samples[0].to_dict(), "id": ids[0]}
    assert samples[0].id == "", "add must not mutate the caller's exemplars"
    assert ids[0] in filled and "nope" not in filled


def test_filters_restrict_results(filled: ExemplarMemory) -> None:
    query = "Click the OK button"
    assert {ex.task for ex, _ in filled.search(query, 10, {"task": "enter-date"})} == {"enter-date"}
    assert {ex.suite for ex, _ in filled.search(query, 10, {"suite": "webarena"})} == {"webarena"}
    assert {ex.site for ex, _ in filled.search(query, 10, {"site": "travel"})} == {"travel"}
    assert {ex.site for ex, _ in filled.search(query, 10, {"site": None})} == {None}
    failures = filled.search(query, 10, {"success": False})
    assert failures and all(not ex.success for ex, _ in failures)
    oracle_clicks = filled.search(query, 10, {"source": "oracle", "task": ["click-button", "enter-date"]})
    assert goals(oracle_clicks) == ["Click the OK button", "Enter the date 11/03/2016"]
    assert filled.search(query, 10, {"task": "no-such-task"}) == []


def test_unknown_filter_key_suggests_the_right_one(filled: ExemplarMemory) -> None:
    with pytest.raises(UnknownFilterError, match="Did you mean: `task`") as err:
        filled.search("x", 3, {"taks": "click-button"})
    assert isinstance(err.value, PalaestraError)
    with pytest.raises(UnknownFilterError):
        filled.vote_search("x", 3, family_key="goal")


def test_remove_drops_exemplars_from_results(filled: ExemplarMemory) -> None:
    top = filled.search("Click the OK button", 1)[0][0]
    filled.remove([top.id])
    assert top.id not in filled and len(filled) == 7
    assert all(ex.id != top.id for ex, _ in filled.search("Click the OK button", 10))
    with pytest.raises(ExemplarNotFoundError):
        filled.get(top.id)
    with pytest.raises(ExemplarNotFoundError):
        filled.remove([filled.ids()[0], "missing"])
    assert len(filled) == 7, "a failed remove removes nothing"


def test_update_reembeds_only_when_the_key_text_changes(filled: ExemplarMemory, counting: Any) -> None:
    target = filled.search("Book the cheapest flight", 1)[0][0]
    before = counting.texts
    target.reward, target.metadata = 0.5, {"note": "re-scored"}
    filled.update(target)
    assert counting.texts == before
    assert filled.get(target.id).reward == 0.5
    target.goal = "Drag the volume slider to 30"
    filled.update(target)
    assert counting.texts == before + 1
    hit = filled.search("Move the slider to the value 30", 1)[0][0]
    assert hit.id == target.id and hit.goal == target.goal and hit.metadata == {"note": "re-scored"}
    assert len(filled) == 8 and len(filled.search("x", 100)) == 8
    with pytest.raises(ExemplarNotFoundError):
        filled.update(Exemplar(goal="ghost", id="ghost"))


def test_identical_exemplars_are_stored_once(filled: ExemplarMemory, samples: list[Exemplar]) -> None:
    ids = filled.ids()
    again = [samples[0], Exemplar(**{**samples[0].to_dict(), "success": False, "source": "human"})]
    assert filled.add(again) == [ids[0], ids[0]]
    assert len(filled) == len(samples)
    other = Exemplar(**{**samples[0].to_dict(), "trajectory": [{"action": "click", "ref": 99}]})
    twice = filled.add([other, other])
    assert twice[0] == twice[1] and twice[0] not in ids and len(filled) == len(samples) + 1
    with pytest.raises(InvalidExemplarError, match="duplicate"):
        clone = filled.get(twice[0])
        clone.trajectory = samples[0].trajectory
        filled.update(clone)


def test_invalid_exemplars_are_refused_before_anything_is_stored(filled: ExemplarMemory) -> None:
    with pytest.raises(InvalidExemplarError, match="JSON"):
        filled.add([Exemplar(goal="ok"), Exemplar(goal="bad", trajectory=[{"when": object()}])])
    with pytest.raises(InvalidExemplarError, match="goal"):
        filled.add([Exemplar(goal="  ")])
    with pytest.raises(InvalidExemplarError, match="taken"):
        filled.add([Exemplar(goal="new goal", id=filled.ids()[0])])
    assert len(filled) == 8


def test_vote_search_returns_the_majority_family(minilm: Any) -> None:
    memory = ExemplarMemory(minilm)
    memory.add(
        [
            Exemplar(goal="Click the OK button", task="click-dialog"),  # the single best hit
            Exemplar(goal="Click the button labelled Submit", task="click-button"),
            Exemplar(goal="Click on the Cancel button", task="click-button"),
            Exemplar(goal="Press the button named Next", task="click-button"),
            Exemplar(goal="Enter the date 11/03/2016", task="enter-date"),
        ]
    )
    plain = memory.search("Click the OK button", 4)
    assert plain[0][0].task == "click-dialog"
    voted = memory.vote_search("Click the OK button", k=4)
    assert {ex.task for ex, _ in voted} == {"click-button"} and len(voted) == 3
    assert [s for _, s in voted] == sorted((s for _, s in voted), reverse=True)
    by_suite = memory.vote_search("Click the OK button", k=4, family_key="suite")
    assert len(by_suite) == 4  # every exemplar has suite "": one family


def test_majority_is_by_count_then_by_total_score() -> None:
    a1, a2, b1, b2 = (
        Exemplar(goal=g, task=t) for g, t in [("a1", "A"), ("a2", "A"), ("b1", "B"), ("b2", "B")]
    )
    hits = [(a1, 0.9), (b1, 0.8), (b2, 0.75), (a2, 0.1)]
    assert majority_family(hits, "task") == [(b1, 0.8), (b2, 0.75)]
    c1, c2, c3 = (Exemplar(goal=g, task="C") for g in ("c1", "c2", "c3"))
    outvoted = [(a1, 0.95), (c3, 0.2), (c1, 0.3), (c2, 0.25)]  # C's total is lower, but C has more hits
    assert majority_family(outvoted, "task") == [(c1, 0.3), (c2, 0.25), (c3, 0.2)]
    assert majority_family([], "task") == []


def test_hnsw_gives_the_same_answers_as_exact_search(minilm: Any, samples: list[Exemplar]) -> None:
    flat = ExemplarMemory(minilm, index="flat")
    hnsw = ExemplarMemory(minilm, index="hnsw")
    auto = ExemplarMemory(minilm, index="auto", hnsw_threshold=4)
    for memory in (flat, hnsw, auto):
        memory.add(samples[:3])
    assert (flat.index_kind, hnsw.index_kind, auto.index_kind) == ("flat", "hnsw", "flat")
    for memory in (flat, hnsw, auto):
        memory.add(samples[3:])
    assert auto.index_kind == "hnsw", "auto switches once past the threshold"
    for query in ["Press the button labelled OK", "Send Alice's mail on to Bob", "Fly to New York"]:
        expected = [(ex.goal, round(s, 4)) for ex, s in flat.search(query, 5)]
        for memory in (hnsw, auto):
            assert [(ex.goal, round(s, 4)) for ex, s in memory.search(query, 5)] == expected
        filtered = [ex.goal for ex, _ in flat.search(query, 5, {"success": True})]
        assert [ex.goal for ex, _ in hnsw.search(query, 5, {"success": True})] == filtered
    # HNSW cannot delete: removed ids become tombstones that searches skip.
    gone = hnsw.search("Press the button labelled OK", 1)[0][0]
    hnsw.remove([gone.id])
    assert gone.goal not in goals(hnsw.search("Press the button labelled OK", 10))
    assert len(hnsw.search("x", 100)) == len(samples) - 1


def test_key_fields_can_add_the_initial_state_to_what_is_embedded(minilm: Any, tmp_path: Path) -> None:
    memory = ExemplarMemory.create(tmp_path / "m", minilm, key_fields=["goal", "initial_state"])
    memory.add(
        [
            Exemplar(
                goal="Submit the form", task="a", initial_state="a login page with username and password"
            ),
            Exemplar(
                goal="Submit the form", task="b", initial_state="a shipping address form with a zip code"
            ),
        ]
    )
    assert memory.search("Submit the form\na sign-in page asking for a password", 1)[0][0].task == "a"
    assert (
        memory.search("Submit the form\nenter the postal code of the delivery address", 1)[0][0].task == "b"
    )
    memory.save()
    assert ExemplarMemory.open(tmp_path / "m", embedder=minilm).key_fields == ("goal", "initial_state")
    with pytest.raises(InvalidExemplarError, match="Did you mean: `initial_state`"):
        ExemplarMemory(minilm, key_fields=["goal", "initial_sate"])
