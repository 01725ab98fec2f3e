"""BrowserGym's own DOM observation of a page: its marking script, its snapshot, its printers.

Run by ``tests/envs/test_browsergym_compat.py`` with the Python of BrowserGym's venv (``scripts/setup``
makes it; its Playwright 1.44 drives the Chromium we pass it). Reads ``{"url", "chromium"}`` as JSON
on stdin, opens the page, runs browsergym-core's ``_pre_extract`` (which writes ``value`` and
``checked`` into the page), takes its ``extract_dom_snapshot`` and ``extract_merged_axtree`` and
prints, as JSON, what ``flatten_dom_to_str``, ``prune_html`` and ``flatten_axtree_to_str`` make of
them: the reference our ``dom_object`` and ``axtree_object`` are compared with. Imports nothing of ours.
"""

from __future__ import annotations

import json
import sys

from browsergym.core.observation import (
    _post_extract,
    _pre_extract,
    extract_dom_snapshot,
    extract_merged_axtree,
)
from browsergym.utils.obs import flatten_axtree_to_str, flatten_dom_to_str, prune_html
from playwright.sync_api import sync_playwright


def main() -> None:
    request = json.load(sys.stdin)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=request["chromium"])
        try:
            page = browser.new_page()
            page.goto(request["url"])
            _pre_extract(page, tags_to_mark="standard_html", lenient=True)
            dom = extract_dom_snapshot(page)
            axtree = extract_merged_axtree(page)
            _post_extract(page)
        finally:
            browser.close()
    dom_txt = flatten_dom_to_str(dom)
    axtree_txt = flatten_axtree_to_str(axtree)
    print(json.dumps({"dom_txt": dom_txt, "pruned_html": prune_html(dom_txt), "axtree_txt": axtree_txt}))


if __name__ == "__main__":
    main()
