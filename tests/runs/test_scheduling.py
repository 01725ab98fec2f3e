"""Which episode an idle worker gets next, and what its environment is told to prepare."""

from __future__ import annotations

from collections import deque
from dataclasses import replace

from palaestra.runs.runner import UPCOMING_HINT, next_for, upcoming_seeds
from palaestra.runs.spec import AgentEntry, EpisodeSpec

ORACLE = AgentEntry("oracle", (), "oracle")


def queue_of(*pairs: tuple[str, int]) -> deque[EpisodeSpec]:
    return deque(EpisodeSpec(ORACLE, task, seed) for task, seed in pairs)


def test_a_worker_keeps_to_its_task_and_otherwise_takes_one_nobody_is_on() -> None:
    queue = queue_of(("a", 0), ("b", 0), ("a", 1), ("c", 0), ("b", 1))
    assert next_for(queue, "a", busy={"b"}) == EpisodeSpec(ORACLE, "a", 0)
    assert next_for(queue, "a", busy={"b"}) == EpisodeSpec(ORACLE, "a", 1)
    assert next_for(queue, "a", busy={"b"}).task == "c"  # "a" is done; "b" has a worker on it
    assert next_for(queue, None, busy={"b"}).task == "b"  # nothing else is left


def test_the_upcoming_seeds_are_the_tasks_next_ones_in_the_order_they_will_come() -> None:
    queue = queue_of(*(("a", s) for s in range(10)), ("b", 0), ("a", 99))
    first = next_for(queue, None, busy=set())
    assert first.seed == 0
    upcoming = upcoming_seeds(queue, first.task)
    assert upcoming == tuple(range(1, 1 + UPCOMING_HINT))
    assert [next_for(queue, "a", busy=set()).seed for _ in upcoming] == list(upcoming)
    assert upcoming_seeds(queue_of(("b", 3)), "a") == ()


def test_the_hint_is_not_part_of_an_episodes_identity() -> None:
    """Resume and retries find episodes by key and equality; the hint must not change either."""
    spec = EpisodeSpec(ORACLE, "a", 1)
    hinted = replace(spec, upcoming=(2, 3))
    assert hinted == spec and hinted.key == spec.key and hash(hinted) == hash(spec)
