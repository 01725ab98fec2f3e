"""OSWorld's ``compare_pdf_images``, written afresh with its name, arguments and semantics: whether two
PDFs hold the same pictures, as OSWorld checks a page the agent saved as PDF against the page
printed by ``pdf_from_url``.

As OSWorld: the pictures embedded in each PDF are taken page after page (the images a page's
resources name; pictures drawn inline in a page's content, which OSWorld's PyMuPDF does not list,
are left out too); a different number of pictures scores 0, none on either side 1; otherwise each
pair, in order, matches when their perceptual hashes (the 64-bit pHash OSWorld's ``imagehash``
computes; `media_metrics.perceptual_hash`, as for videos) differ in at most
`HASH_THRESHOLD` bits, and the score is the share of pairs that match.
OSWorld reads the PDFs with PyMuPDF, here pypdf reads them (both sides alike). A picture that
cannot be decoded is skipped, as OSWorld skips it. A missing or unreadable PDF scores 0.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from palaestra.tasks.desktop.osworld.media_metrics import perceptual_hash

#: The most bits two pictures' hashes may differ in and still match (OSWorld's).
HASH_THRESHOLD = 5


def pdf_pictures(path: Any) -> list[Image.Image] | None:
    """The pictures embedded in a PDF, page after page; None when there is no such PDF."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    if not path or not Path(str(path)).is_file():
        return None
    pictures = []
    try:
        for page in PdfReader(str(path)).pages:
            for name in page.images.keys():  # noqa: SIM118  (iterating decodes them all, at once)
                own = name[-1] if isinstance(name, list) else name  # a form's picture: its path
                if own.lstrip("/").startswith("~"):  # an inline picture (pypdf's name for them)
                    continue
                try:
                    picture = page.images[name].image
                except (PyPdfError, OSError, ValueError, KeyError, TypeError, NotImplementedError):
                    continue  # one that cannot be decoded is skipped, as OSWorld does
                if picture is not None:
                    pictures.append(picture)
    except (PyPdfError, OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return pictures


def compare_pdf_images(pdf1_path: Any, pdf2_path: Any) -> float:
    """The share of the two PDFs' pictures that match pair by pair (see the module's docstring)."""
    first, second = pdf_pictures(pdf1_path), pdf_pictures(pdf2_path)
    if first is None or second is None or len(first) != len(second):
        return 0.0
    if not first:
        return 1.0
    matched = sum(
        int(np.count_nonzero(perceptual_hash(a) != perceptual_hash(b))) <= HASH_THRESHOLD
        for a, b in zip(first, second, strict=True)
    )
    return matched / len(first)
