"""OSWorld's last GIMP metrics, written afresh with the same names and arguments: where a shape or a
text box sits in the exported picture (``check_triangle_position``, ``check_textbox_on_leftside``,
the agent's picture alone), whether an edit made a picture sharper than its original
(``check_sharper``), whether the exported file is smaller than a limit (``check_image_file_size``),
and whether a picture shows what the expected one shows by a threshold the task chooses
(``check_structure_sim_with_threshold``). A missing or unreadable picture scores 0.

Each was written by OSWorld for one task's picture; where its code does not do what its docstring
and comments say (see each function), the judge here does what they say.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from palaestra.tasks.desktop.osworld.errors import OSWorldTaskError
from palaestra.tasks.desktop.osworld.image_metrics import load, ssim

#: How far from the picture's centre (a share of its width, and of its height) the triangle's
#: centroid may be, and how far from the left edge (a share of the width) the text may start.
CENTRE_TOLERANCE = 0.05
LEFT_MARGIN = 0.05
#: The grey level under which a pixel is dark (text), on 0-255.
DARK = 128


def _colour_codes(image: Image.Image) -> np.ndarray:
    """Each pixel's RGBA as one 32-bit number (rows x columns), so that colours count fast; every
    fully transparent pixel is the same colour, whatever RGB it stores."""
    rgba = np.array(image.convert("RGBA"), dtype=np.uint8)
    rgba[rgba[..., 3] == 0] = 0
    return rgba.view(np.uint32)[..., 0]


def check_triangle_position(tgt_path: Any) -> float:
    """The shape (the picture's second most common colour, the most common being the background)
    has its centroid within 5% of the picture's width and of its height of the picture's centre.

    OSWorld's comments say exactly this, but its code sorts the colours by rising count and so takes
    the second *rarest* colour: an anti-aliased edge's shade, or, in a picture of two colours, the
    background (whose centroid is near the centre only when the shape is). Here it is the second
    most common colour, every pixel of it counted at its centre."""
    image = load(tgt_path)
    if image is None:
        return 0.0
    codes = _colour_codes(image)
    colours, counts = np.unique(codes, return_counts=True)
    if len(colours) < 2:
        return 0.0
    by_count = np.argsort(-counts, kind="stable")
    rows, columns = np.nonzero(codes == colours[by_count[1]])
    x, y = columns.mean() + 0.5, rows.mean() + 0.5
    width, height = image.size
    return float(
        abs(x - width / 2) < CENTRE_TOLERANCE * width and abs(y - height / 2) < CENTRE_TOLERANCE * height
    )


def _shown_gray(image: Image.Image) -> np.ndarray:
    """Its grey levels as a viewer shows it: a transparent picture is put on white first."""
    rgba = image.convert("RGBA")
    shown = Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba)
    return np.asarray(shown.convert("L"))


def check_textbox_on_leftside(src_path: Any) -> float:
    """The text box has been moved to the left: the picture's leftmost dark pixel (grey level under
    128, the black text on the task's orange background) is within the left 5% of its width.

    As in OSWorld, any dark pixel counts; a picture with none fails. A transparent picture is judged
    as shown on white (OSWorld reads the stored grey levels, to which a transparent pixel's hidden
    colour would count)."""
    image = load(src_path)
    if image is None:
        return 0.0
    dark_columns = np.flatnonzero((_shown_gray(image) < DARK).any(axis=0))
    return float(dark_columns.size > 0 and dark_columns[0] < LEFT_MARGIN * image.width)


def sharpness(image: Image.Image) -> float:
    """The variance of the Laplacian of the picture's grey levels (the 3x3 four-neighbour kernel,
    borders reflected): the usual measure of fine detail, which sharpening raises and blurring lowers.
    OSWorld computes it with OpenCV on the grey levels OpenCV's PNG reader makes, which round
    differently from Pillow's by one level at most: the figures agree within 1% on a photograph
    (2.4% on a blurred one, whose variance is small)."""
    gray = np.asarray(image.convert("L"), dtype=np.float64)
    if min(gray.shape) < 3:
        return 0.0
    padded = np.pad(gray, 1, mode="reflect")
    laplacian = padded[:-2, 1:-1] + padded[2:, 1:-1] + padded[1:-1, :-2] + padded[1:-1, 2:] - 4 * gray
    return float(laplacian.var())


def check_sharper(src_path: Any, tgt_path: Any) -> float:
    """The result (``src_path``) is sharper than the original (``tgt_path``): its `sharpness` is
    higher. As in OSWorld, nothing else is compared: saving the original unchanged fails, but any
    picture with more fine detail than the original (another picture, noise) passes."""
    got, original = load(src_path), load(tgt_path)
    if got is None or original is None:
        return 0.0
    return float(sharpness(got) > sharpness(original))


def check_image_file_size(src_path: Any, rule: dict[str, Any]) -> float:
    """The picture's file is smaller than ``rule["max_size"]`` bytes (strictly, as OSWorld).

    OSWorld only measures the file; here it must also be a picture that opens, so that an empty or
    broken file does not pass as a small one."""
    if load(src_path) is None:
        return 0.0
    return float(Path(str(src_path)).stat().st_size < rule["max_size"])


def check_size_rule(rules: Any, source: str, where: str) -> None:
    """``check_image_file_size``'s rules, checked when the task is loaded: ``{"max_size": bytes}``,
    a positive number."""
    size = rules.get("max_size") if isinstance(rules, dict) else None
    if isinstance(size, bool) or not isinstance(size, int | float) or size <= 0:
        raise OSWorldTaskError(
            source,
            where,
            f'check_image_file_size takes {{"max_size": BYTES}} (a positive number, e.g. 500000 '
            f"for 500 KB), got {rules!r}",
        )


def check_structure_sim_with_threshold(src_path: Any, tgt_path: Any, ssim_threshold: float = 0.85) -> float:
    """The result shows what the expected picture shows: SSIM (`image_metrics.ssim`) at or above
    ``ssim_threshold`` (0.85 unless the task says), the result first scaled to the expected
    picture's size when they differ (an image generated at another size still counts)."""
    got, want = load(src_path), load(tgt_path)
    if got is None or want is None:
        return 0.0
    if got.size != want.size:
        got = got.resize(want.size, Image.Resampling.LANCZOS)
    return float(ssim(got, want) >= float(ssim_threshold))
