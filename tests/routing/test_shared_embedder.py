"""Every environment whose task has tools builds a selector for `search_apis`. Built without an
embedder, those selectors share one MiniLM and its int8 copy: each loaded the model again and made
its own copy before (about 1 CPU-s an environment), with the same vectors."""

from __future__ import annotations

from palaestra.routing import ApiRegistry
from palaestra.routing.dense import quantized_model
from palaestra.routing.environment import TaskTools
from palaestra.routing.tools import register_offline_tools


def test_the_selectors_of_two_environments_share_minilm_and_its_int8_copy() -> None:
    registry = ApiRegistry()
    register_offline_tools(registry)
    first, second = TaskTools(registry).selector, TaskTools(registry).selector
    assert first is not second and first.embedder is second.embedder
    assert quantized_model(first.embedder) is quantized_model(second.embedder)
    query = "convert a distance from miles to kilometers"
    assert first.select(query, k=3).keys == second.select(query, k=3).keys
    assert first.select(query, k=1).keys == ["convert/units"]
