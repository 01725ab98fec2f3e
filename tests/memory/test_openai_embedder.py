"""``OpenAIEmbedder`` through the real ``openai`` SDK against an OpenAI-compatible server on loopback
(Palaestra's scripted one, ``palaestra.testing``: hashed embeddings, faults on demand)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import openai
import pytest

from palaestra.memory import Exemplar, ExemplarMemory, OpenAIEmbedder, UnknownEmbedderError
from palaestra.testing import ScriptedLLMServer, hashed_embedding, server_error


class Endpoint:
    """The scripted server as these tests use it: base_url, request bodies, expected vectors, failure."""

    def __init__(self, dim: int) -> None:
        self.scripted = ScriptedLLMServer(embedding_dim=dim).start()
        self.base_url = self.scripted.base_url
        self.dim = dim

    @property
    def bodies(self) -> list[dict[str, Any]]:
        return [r.json for r in self.scripted.embedding_requests]

    def expected(self, text: str) -> list[float]:
        return hashed_embedding(text, self.dim)

    def set_failing(self, failing: bool) -> None:
        self.scripted.embeddings_script = (lambda request: server_error()) if failing else None

    def stop(self) -> None:
        self.scripted.stop()


@pytest.fixture
def endpoint() -> Iterator[Endpoint]:
    server = Endpoint(dim=48)
    yield server
    server.stop()


def make(endpoint: Endpoint, **kwargs: Any) -> OpenAIEmbedder:
    return OpenAIEmbedder(
        "test-embed", base_url=endpoint.base_url, api_key="sk-test", max_retries=0, **kwargs
    )


def test_batches_requests_and_returns_unit_rows(endpoint: Endpoint) -> None:
    embedder = make(endpoint, batch_size=3, dim=48)
    texts = [f"open the file number {i}" for i in range(7)]
    vectors = embedder.embed(texts)
    assert embedder.name == "openai:test-embed" and embedder.dim == 48
    assert vectors.shape == (7, 48) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(vectors[4], endpoint.expected(texts[4]), atol=1e-6)
    bodies = endpoint.bodies
    assert [len(b["input"]) for b in bodies] == [3, 3, 1]
    assert all(b["model"] == "test-embed" and b["encoding_format"] == "float" for b in bodies)


def test_dim_is_probed_once_when_not_given(endpoint: Endpoint) -> None:
    embedder = make(endpoint)
    assert embedder.dim == 48 and embedder.dim == 48
    assert len(endpoint.bodies) == 1
    assert make(endpoint, dim=48).dim == 48 and len(endpoint.bodies) == 1


def test_memory_over_an_openai_endpoint(endpoint: Endpoint, tmp_path: Path) -> None:
    memory = ExemplarMemory.create(tmp_path / "m", make(endpoint, dim=48))
    memory.add(
        [
            Exemplar(goal="click the ok button", task="click"),
            Exemplar(goal="enter the date in the box", task="date"),
        ]
    )
    assert memory.search("enter the date", 1)[0][0].task == "date"
    endpoint.set_failing(True)
    with pytest.raises(openai.APIStatusError):
        memory.add([Exemplar(goal="this one cannot be embedded")])
    assert len(memory) == 2, "a failed embedding stores nothing"
    endpoint.set_failing(False)
    memory.save()
    with pytest.raises(UnknownEmbedderError, match="openai:test-embed"):
        ExemplarMemory.open(tmp_path / "m")
    requests = len(endpoint.bodies)
    reopened = ExemplarMemory.open(tmp_path / "m", embedder=make(endpoint, dim=48))
    assert len(endpoint.bodies) == requests and len(reopened) == 2
