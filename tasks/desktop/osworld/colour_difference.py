"""How different two colours look: CIEDE2000 (ΔE00) between sRGB colours, the measure OSWorld's
colour checks use (it takes it from scikit-image, which is not installed here; this is the standard
formula, written from its definition, under the D65 white point scikit-image assumes).

A ΔE00 under about 1 is invisible, under about 3.5 hard to tell apart: a check of "is this word red"
then accepts LibreOffice's near-reds without accepting orange.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

#: The D65 reference white (CIE 1931 2° observer), X Y Z scaled so that Y is 1.
_WHITE = (0.95047, 1.0, 1.08883)


def _linear(channel: float) -> float:
    """An sRGB channel (0 to 1) without its transfer curve."""
    return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4


def rgb_to_lab(rgb: Sequence[int]) -> tuple[float, float, float]:
    """An sRGB colour (three 0-255 channels) as CIE L*a*b*."""
    r, g, b = (_linear(c / 255.0) for c in rgb)
    xyz = (
        0.412453 * r + 0.357580 * g + 0.180423 * b,
        0.212671 * r + 0.715160 * g + 0.072169 * b,
        0.019334 * r + 0.119193 * g + 0.950227 * b,
    )

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    fx, fy, fz = (f(v / w) for v, w in zip(xyz, _WHITE, strict=True))
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def _hue(b: float, a: float) -> float:
    """The hue angle in degrees, 0 to 360 (0 for a grey)."""
    if a == 0 and b == 0:
        return 0.0
    return math.degrees(math.atan2(b, a)) % 360


def ciede2000(lab1: Sequence[float], lab2: Sequence[float]) -> float:
    """ΔE00 between two L*a*b* colours (unit weights kL = kC = kH = 1)."""
    l1, a1, b1 = lab1
    l2, a2, b2 = lab2
    mean_chroma = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(mean_chroma**7 / (mean_chroma**7 + 25**7)))
    a1p, a2p = a1 * (1 + g), a2 * (1 + g)
    c1p, c2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1p, h2p = _hue(b1, a1p), _hue(b2, a2p)

    delta_l = l2 - l1
    delta_c = c2p - c1p
    if c1p * c2p == 0:
        delta_h_angle = 0.0
    else:
        delta_h_angle = h2p - h1p
        if delta_h_angle > 180:
            delta_h_angle -= 360
        elif delta_h_angle < -180:
            delta_h_angle += 360
    delta_h = 2 * math.sqrt(c1p * c2p) * math.sin(math.radians(delta_h_angle) / 2)

    mean_l = (l1 + l2) / 2
    mean_cp = (c1p + c2p) / 2
    if c1p * c2p == 0:
        mean_h = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        mean_h = (h1p + h2p) / 2
    else:
        mean_h = (h1p + h2p + 360) / 2 if h1p + h2p < 360 else (h1p + h2p - 360) / 2

    t = (
        1
        - 0.17 * math.cos(math.radians(mean_h - 30))
        + 0.24 * math.cos(math.radians(2 * mean_h))
        + 0.32 * math.cos(math.radians(3 * mean_h + 6))
        - 0.20 * math.cos(math.radians(4 * mean_h - 63))
    )
    s_l = 1 + 0.015 * (mean_l - 50) ** 2 / math.sqrt(20 + (mean_l - 50) ** 2)
    s_c = 1 + 0.045 * mean_cp
    s_h = 1 + 0.015 * mean_cp * t
    rotation = 30 * math.exp(-(((mean_h - 275) / 25) ** 2))
    r_c = 2 * math.sqrt(mean_cp**7 / (mean_cp**7 + 25**7))
    r_t = -math.sin(math.radians(2 * rotation)) * r_c
    terms = (delta_l / s_l, delta_c / s_c, delta_h / s_h)
    return math.sqrt(terms[0] ** 2 + terms[1] ** 2 + terms[2] ** 2 + r_t * terms[1] * terms[2])


def rgb_difference(rgb1: Sequence[int], rgb2: Sequence[int]) -> float:
    """ΔE00 between two sRGB colours (0-255 channels)."""
    return ciede2000(rgb_to_lab(rgb1), rgb_to_lab(rgb2))
