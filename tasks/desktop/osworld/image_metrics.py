"""OSWorld's image metrics (its ``gimp`` domain), written afresh with the same names and arguments:
pictures compared by their structure (SSIM), their size, a mirror image, and whether an edit made
them darker, more saturated or more contrasted without changing what they show, left them indexed
(a palette) or filled their background with green; and GIMP's own settings file (``gimprc``). A
missing or unreadable picture scores 0.

The result is the agent's picture (a ``vm_file``), the expected one the task's original or a
reference picture. SSIM is computed here with scipy's uniform filter (a 7x7 window, each colour channel
alone, the channels' mean), the same measure scikit-image's ``structural_similarity`` gives with
its defaults; two pictures of different sizes are not similar.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

#: The SSIM at or above which two pictures show the same thing (OSWorld's threshold).
SIMILAR = 0.9
#: SSIM's window (pixels a side) and its stabilising constants, for 8-bit channels.
WINDOW = 7
C1, C2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2


def load(path: Any) -> Image.Image | None:
    """The picture at ``path`` (a getter's value), fully read; None when there is none."""
    if not path or not Path(str(path)).is_file():
        return None
    try:
        with Image.open(str(path)) as image:
            image.load()
            return image.copy()
    except (UnidentifiedImageError, OSError, ValueError):
        return None


def _rgb(image: Image.Image) -> np.ndarray:
    """Its pixels as RGB floats; a transparent picture is put on white first (as a viewer shows it)."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, rgba)
    return np.asarray(image.convert("RGB"), dtype=np.float64)


def _channel_ssim(x: np.ndarray, y: np.ndarray) -> float:
    """SSIM of one channel: scipy's 7x7 uniform filter, sample (co)variances, and the mean over the
    whole windows only; the same arithmetic in the same order as scikit-image's defaults, so that
    a score agrees with OSWorld's to the last bit (``compare_images`` reports it as it is)."""
    from scipy.ndimage import uniform_filter  # scipy comes with sentence-transformers

    n = WINDOW * WINDOW
    norm = n / (n - 1)
    mx, my = uniform_filter(x, size=WINDOW), uniform_filter(y, size=WINDOW)
    vx = norm * (uniform_filter(x * x, size=WINDOW) - mx * mx)
    vy = norm * (uniform_filter(y * y, size=WINDOW) - my * my)
    cxy = norm * (uniform_filter(x * y, size=WINDOW) - mx * my)
    top = (2 * mx * my + C1) * (2 * cxy + C2)
    bottom = (mx**2 + my**2 + C1) * (vx + vy + C2)
    ssim = top / bottom
    pad = (WINDOW - 1) // 2  # the windows that overhang the border are left out
    inner = ssim[pad : ssim.shape[0] - pad, pad : ssim.shape[1] - pad]
    return float(inner.mean(dtype=np.float64)) if inner.size else 0.0


def ssim(a: Image.Image, b: Image.Image) -> float:
    """Structural similarity of two pictures (1 = the same), 0 for pictures of different sizes or
    too small for the window."""
    if a.size != b.size or min(a.size) < WINDOW:
        return 0.0
    x, y = _rgb(a), _rgb(b)
    return float(np.mean([_channel_ssim(x[..., c], y[..., c]) for c in range(3)]))


def gray_ssim(a: Image.Image, b: Image.Image) -> float:
    """Structural similarity of two pictures' grey levels (8-bit luminance, as Pillow's "L" mode
    gives them), 0 for pictures of different sizes or too small for the window."""
    if a.size != b.size or min(a.size) < WINDOW:
        return 0.0
    x, y = (np.asarray(p.convert("L"), dtype=np.float64) for p in (a, b))
    return _channel_ssim(x, y)


def similar(a: Image.Image | None, b: Image.Image | None, threshold: float = SIMILAR) -> bool:
    return a is not None and b is not None and ssim(a, b) >= threshold


def check_structure_sim(src_path: Any, tgt_path: Any) -> float:
    """The result shows what the expected picture shows (SSIM >= 0.9, same size)."""
    return float(similar(load(src_path), load(tgt_path)))


def check_structure_sim_resized(src_path: Any, tgt_path: Any) -> float:
    """As `check_structure_sim`, with the result scaled to the expected picture's size first."""
    got, want = load(src_path), load(tgt_path)
    if got is None or want is None:
        return 0.0
    return float(similar(got.resize(want.size, Image.Resampling.LANCZOS), want))


def check_file_exists_and_structure_sim(src_path: Any, tgt_path: Any) -> float:
    """The result exists and shows what the expected picture shows."""
    return check_structure_sim(src_path, tgt_path)


def check_image_mirror(src_path: Any, tgt_path: Any) -> float:
    """The result is the original flipped left to right (``src_path`` the result, ``tgt_path`` the
    original, as OSWorld's tasks pass them)."""
    got, original = load(src_path), load(tgt_path)
    return float(got is not None and original is not None and similar(got, ImageOps.mirror(original)))


def check_image_size(src_path: Any, rule: dict[str, Any]) -> float:
    """The picture is ``rule["width"]`` wide and ``rule["height"]`` high (either left out, or
    None, is not checked)."""
    image = load(src_path)
    if image is None:
        return 0.0
    width, height = rule.get("width"), rule.get("height")
    return float((width is None or image.width == width) and (height is None or image.height == height))


# -- edits that keep the picture's structure -------------------------------------------------


def _gray(image: Image.Image) -> np.ndarray:
    rgb = _rgb(image)
    return rgb @ np.array([0.299, 0.587, 0.114])


def _standardised(image: Image.Image) -> Image.Image:
    """Its grey levels stretched to the same mean and spread whatever the picture's brightness and
    contrast, so that what it shows is compared, not how light it is."""
    gray = _gray(image)
    spread = gray.std() or 1.0
    levels = np.clip((gray - gray.mean()) / spread * 48 + 128, 0, 255).astype(np.uint8)
    return Image.fromarray(levels).convert("RGB")


def _same_structure(got: Image.Image, original: Image.Image) -> bool:
    return similar(_standardised(got), _standardised(original))


def _saturation(image: Image.Image) -> float:
    return float(np.asarray(image.convert("RGB").convert("HSV"), dtype=np.float64)[..., 1].mean())


def _edited(src_path: Any, tgt_path: Any, measure: Any, more: bool) -> float:
    """The result's ``measure`` is above (``more``) or below the original's, and it shows the same."""
    got, original = load(src_path), load(tgt_path)
    if got is None or original is None:
        return 0.0
    changed = measure(got) > measure(original) if more else measure(got) < measure(original)
    return float(changed and _same_structure(got, original))


def check_brightness_decrease_and_structure_sim(src_path: Any, tgt_path: Any) -> float:
    """The result is darker than the original (mean grey level) and shows the same."""
    return _edited(src_path, tgt_path, lambda im: float(_gray(im).mean()), more=False)


def check_saturation_increase_and_structure_sim(src_path: Any, tgt_path: Any) -> float:
    """The result's colours are more saturated than the original's (mean HSV saturation), and it
    shows the same."""
    return _edited(src_path, tgt_path, _saturation, more=True)


def check_contrast_increase_and_structure_sim(src_path: Any, tgt_path: Any) -> float:
    """The result has more contrast than the original (spread of grey levels) and shows the same."""
    return _edited(src_path, tgt_path, lambda im: float(_gray(im).std()), more=True)


def check_palette_and_structure_sim(src_path: Any, tgt_path: Any) -> float:
    """The result is palette-based (indexed colours, Pillow's "P" or "PA" mode: what GIMP's
    Image > Mode > Indexed exports) and still shows what the original shows (SSIM >= 0.9)."""
    got, original = load(src_path), load(tgt_path)
    return float(got is not None and got.mode in ("P", "PA") and similar(got, original))


def _stored_rgb(image: Image.Image) -> np.ndarray:
    """Its pixels' red, green and blue as stored (a transparent pixel keeps its own colour)."""
    return np.asarray(image.convert("RGBA"))[..., :3].astype(np.int16)


def check_green_background(src_path: Any, tgt_path: Any) -> float:
    """The result's background is green: every pixel that is not black in the original (``tgt_path``,
    a black object on a background) is green in the result (``src_path``), i.e. more green than red
    and than blue. The object's own (black) pixels are not judged, as in OSWorld; pictures of
    different sizes fail (OSWorld's loop indexes the picture by (x, y) as rows and columns, so it
    judges a square picture whole, transposed, and breaks on others; here every picture is whole)."""
    got, original = load(src_path), load(tgt_path)
    if got is None or original is None or got.size != original.size:
        return 0.0
    background = np.any(_stored_rgb(original) != 0, axis=-1)
    rgb = _stored_rgb(got)
    red, green, blue = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    return float(bool(np.all(((green > red) & (green > blue))[background])))


def compare_image_list(pred_img_path_list: Any, gold_img_path_list: Any) -> float:
    """Each result picture has the same size and pixels as the expected one at its place."""
    got = pred_img_path_list if isinstance(pred_img_path_list, list) else [pred_img_path_list]
    want = gold_img_path_list if isinstance(gold_img_path_list, list) else [gold_img_path_list]
    if len(got) != len(want) or not got:
        return 0.0
    for a, b in zip(got, want, strict=True):
        x, y = load(a), load(b)
        if x is None or y is None or x.size != y.size or not np.array_equal(_rgb(x), _rgb(y)):
            return 0.0
    return 1.0


# -- GIMP's settings ---------------------------------------------------------------------------

#: One top-level setting of a gimprc: ``(undo-levels 100)``, ``(theme "Dark")``.
SETTING = re.compile(r"^\((?P<key>[a-z0-9-]+)\s+(?P<value>.*)\)\s*$", re.MULTILINE)


def gimprc(path: Any) -> dict[str, str]:
    """A gimprc's top-level settings (the last of a key wins), their values unquoted."""
    if not path or not Path(str(path)).is_file():
        return {}
    text = Path(str(path)).read_text(encoding="utf-8", errors="replace")
    return {m["key"]: m["value"].strip().strip('"') for m in SETTING.finditer(text)}


def check_config_status(actual_config_path: Any, rule: dict[str, Any]) -> float:
    """GIMP's settings file sets ``rule["key"]`` to ``rule["value"]`` (GIMP writes only the
    settings that differ from its defaults, on quitting)."""
    value = gimprc(actual_config_path).get(str(rule["key"]))
    return float(value is not None and value == str(rule["value"]).strip('"'))
