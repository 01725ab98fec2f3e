"""Exemplar memory: past episodes, retrieved by how close their goal is to a new task's.

Agents such as Synapse prompt with a few solved trajectories of similar tasks. This package stores
them (SQLite rows + FAISS vectors, saved atomically to a directory) and finds the nearest ones::

    from palaestra.memory import Exemplar, ExemplarMemory

    memory = ExemplarMemory.create("runs/memory")  # all-MiniLM-L6-v2 on CPU, offline
    memory.add([Exemplar(goal="Click the OK button", suite="miniwob", task="click-button",
                         trajectory=[{"action": "click", "ref": 4}], source="oracle")])
    memory.save()
    hits = memory.search("Press the button labelled OK", k=3, filters={"success": True})
"""

from palaestra.memory.embedders import (
    MINILM_NAME,
    DelegatingEmbedder,
    Embedder,
    HashingEmbedder,
    OpenAIEmbedder,
    SentenceTransformerEmbedder,
)
from palaestra.memory.errors import (
    CorruptMemoryError,
    EmbedderMismatchError,
    ExemplarMemoryError,
    ExemplarNotFoundError,
    InvalidExemplarError,
    NotAMemoryError,
    UnknownEmbedderError,
    UnknownFilterError,
    UnsupportedFormatError,
)
from palaestra.memory.exemplar import Exemplar, Hit, content_hash, key_text, majority_family
from palaestra.memory.memory import ExemplarMemory

__all__ = [
    "MINILM_NAME",
    "CorruptMemoryError",
    "DelegatingEmbedder",
    "Embedder",
    "EmbedderMismatchError",
    "Exemplar",
    "ExemplarMemory",
    "ExemplarMemoryError",
    "ExemplarNotFoundError",
    "HashingEmbedder",
    "Hit",
    "InvalidExemplarError",
    "NotAMemoryError",
    "OpenAIEmbedder",
    "SentenceTransformerEmbedder",
    "UnknownEmbedderError",
    "UnknownFilterError",
    "UnsupportedFormatError",
    "content_hash",
    "key_text",
    "majority_family",
]
