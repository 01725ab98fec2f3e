"""BrowserGym's own utilities (browsergym-core 0.14.3, in the venv ``scripts/setup`` makes for it)
reading our observation or capturing a page themselves, for the tests that compare the two."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from palaestra.envs.browser import find_chromium
from palaestra.envs.browsergym_compat import BrowserGymObservation
from tests.envs.page_ids import html_ids

BG_PYTHON = Path(sys.prefix) / "share" / "palaestra" / "venv-browsergym" / "bin" / "python"
READER = Path(__file__).resolve().parents[2] / "testing" / "browsergym_reader.py"
OWN_CAPTURE = READER.parent / "browsergym_page.py"
START_TAG = re.compile(r"<(\w+) ([^<>]*?)/?>")


def in_browsergyms_venv(script: Path, request: dict[str, Any]) -> dict[str, Any]:
    """What ``script`` prints (JSON) for ``request`` (JSON on its stdin), run in BrowserGym's venv."""
    assert BG_PYTHON.exists(), f"{BG_PYTHON} is missing: run scripts/setup (it makes BrowserGym's venv)"
    done = subprocess.run(
        [str(BG_PYTHON), str(script)], input=json.dumps(request), capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def read_with_browsergym(obs: dict[str, Any], viewport: tuple[int, int]) -> dict[str, Any]:
    """BrowserGym's flattened AXTree and DOM, pruned HTML and set-of-marks overlay of ``obs``."""
    page = {k: obs[k] for k in ("axtree_object", "dom_object", "extra_element_properties")}
    return in_browsergyms_venv(READER, {**page, "viewport": list(viewport)})


def read_with_browsergyms_own_capture(url: str) -> dict[str, Any]:
    """BrowserGym's flattened DOM and pruned HTML of the page at ``url``, marked and captured by
    browsergym-core itself (``testing/browsergym_page.py``) in the Chromium we use."""
    return in_browsergyms_venv(OWN_CAPTURE, {"url": url, "chromium": find_chromium()})


def start_tags(text: str) -> dict[str, str]:
    """Each element's printed start tag by its ``id`` attribute, its ``bid`` left out."""
    tags = {}
    for name, attributes in START_TAG.findall(text):
        found = re.search(r'\bid="([^"]+)"', attributes)
        if found:
            tags[found[1]] = f"<{name} " + re.sub(r'\bbid="\w+" ?', "", attributes).strip() + ">"
    return tags


def ids_by_dom_id(wrapper: BrowserGymObservation) -> dict[str, str]:
    """Our element ids by the elements' HTML ``id`` attribute, from our own observation."""
    assert wrapper.palaestra_obs is not None
    return html_ids(wrapper.palaestra_obs)
