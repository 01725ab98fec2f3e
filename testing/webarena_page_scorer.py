"""Scores ``program_html`` checks with WebArena's own evaluator on real pages, in WebArena's venv.

Run by ``tests/sites/test_program_html_against_webarena.py`` with the Python of
``share/palaestra/venv-webarena`` (libwebarena 0.0.5 and Playwright's sync API). Reads a JSON list of
cases on stdin, each ``{"config": {...}, "url": "...", "headers": {...}, "cookies": [...], "sites":
{...}}``: ``config`` a task as WebArena's generated config files have it (placeholders already
replaced by the sites' URLs, ``eval_types`` ``["program_html"]``), ``url`` the agent's last page,
``headers`` and ``cookies`` what the browser context sends (the episode's header and log-in
cookies of the served sites, the same our judge's context sends), ``sites`` the sites' addresses
by WebArena's variable (``{"SHOPPING": "http://..."}``). Prints a JSON list with, per case,
``{"score": float}`` or ``{"error": "ExceptionType: message"}``.

Each case is scored as WebArena's run scores it: a page of a fresh context on the agent's last URL,
and ``evaluator_router`` on the config file, called with that live page (its ``func:`` helpers get
it as ``__page__``). One Chromium for all cases: ``SCORER_CHROMIUM`` (the executable) and
``SCORER_CHROMIUM_ARGS`` (a JSON list of flags), the ones Palaestra's browser uses. WebArena's
helpers read the sites' addresses from the variables ``SHOPPING``, ``REDDIT``, ``GITLAB``... once,
when its modules load; a case's ``sites`` are set where they were read to (its helper module's
globals), so that cases on different instances share one process. The one change to WebArena's
code: its fixed 3-second sleep after opening a checked URL is skipped (the served pages are
rendered by the server, complete at ``load``, which Playwright's ``goto`` waits for; our evaluator
does not sleep either). Imports nothing of ours.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
import traceback
import types
import warnings
from pathlib import Path
from typing import Any

SITES = ("REDDIT", "SHOPPING", "SHOPPING_ADMIN", "GITLAB", "WIKIPEDIA", "MAP", "HOMEPAGE")


def score(browser: Any, case: dict[str, Any], folder: Path) -> dict[str, Any]:
    from webarena.browser_env import create_stop_action
    from webarena.evaluation_harness import helper_functions
    from webarena.evaluation_harness.evaluators import evaluator_router

    for variable, address in (case.get("sites") or {}).items():
        assert variable in SITES, variable
        setattr(helper_functions, variable, address)
    config_file = folder / "config.json"
    config_file.write_text(json.dumps(case["config"]), encoding="utf-8")
    context = browser.new_context(extra_http_headers=case.get("headers") or {})
    try:
        if case.get("cookies"):
            context.add_cookies(case["cookies"])
        page = context.new_page()
        page.goto(case["url"])
        trajectory = [{"observation": {}, "info": {"page": page}}, create_stop_action("")]
        evaluator = evaluator_router(config_file)
        return {"score": float(evaluator(trajectory, config_file, page, None))}
    except Exception as exc:  # WebArena's evaluator raised: reported, the test decides
        traceback.print_exc(file=sys.stderr)
        return {"error": f"{type(exc).__name__}: {exc}"}
    finally:
        context.close()


def main() -> None:
    cases = json.load(sys.stdin)
    for site in SITES:
        os.environ.setdefault(site, f"http://127.0.0.1:9/{site.lower()}")
    warnings.simplefilter("ignore")  # beartype 0.12's deprecation notices about gymnasium's hints
    from playwright.sync_api import sync_playwright
    from webarena.evaluation_harness import evaluators

    evaluators.time = types.SimpleNamespace(sleep=lambda seconds: None)
    args = json.loads(os.environ.get("SCORER_CHROMIUM_ARGS", "[]"))
    executable = os.environ.get("SCORER_CHROMIUM") or None
    # WebArena's modules print their site addresses on import.
    with contextlib.redirect_stdout(sys.stderr), tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=args)
        verdicts = [score(browser, case, Path(tmp)) for case in cases]
        browser.close()
    print(json.dumps(verdicts))


if __name__ == "__main__":
    main()
