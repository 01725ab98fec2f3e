"""Reads a BrowserGym-shaped observation with BrowserGym's own utilities, in BrowserGym's venv.

Run by ``tests/envs/test_browsergym_compat.py`` with the Python of the venv ``scripts/setup``
makes for ``browsergym-core`` (its Playwright pin conflicts with ours, so it cannot live in our
venv). Reads ``{"axtree_object", "dom_object", "extra_element_properties", "viewport"}`` as JSON
on stdin and prints, as JSON, what an AgentLab agent would build its prompt from: the flattened
AXTree and DOM, the pruned HTML (and all three without the element properties), and
how many pixels BrowserGym's set-of-marks overlay drew.
Imports nothing of ours: what it prints is BrowserGym's reading of our objects.
"""

from __future__ import annotations

import json
import sys

import numpy as np
from browsergym.utils.obs import flatten_axtree_to_str, flatten_dom_to_str, overlay_som, prune_html


def main() -> None:
    page = json.load(sys.stdin)
    extra = page["extra_element_properties"]
    axtree_txt = flatten_axtree_to_str(
        page["axtree_object"], extra_properties=extra, with_visible=True, with_clickable=True
    )
    dom_txt = flatten_dom_to_str(page["dom_object"], extra_properties=extra, with_clickable=True)
    bare_dom_txt = flatten_dom_to_str(page["dom_object"])  # the DOM alone, as BrowserGym's own prints
    bare_axtree_txt = flatten_axtree_to_str(page["axtree_object"])
    width, height = page["viewport"]
    blank = np.full((height, width, 3), 255, dtype=np.uint8)
    drawn = np.asarray(overlay_som(blank, extra))[:, :, :3]
    print(
        json.dumps(
            {
                "axtree_txt": axtree_txt,
                "dom_txt": dom_txt,
                "pruned_html": prune_html(dom_txt),
                "bare_dom_txt": bare_dom_txt,
                "bare_pruned_html": prune_html(bare_dom_txt),
                "bare_axtree_txt": bare_axtree_txt,
                "som_pixels": int((drawn != blank).any(axis=2).sum()),
            }
        )
    )


if __name__ == "__main__":
    main()
