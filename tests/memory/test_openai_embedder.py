"""``OpenAIEmbedder`` through the real ``openai`` SDK against an OpenAI-compatible server on loopback.

The server is Palaestra's scripted one (``palaestra.testing``) when it is there, else a tiny
``http.server`` below that answers ``/v1/embeddings`` the same way.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import openai
import pytest

from palaestra.memory import Exemplar, ExemplarMemory, OpenAIEmbedder, UnknownEmbedderError

try:
    from palaestra.testing import ScriptedLLMServer, hashed_embedding, server_error

    HAVE_SCRIPTED_SERVER = True
except ImportError:  # the scripted server is not in this checkout: use the fallback below
    HAVE_SCRIPTED_SERVER = False


class Fallback:
    """Loopback ``/v1/embeddings``: hashed bags of words; ``fail`` makes it answer 500."""

    def __init__(self, dim: int) -> None:
        self.dim, self.fail, self.bodies = dim, False, []  # type: ignore[var-annotated]
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                owner.bodies.append(body)
                texts = [body["input"]] if isinstance(body["input"], str) else body["input"]
                data = [
                    {"object": "embedding", "index": i, "embedding": embed(t, owner.dim)}
                    for i, t in enumerate(texts)
                ]
                payload = {"object": "list", "data": data, "model": body["model"], "usage": {}}
                status = 500 if owner.fail else 200
                raw = json.dumps(payload if status == 200 else {"error": {"message": "down"}}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"


def embed(text: str, dim: int) -> list[float]:
    """The fallback's hashed embedding (the scripted server ships its own)."""
    vector = [0.0] * dim
    for word in text.lower().split():
        digest = hashlib.sha256(word.encode()).digest()
        vector[int.from_bytes(digest[:4], "little") % dim] += 1.0 if digest[4] & 1 else -1.0
    norm = math.sqrt(sum(v * v for v in vector)) or 1.0
    return [v / norm for v in vector]


class Endpoint:
    """One interface over either server: base_url, request bodies, expected vectors, failure."""

    def __init__(self, dim: int) -> None:
        self.scripted = ScriptedLLMServer(embedding_dim=dim).start() if HAVE_SCRIPTED_SERVER else None
        self.fallback = None if self.scripted else Fallback(dim)
        self.base_url = self.scripted.base_url if self.scripted else self.fallback.base_url  # type: ignore[union-attr]
        self.dim = dim

    @property
    def bodies(self) -> list[dict[str, Any]]:
        if self.scripted:
            return [r.json for r in self.scripted.embedding_requests]
        return list(self.fallback.bodies)  # type: ignore[union-attr]

    def expected(self, text: str) -> list[float]:
        return hashed_embedding(text, self.dim) if self.scripted else embed(text, self.dim)

    def set_failing(self, failing: bool) -> None:
        if self.scripted:
            self.scripted.embeddings_script = (lambda request: server_error()) if failing else None
        else:
            self.fallback.fail = failing  # type: ignore[union-attr]

    def stop(self) -> None:
        if self.scripted:
            self.scripted.stop()
        else:
            self.fallback.httpd.shutdown()  # type: ignore[union-attr]
            self.fallback.httpd.server_close()  # type: ignore[union-attr]


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
