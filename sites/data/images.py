"""Product pictures drawn with Pillow: the product's colour, a shape for its department, its name.

Small (320 x 320 JPEG, ~6 KB) and made in a few milliseconds each, so 2,000 take seconds.
"""

from __future__ import annotations

import hashlib
import textwrap
from pathlib import Path

from PIL import Image, ImageDraw

COLOR_RGB = {
    "Black": (40, 40, 44),
    "White": (240, 240, 236),
    "Charcoal": (70, 72, 76),
    "Navy": (32, 48, 96),
    "Sage Green": (150, 170, 140),
    "Terracotta": (196, 106, 74),
    "Sand": (222, 205, 170),
    "Slate Blue": (96, 118, 150),
    "Burgundy": (120, 30, 48),
    "Mustard": (214, 170, 50),
    "Ivory": (246, 240, 222),
    "Forest Green": (36, 86, 56),
    "Blush Pink": (236, 190, 190),
    "Graphite": (88, 90, 96),
    "Teal": (30, 128, 130),
}
SHAPES = {
    "Kitchen & Dining": "circle",
    "Home & Living": "square",
    "Garden & Outdoor": "triangle",
    "Electronics": "rounded",
    "Sports & Outdoors": "diamond",
    "Office & Stationery": "bars",
    "Personal Care": "drop",
    "Toys & Games": "dots",
    "Pet Supplies": "paw",
}
SIZE = 320


def product_image(path: Path, title: str, color: str, department: str, noun: str) -> None:
    rgb = COLOR_RGB.get(color, (128, 128, 128))
    shade = int(hashlib.sha256(title.encode()).hexdigest()[:2], 16) // 8  # same title, same picture
    background = tuple(min(255, 232 + shade // 4) for _ in range(3))
    image = Image.new("RGB", (SIZE, SIZE), background)
    draw = ImageDraw.Draw(image)
    _shape(draw, SHAPES.get(department, "circle"), rgb)
    ink = (30, 30, 30)
    for row, line in enumerate(textwrap.wrap(noun, width=22)[:2]):
        draw.text((SIZE // 2, 262 + 18 * row), line, fill=ink, anchor="mm")
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, "JPEG", quality=78)


def _shape(draw: ImageDraw.ImageDraw, shape: str, rgb: tuple[int, int, int]) -> None:
    box = (80, 40, 240, 200)
    outline = tuple(max(0, c - 40) for c in rgb)
    if shape == "circle":
        draw.ellipse(box, fill=rgb, outline=outline, width=4)
    elif shape == "square":
        draw.rectangle(box, fill=rgb, outline=outline, width=4)
    elif shape == "triangle":
        draw.polygon([(160, 40), (240, 200), (80, 200)], fill=rgb, outline=outline)
    elif shape == "rounded":
        draw.rounded_rectangle(box, radius=28, fill=rgb, outline=outline, width=4)
    elif shape == "diamond":
        draw.polygon([(160, 40), (240, 120), (160, 200), (80, 120)], fill=rgb, outline=outline)
    elif shape == "bars":
        for i in range(4):
            draw.rectangle((84 + 40 * i, 60 + 20 * i, 112 + 40 * i, 200), fill=rgb, outline=outline)
    elif shape == "drop":
        draw.ellipse((100, 100, 220, 200), fill=rgb, outline=outline, width=4)
        draw.polygon([(160, 40), (212, 130), (108, 130)], fill=rgb)
    elif shape == "dots":
        for x, y in ((110, 80), (210, 80), (160, 120), (110, 165), (210, 165)):
            draw.ellipse((x - 26, y - 26, x + 26, y + 26), fill=rgb, outline=outline, width=3)
    else:  # paw
        draw.ellipse((115, 110, 205, 195), fill=rgb, outline=outline, width=3)
        for x, y in ((100, 80), (135, 55), (185, 55), (220, 80)):
            draw.ellipse((x - 18, y - 20, x + 18, y + 20), fill=rgb, outline=outline, width=3)
