"""The embedded LLM: a small real model that installs from PyPI and runs on the CPU, so LLM agents,
the API selector's re-ranker and fuzzy evaluators work with no endpoint and no key.

``EmbeddedModel`` runs it in-process; ``palaestra llm serve`` serves it over the OpenAI wire
format (``server.py``) for several processes to share. Heavy parts (llama.cpp, the 250 MB file)
load on first use, not on import.
"""

from .model import EMBEDDED_CAPABILITIES, EmbeddedModel
from .runtime import LlamaRuntime, Sampling, runtime_available, shared_runtime
from .weights import MODEL_ID, EmbeddedModelError, Weights, cache_dir, ensure_weights

__all__ = [
    "EMBEDDED_CAPABILITIES",
    "MODEL_ID",
    "EmbeddedModel",
    "EmbeddedModelError",
    "LlamaRuntime",
    "Sampling",
    "Weights",
    "cache_dir",
    "ensure_weights",
    "runtime_available",
    "shared_runtime",
]
