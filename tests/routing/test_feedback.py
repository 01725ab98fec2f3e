"""The feedback store: smoothed success rates, the selector's prior, and the developers' report."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from palaestra.routing import FeedbackStore


def filled() -> FeedbackStore:
    store = FeedbackStore()
    for _ in range(8):
        store.record("good/api", ok=True, latency_s=0.1, episode_id="e1")
    store.record("good/api", ok=False, error_kind="timeout", latency_s=0.5, message="slow", episode_id="e2")
    for i in range(3):
        store.record("bad/api", ok=False, error_kind="api_error", latency_s=0.2, message=f"HTTP 500 #{i % 2}")
    store.record("bad/api", ok=False, error_kind="invalid_result", latency_s=0.2, message="wrong shape")
    store.record("bad/api", ok=True, latency_s=0.2)
    store.record("meh/api", ok=False, error_kind="transport", message="refused")
    store.record("meh/api", ok=True)
    return store


def test_smoothed_rates_and_prior() -> None:
    store = filled()
    good = store.stats("good/api")
    assert (good.calls, good.successes, good.failures) == (9, 8, 1)
    assert good.success_rate == pytest.approx((8 + 1) / (9 + 2))
    assert good.raw_success_rate == pytest.approx(8 / 9)
    assert good.mean_latency_s == pytest.approx((8 * 0.1 + 0.5) / 9)
    assert store.prior("bad/api") == pytest.approx((1 + 1) / (5 + 2))
    assert store.prior("never/called") == 0.5
    assert store.stats("never/called").raw_success_rate is None
    assert [s.key for s in store.all_stats()] == ["bad/api", "good/api", "meh/api"]


def test_other_priors() -> None:
    store = FeedbackStore(prior_successes=3, prior_failures=1)
    assert store.prior("x/y") == 0.75
    store.record("x/y", ok=False)
    assert store.prior("x/y") == pytest.approx(3 / 5)
    with pytest.raises(ValueError, match="must be positive"):
        FeedbackStore(prior_failures=0)


def test_worst_and_report() -> None:
    store = filled()
    worst = store.worst(2)
    assert [w.stats.key for w in worst] == ["bad/api", "meh/api"]
    assert worst[0].top_errors == [("api_error", 3), ("invalid_result", 1)]
    assert sorted(worst[0].samples) == ["HTTP 500 #0", "HTTP 500 #1", "wrong shape"]
    assert [w.stats.key for w in store.worst(10)] == ["bad/api", "meh/api", "good/api"]
    assert store.worst(10, min_calls=3)[-1].stats.key == "good/api"
    report = store.render_report(2)
    assert report.startswith("# API feedback")
    assert "## `bad/api`" in report and "## `good/api`" not in report
    assert "- 4 of 5 calls failed (smoothed success rate 0.29, mean latency 200 ms)" in report
    assert "- commonest errors: api_error x3, invalid_result x1" in report
    assert FeedbackStore().render_report() == "# API feedback\n\nNo failing APIs recorded.\n"


def test_episodes() -> None:
    store = filled()
    assert store.mark_episode("e1", True) == 8
    assert store.mark_episode("e2", False) == 1
    assert store.mark_episode("e2", True) == 1  # a later verdict replaces the first
    store.mark_episode("e3", False)  # marking before any call is fine
    store.record("good/api", ok=True, episode_id="e3")
    good = store.stats("good/api")
    assert (good.episodes, good.episodes_succeeded) == (3, 2)
    assert "used in 3 marked episode(s), 2 succeeded" in store.render_report(5)


def test_file_database_uses_wal_and_persists(tmp_path: Path) -> None:
    path = tmp_path / "feedback.db"
    with FeedbackStore(path) as store:
        store.record("a/b", ok=False, error_kind="timeout", message="x" * 5000)
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("SELECT LENGTH(message) FROM calls").fetchone()[0] == 2000
    with FeedbackStore(path) as again:
        assert again.stats("a/b").calls == 1
