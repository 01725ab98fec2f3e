"""Fixtures of the memory tests: one real MiniLM per session, and an embedder that counts calls."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from palaestra.memory import (
    DelegatingEmbedder,
    Embedder,
    Exemplar,
    ExemplarMemory,
    SentenceTransformerEmbedder,
)


class CountingEmbedder(DelegatingEmbedder):
    """Delegates to another embedder and counts what it is asked to embed."""

    def __init__(self, inner: Embedder) -> None:
        super().__init__(inner)
        self.calls, self.texts = 0, 0

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        self.texts += len(texts)
        return self.inner.embed(texts)


@pytest.fixture
def counting(minilm: SentenceTransformerEmbedder) -> CountingEmbedder:
    return CountingEmbedder(minilm)


@pytest.fixture
def memory_dir(tmp_path: Path) -> Path:
    return tmp_path / "memory"


GOALS = {
    "click-button": ["Click the OK button", "Click on the Submit button", "Press the Cancel button"],
    "enter-date": ["Enter the date 11/03/2016", "Type 05/22/2019 into the date field"],
    "email-inbox": ["Forward the email from Alice to Bob", "Reply to the latest email from Carol"],
    "book-flight": ["Book the cheapest flight from SFO to JFK on May 3"],
}


def sample_exemplars() -> list[Exemplar]:
    """A few exemplars over four task families, with varied metadata for the filters."""
    out = []
    for task, goals in GOALS.items():
        for i, goal in enumerate(goals):
            out.append(
                Exemplar(
                    goal=goal,
                    suite="miniwob" if task != "book-flight" else "webarena",
                    task=task,
                    site="travel" if task == "book-flight" else None,
                    trajectory=[{"action": "click", "ref": i}, {"action": "type", "text": goal[:5]}],
                    success=i != 1,
                    reward=1.0 if i != 1 else -1.0,
                    source="oracle" if i == 0 else "agent",
                    metadata={"seed": i},
                )
            )
    return out


@pytest.fixture
def samples() -> list[Exemplar]:
    return sample_exemplars()


@pytest.fixture
def counter() -> type[CountingEmbedder]:
    """The counting wrapper class, for tests that wrap a second embedder."""
    return CountingEmbedder


@pytest.fixture
def filled(memory_dir: Path, counting: CountingEmbedder) -> ExemplarMemory:
    memory = ExemplarMemory.create(memory_dir, embedder=counting)
    memory.add(sample_exemplars())
    return memory
