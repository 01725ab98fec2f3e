"""One llama.cpp context over the embedded weights (through ``llama-cpp-python``), shared by a process.

Requests take turns (a lock): a 2-core machine gains nothing from decoding two sequences at once.
A request resumes from the longest prompt prefix it shares with the previous one, and an agent's
prompts share long prefixes (instructions, exemplars, the trajectory so far), so the next step of
an episode evaluates only its new tokens. ``swa_full`` keeps Gemma 3's sliding-window layers' cache
whole, without which no prefix could be resumed. (llama-cpp-python's ``LlamaRAMCache``, which would
keep several agents' prefixes, is not used: each state it saves copies the 512 x 262k float logits
buffer beside the cache, ~0.5 GB that its capacity does not count, and a run of it was killed for
memory at 7 GB.) ``n_batch`` 256 keeps that buffer, allocated once per context, at 0.27 GB.

Why llama.cpp: it runs the 4-bit GGUF as it is at tens of tokens per second on one core and loads
in under a second. transformers' GGUF loader (on the torch already installed) needs no build, but
de-quantises to float32, takes minutes to load and prefilled under 30 tokens/s here; the prebuilt
llama.cpp wheels on PyPI need a newer glibc than Debian 12's or pin old transformers. See the
section "Embedded LLM" of docs/agents.md for the measurements.
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from weakref import WeakSet

from .weights import EmbeddedModelError, Weights, ensure_weights

RUNTIME_PACKAGE = "llama-cpp-python==0.3.36"
DEFAULT_CONTEXT = 8192
ENV_THREADS = "PALAESTRA_LLM_THREADS"
ENV_CONTEXT = "PALAESTRA_LLM_CONTEXT"


@dataclass(frozen=True)
class Sampling:
    """How to decode: greedy at temperature 0 (the default, reproducible)."""

    max_tokens: int = 256
    temperature: float = 0.0
    top_p: float = 1.0
    stop: tuple[str, ...] = ()
    seed: int | None = None
    json_schema: dict[str, Any] | None = None  # constrain the answer to JSON matching this schema
    grammar: str | None = None  # or to a llama.cpp GBNF grammar


@dataclass(frozen=True)
class Generation:
    text: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: str  # "stop" or "length"


def import_llama() -> Any:
    try:
        import llama_cpp
    except ImportError:
        raise EmbeddedModelError(
            f"The embedded model runs on llama.cpp, and `llama-cpp-python` is not installed. Fix: run "
            f"./scripts/setup, or pip install {RUNTIME_PACKAGE} (it compiles llama.cpp: about 10 minutes "
            "once, then pip's cache has it); or set PALAESTRA_LLM_BASE_URL to another server."
        ) from None
    return llama_cpp


def default_threads() -> int:
    """One thread on machines of up to 4 cores, else half the cores (at most 4).

    llama.cpp's threads wait for each other at every layer by spinning, so when other work (the
    browsers of a run, other users) holds the cores they lose their turns and decoding collapses:
    measured here under load, 2 threads decoded 1 token/s where 1 thread decoded 25.
    """
    configured = os.environ.get(ENV_THREADS)
    if configured:
        return max(1, int(configured))
    cores = os.cpu_count() or 1
    return 1 if cores <= 4 else min(4, cores // 2)


#: Runtimes still open, closed at exit while llama.cpp's library is still loaded: a model freed
#: later by the garbage collector raised (ignored, but printed) at every interpreter exit.
_OPEN: WeakSet[LlamaRuntime] = WeakSet()


@atexit.register
def _close_open_runtimes() -> None:
    for runtime in list(_OPEN):
        runtime.close()


class LlamaRuntime:
    """A loaded model: ``generate``/``stream`` text, ``count`` tokens, ``embed`` texts."""

    def __init__(
        self, weights: Weights | None = None, *, n_ctx: int | None = None, threads: int | None = None
    ):
        self.weights = weights or ensure_weights()
        self.n_ctx = n_ctx or int(os.environ.get(ENV_CONTEXT) or DEFAULT_CONTEXT)
        self.threads = threads or default_threads()
        self._llama_cpp = import_llama()
        self.llm = self._load(embedding=False)
        self._embedder: Any = None
        self.lock = threading.Lock()
        _OPEN.add(self)

    def close(self) -> None:
        """Free the model (and its embedding twin); the runtime is unusable afterwards."""
        with self.lock:
            for model in (self.llm, self._embedder):
                if model is not None:
                    model.close()
            self._embedder = None
        _OPEN.discard(self)

    @property
    def model_id(self) -> str:
        return self.weights.model_id

    def _load(self, *, embedding: bool) -> Any:
        try:
            return self._llama_cpp.Llama(
                model_path=str(self.weights.path), n_ctx=self.n_ctx, n_batch=256, n_ubatch=256,
                n_threads=self.threads, n_threads_batch=self.threads, swa_full=True,
                embedding=embedding, verbose=False,
            )  # fmt: skip
        except ValueError as exc:  # llama.cpp refuses the file
            raise EmbeddedModelError(
                f"llama.cpp could not load {self.weights.path} ({exc}). Fix: delete the file so that it "
                "is assembled again, or point PALAESTRA_LLM_GGUF at a model llama.cpp supports."
            ) from exc

    def count(self, text: str) -> int:
        return len(self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def _grammar(self, sampling: Sampling) -> Any:
        if sampling.json_schema is not None:
            return self._llama_cpp.LlamaGrammar.from_json_schema(
                json.dumps(sampling.json_schema), verbose=False
            )
        if sampling.grammar is not None:
            return self._llama_cpp.LlamaGrammar.from_string(sampling.grammar, verbose=False)
        return None

    def _check_fits(self, prompt: str, sampling: Sampling) -> int:
        tokens = len(self.llm.tokenize(prompt.encode("utf-8"), add_bos=True, special=True))
        if tokens + sampling.max_tokens > self.n_ctx:
            raise EmbeddedModelError(
                f"The prompt ({tokens} tokens) plus max_tokens ({sampling.max_tokens}) exceeds the embedded "
                f"model's context of {self.n_ctx} tokens. Fix: shorten the prompt, lower max_tokens, or "
                f"raise {ENV_CONTEXT}."
            )
        return tokens

    def _arguments(self, sampling: Sampling) -> dict[str, Any]:
        return {
            "max_tokens": sampling.max_tokens, "temperature": sampling.temperature,
            "top_p": sampling.top_p, "top_k": 0 if sampling.temperature == 0 else 40, "min_p": 0.0,
            "repeat_penalty": 1.0, "stop": list(sampling.stop), "seed": sampling.seed,
            "grammar": self._grammar(sampling),
        }  # fmt: skip

    def generate(self, prompt: str, sampling: Sampling) -> Generation:
        with self.lock:
            prompt_tokens = self._check_fits(prompt, sampling)
            raw = self.llm.create_completion(prompt, **self._arguments(sampling))
        choice = raw["choices"][0]
        usage = raw.get("usage") or {}
        return Generation(
            text=choice["text"],
            prompt_tokens=int(usage.get("prompt_tokens", prompt_tokens)),
            completion_tokens=int(usage.get("completion_tokens", 0)),
            finish_reason=choice.get("finish_reason") or "stop",
        )

    def stream(self, prompt: str, sampling: Sampling) -> Iterator[str | Generation]:
        """Text pieces as they are decoded, then the whole ``Generation`` (with its usage)."""
        with self.lock:
            prompt_tokens = self._check_fits(prompt, sampling)
            pieces, finish = [], "stop"
            for chunk in self.llm.create_completion(prompt, stream=True, **self._arguments(sampling)):
                choice = chunk["choices"][0]
                if choice["text"]:
                    pieces.append(choice["text"])
                    yield choice["text"]
                finish = choice.get("finish_reason") or finish
        text = "".join(pieces)
        yield Generation(text, prompt_tokens, self.count(text) if text else 0, finish)

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Mean-pooled, unit-length hidden states from a second context loaded on first use.

        A 270M language model is a weak embedder: use it for convenience, not for retrieval quality
        (Palaestra's retrieval uses MiniLM).
        """
        with self.lock:
            if self._embedder is None:
                self._embedder = self._load(embedding=True)
            vectors = [self._embedder.embed(text, normalize=True) for text in texts]
        return [[float(x) for x in (v[0] if v and isinstance(v[0], list) else v)] for v in vectors]


_shared: LlamaRuntime | None = None
_shared_lock = threading.Lock()


def shared_runtime() -> LlamaRuntime:
    """The process's one runtime, loaded on first use."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = LlamaRuntime()
        return _shared


@functools.cache
def runtime_available() -> bool:
    """Whether llama-cpp-python imports (without loading anything)."""
    try:
        import_llama()
    except EmbeddedModelError:
        return False
    return True
