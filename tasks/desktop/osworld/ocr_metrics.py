"""OSWorld's ``compare_image_text``, written afresh: the text a picture shows (a screenshot the agent
saved), read by OCR, holds the rule's text.

OSWorld reads it with EasyOCR, whose model is downloaded when first used; nothing may download here,
so Tesseract reads it (Debian's ``tesseract-ocr`` with its English data, which scripts/setup
installs). The rule is OSWorld's, with two allowances for the engine: the text read is its words
joined by single spaces (EasyOCR's boxes are joined so), and the comparison ignores case, since the
engines capitalise differently (OSWorld's one task expects " Ls", EasyOCR's reading of a terminal's
``ls``; Tesseract reads ``ls``).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

from palaestra.errors import DesktopUnavailableError
from palaestra.tasks.desktop.osworld.errors import OSWorldTaskError

#: Tesseract's program, and how long one picture may take it (a full screenshot takes ~1-3 s).
TESSERACT = "tesseract"
OCR_TIMEOUT = 120.0


def read_text(path: Any) -> str | None:
    """The words Tesseract reads in the picture at ``path``, joined by single spaces; None when there
    is no such file or Tesseract cannot read it as a picture."""
    if not path or not Path(str(path)).is_file():
        return None
    program = shutil.which(TESSERACT)
    if program is None:
        raise DesktopUnavailableError(
            "compare_image_text reads pictures with Tesseract, which is not installed. Run scripts/setup, "
            "or: apt-get install tesseract-ocr tesseract-ocr-eng"
        )
    try:
        done = subprocess.run(
            [program, str(path), "stdout", "-l", "eng"],
            capture_output=True,
            text=True,
            timeout=OCR_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return None
    if done.returncode != 0:  # not a picture, or one Leptonica cannot decode
        return None
    return " ".join(done.stdout.split())


def compare_image_text(image_path: Any, rule: dict[str, Any]) -> float:
    """1 when the picture's text (`read_text`) contains ``rule["text"]``, case ignored; 0 otherwise,
    and for a missing or unreadable picture."""
    text = read_text(image_path)
    return float(text is not None and str(rule["text"]).casefold() in text.casefold())


def check_text_rule(rules: Any, source: str, where: str) -> None:
    """The rule is ``{"type": "text", "text": "..."}``, the only kind OSWorld's metric knows, with a
    text that is not blank (any picture would hold that)."""
    text = rules.get("text") if isinstance(rules, dict) else None
    if (
        not isinstance(rules, dict)
        or rules.get("type") != "text"
        or not isinstance(text, str)
        or not text.strip()
    ):
        raise OSWorldTaskError(
            source,
            where,
            'compare_image_text\'s rule must be {"type": "text", "text": "<the words to find>"}, '
            f"got {rules!r}",
        )
