"""Write the bundled OSWorld tasks' pictures (tasks/desktop/osworld/data/files/*.png).

A small drawn landscape (a sky that darkens upwards, a sun on the left, a hill and a tree on the
right): nothing in it is symmetric, so a picture flipped the wrong way (or not at all) differs
from the expected one. Run from the repository's root with the venv's Python:
``.venv/bin/python scripts/osworld_images.py``. The files are committed; nothing runs this at test
or run time.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

FILES = Path(__file__).resolve().parent.parent / "tasks/desktop/osworld/data/files"
WIDTH, HEIGHT = 240, 160


def landscape() -> Image.Image:
    image = Image.new("RGB", (WIDTH, HEIGHT))
    draw = ImageDraw.Draw(image)
    for y in range(HEIGHT):  # the sky, darker towards the top
        shade = 120 + y * 100 // HEIGHT
        draw.line([(0, y), (WIDTH, y)], fill=(shade // 2, shade * 3 // 4, shade + 30))
    draw.ellipse([24, 18, 64, 58], fill=(250, 210, 40))  # the sun, on the left
    draw.polygon([(0, 160), (0, 120), (90, 96), (170, 110), (240, 130), (240, 160)], fill=(60, 140, 50))
    draw.rectangle([186, 70, 196, 124], fill=(90, 60, 30))  # a tree on the right
    draw.ellipse([166, 36, 216, 86], fill=(30, 100, 40))
    draw.rectangle([100, 110, 130, 134], fill=(200, 60, 50))  # a house, its door off-centre
    draw.polygon([(96, 110), (115, 94), (134, 110)], fill=(120, 40, 30))
    draw.rectangle([104, 120, 111, 134], fill=(60, 40, 20))
    return image


def main() -> None:
    path = FILES / "park.png"
    landscape().save(path, optimize=True)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
