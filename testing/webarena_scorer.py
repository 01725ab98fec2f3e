"""Scores cases with WebArena's own evaluators, in the venv ``scripts/setup`` makes for them.

Run by ``tests/tasks/test_webarena_against_webarena.py`` with the Python of
``share/palaestra/venv-webarena`` (libwebarena 0.0.5, WebArena's code as a PyPI package, with the
few libraries its evaluators import). Reads a JSON list of cases on stdin, each ``{"config":
{...}, "answer": "...", "url": "..."}`` where ``config`` is a task as WebArena's JSON files have
it (``intent`` and ``eval`` with ``eval_types``, ``reference_answers``, ``reference_url``,
``url_note``, ``string_note``), and prints a JSON list with, per case, ``{"score": float}`` or
``{"error": "ExceptionType: message"}`` (WebArena lets its evaluators' exceptions and asserts
escape; the test says which it expects).

Each case is scored as WebArena's run does it: ``evaluator_router`` on the config written to a
file, over a trajectory whose last action is the stop action carrying the answer, and the page
as WebArena's own ``PseudoPage`` gives an evaluator a URL without a browser. ``program_html``
needs the sites' pages: ``webarena_page_scorer.py`` scores it in a real browser. The fuzzy
graders call the OpenAI API; the test points ``OPENAI_BASE_URL`` at its scripted server. Imports
nothing of ours.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
import traceback
import warnings
from pathlib import Path
from typing import Any

#: WebArena's env_config refuses to load without its sites' addresses; only the helpers that
#: query the sites read them, and no case here calls one (nothing listens there).
SITES = ("REDDIT", "SHOPPING", "SHOPPING_ADMIN", "GITLAB", "WIKIPEDIA", "MAP", "HOMEPAGE")


def score(config: dict[str, Any], answer: str, url: str, folder: Path) -> dict[str, Any]:
    from webarena.browser_env import create_stop_action
    from webarena.evaluation_harness.evaluators import evaluator_router
    from webarena.evaluation_harness.helper_functions import PseudoPage

    config_file = folder / "config.json"
    config_file.write_text(json.dumps(config), encoding="utf-8")
    state = {"observation": {}, "info": {"page": None}}
    trajectory = [state, create_stop_action(answer)]
    try:
        evaluator = evaluator_router(config_file)
        return {"score": float(evaluator(trajectory, config_file, PseudoPage(None, url), None))}
    except Exception as exc:  # WebArena's evaluator raised or asserted: reported, the test decides
        traceback.print_exc(file=sys.stderr)
        return {"error": f"{type(exc).__name__}: {exc}"}


def main() -> None:
    cases = json.load(sys.stdin)
    for site in SITES:
        os.environ.setdefault(site, f"http://127.0.0.1:9/{site.lower()}")
    warnings.simplefilter("ignore")  # beartype 0.12's deprecation notices about gymnasium's hints
    # WebArena's modules print their site addresses on import, its graders as they go.
    with contextlib.redirect_stdout(sys.stderr), tempfile.TemporaryDirectory() as tmp:
        verdicts = [score(c["config"], c["answer"], c["url"], Path(tmp)) for c in cases]
    print(json.dumps(verdicts))


if __name__ == "__main__":
    main()
