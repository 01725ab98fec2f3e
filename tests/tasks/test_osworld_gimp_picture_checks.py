"""OSWorld's check_triangle_position, check_textbox_on_leftside, check_sharper and
check_image_file_size on pictures made here with Pillow: a yellow triangle centred passes and one off
centre fails; black text at the left edge of an orange picture passes and text further right fails; the
park sharpened passes and the park blurred or unchanged fails; the park compressed under the limit
passes and the park over it fails; a missing file scores 0; and task files naming each load and judge
the exported picture."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

from palaestra.tasks.desktop.osworld import BUNDLED, load_task
from palaestra.tasks.desktop.osworld import picture_checks as m
from palaestra.tasks.desktop.osworld.errors import OSWorldTaskError

from .test_osworld_gimp_palette_background import judges_the_export

PARK = BUNDLED / "files" / "park.png"
GREY, YELLOW, ORANGE, BLACK = (240, 240, 240), (250, 220, 40), (255, 165, 0), (0, 0, 0)
SIZE = (400, 300)
#: OSWorld's task asks for a picture within 500 KB.
LIMIT = {"max_size": 500_000}


def triangle(centre: tuple[int, int], smooth: bool = True) -> Image.Image:
    """A yellow triangle (about 100 pixels a side) on grey, its centroid at ``centre``; smooth, its
    edges anti-aliased (each edge pixel partly covered, as GIMP draws it), so the picture has many
    shades beside its two colours."""
    k = 4 if smooth else 1
    x, y = centre
    corners = [(x * k, (y - 60) * k), ((x - 52) * k, (y + 30) * k), ((x + 52) * k, (y + 30) * k)]
    mask = Image.new("L", (SIZE[0] * k, SIZE[1] * k), 0)
    ImageDraw.Draw(mask).polygon(corners, fill=255)
    coverage = mask.resize(SIZE, Image.Resampling.BOX)
    return Image.composite(Image.new("RGB", SIZE, YELLOW), Image.new("RGB", SIZE, GREY), coverage)


def text_box(left: int, background: tuple[int, ...] = ORANGE, mode: str = "RGB") -> Image.Image:
    """Black text (three lines, as a GIMP text layer) on a plain background, starting ``left``
    pixels from the left edge of a 400 x 200 picture."""
    image = Image.new(mode, (400, 200), background)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(("Shift me", "to the left", "please")):
        draw.text((left, 60 + 25 * i), line, fill=BLACK, font_size=20)
    return image


def photo(park: Image.Image) -> Image.Image:
    """The park at 720 x 480 with a photograph's grain (fixed seed): about 700 KB as PNG, about
    10 KB as a JPEG of quality 30."""
    big = np.asarray(park.resize((720, 480), Image.Resampling.BICUBIC), dtype=np.int16)
    grain = np.random.default_rng(0).integers(-12, 13, big.shape)
    return Image.fromarray(np.clip(big + grain, 0, 255).astype(np.uint8))


def shape_pictures(folder: Path) -> dict[str, Path]:
    park = Image.open(PARK).convert("RGB")
    made: dict[str, Image.Image] = {
        "centred": triangle((200, 150)),
        "centred_two_colours": triangle((200, 150), smooth=False),
        "off_centre": triangle((80, 90)),
        "off_centre_two_colours": triangle((80, 90), smooth=False),
        "low": triangle((200, 190)),  # centred left to right, 40 px (13% of the height) too low
        "plain": Image.new("RGB", SIZE, GREY),
        "text_left": text_box(4),
        "text_right": text_box(250),
        "text_near_left": text_box(30),  # 30 px: past the left 5% (20 px)
        # transparent, its hidden colour black: shown on white, only the text (on the right) is dark
        "text_right_transparent": text_box(250, (0, 0, 0, 0), "RGBA"),
        "park": park,
        "park_sharpened": park.filter(ImageFilter.UnsharpMask(radius=2, percent=150, threshold=0)),
        "park_blurred": park.filter(ImageFilter.GaussianBlur(1.5)),
        "photo": photo(park),
    }
    paths = {}
    for name, image in made.items():
        paths[name] = folder / f"{name}.png"
        image.save(paths[name])
    paths["photo_small"] = folder / "photo_small.jpg"
    made["photo"].save(paths["photo_small"], quality=30)
    paths["empty"] = folder / "empty.png"
    paths["empty"].write_bytes(b"")
    paths["missing"] = folder / "missing.png"
    return paths


@pytest.fixture
def pictures(tmp_path: Path) -> dict[str, Path]:
    return shape_pictures(tmp_path)


def test_the_triangle_must_sit_at_the_centre(pictures: dict[str, Path]) -> None:
    p = pictures
    assert m.check_triangle_position(p["centred"]) == 1.0
    assert m.check_triangle_position(p["centred_two_colours"]) == 1.0
    assert m.check_triangle_position(p["off_centre"]) == 0.0
    assert m.check_triangle_position(p["off_centre_two_colours"]) == 0.0
    assert m.check_triangle_position(p["low"]) == 0.0
    assert m.check_triangle_position(p["plain"]) == 0.0  # no shape at all
    assert m.check_triangle_position(p["missing"]) == 0.0
    assert m.check_triangle_position(p["empty"]) == 0.0


def test_the_text_must_start_at_the_left_edge(pictures: dict[str, Path]) -> None:
    p = pictures
    assert m.check_textbox_on_leftside(p["text_left"]) == 1.0
    assert m.check_textbox_on_leftside(p["text_right"]) == 0.0
    assert m.check_textbox_on_leftside(p["text_near_left"]) == 0.0
    assert m.check_textbox_on_leftside(p["text_right_transparent"]) == 0.0
    assert m.check_textbox_on_leftside(p["missing"]) == 0.0


def test_sharpness_is_the_laplacians_variance_as_opencv_computes_it(pictures: dict[str, Path]) -> None:
    for name in ("park", "park_sharpened", "park_blurred", "centred"):
        image = Image.open(pictures[name])
        gray = np.asarray(image.convert("L"))
        assert m.sharpness(image) == pytest.approx(float(np.var(cv2.Laplacian(gray, cv2.CV_64F))))
    for name in ("park", "park_sharpened"):  # OSWorld's grey levels, OpenCV's PNG reader's
        gray = cv2.imread(str(pictures[name]), cv2.IMREAD_GRAYSCALE)
        osworld = float(np.var(cv2.Laplacian(gray, cv2.CV_64F)))
        assert m.sharpness(Image.open(pictures[name])) == pytest.approx(osworld, rel=0.01)


def test_the_result_must_be_sharper_than_the_original(pictures: dict[str, Path]) -> None:
    p = pictures
    assert m.check_sharper(p["park_sharpened"], p["park"]) == 1.0
    assert m.check_sharper(p["park_blurred"], p["park"]) == 0.0
    assert m.check_sharper(p["park"], p["park"]) == 0.0  # saved unchanged
    assert m.check_sharper(p["missing"], p["park"]) == 0.0
    assert m.check_sharper(p["park_sharpened"], p["missing"]) == 0.0


def test_the_file_must_be_under_the_size_limit(pictures: dict[str, Path]) -> None:
    p = pictures
    small, large = p["photo_small"].stat().st_size, p["photo"].stat().st_size
    assert small < LIMIT["max_size"] < large
    assert m.check_image_file_size(p["photo_small"], LIMIT) == 1.0
    assert m.check_image_file_size(p["photo"], LIMIT) == 0.0
    assert m.check_image_file_size(p["photo_small"], {"max_size": small}) == 0.0  # strictly under
    assert m.check_image_file_size(p["photo_small"], {"max_size": small + 1}) == 1.0
    assert m.check_image_file_size(p["empty"], LIMIT) == 0.0  # small, but no picture
    assert m.check_image_file_size(p["missing"], LIMIT) == 0.0


ORIGINAL = {"type": "vm_file", "path": "/home/user/Desktop/original.png", "dest": "original.png"}


def task_file(folder: Path, func: str, exported: str, expected: dict[str, Any] | None) -> Path:
    evaluator: dict[str, Any] = {
        "func": func,
        "result": {"type": "vm_file", "path": f"/home/user/Desktop/{exported}", "dest": exported},
    }
    if expected is not None:
        evaluator["expected"] = expected
    data = {
        "id": "f4aec372-4fb0-4df5-a52b-79e0e2a5d6ce",
        "snapshot": "gimp",
        "instruction": "Edit the picture and export it to the desktop.",
        "config": [{"type": "launch", "parameters": {"command": ["gimp", ORIGINAL["path"]]}}],
        "related_apps": ["gimp"],
        "evaluator": evaluator,
    }
    (folder / "task.json").write_text(json.dumps(data))
    return folder / "task.json"


@pytest.mark.parametrize(
    ("func", "expected", "original", "right", "wrong"),
    [
        ("check_triangle_position", None, "off_centre", "centred", "off_centre"),
        ("check_textbox_on_leftside", None, "text_right", "text_left", "text_right"),
        ("check_sharper", ORIGINAL, "park", "park_sharpened", "park_blurred"),
        ("check_image_file_size", {"type": "rule", "rules": LIMIT}, "photo", "photo_small", "photo"),
    ],
)
def test_a_task_judges_the_exported_picture(
    tmp_path: Path,
    pictures: dict[str, Path],
    func: str,
    expected: dict[str, Any] | None,
    original: str,
    right: str,
    wrong: str,
) -> None:
    task = load_task(task_file(tmp_path, func, "exported.png", expected))
    judges_the_export(tmp_path, task, pictures[original], pictures[right], pictures[wrong])


@pytest.mark.parametrize("rules", [{}, {"max_size": "500KB"}, {"max_size": 0}, {"max_size": True}, [500000]])
def test_a_size_limit_that_is_not_a_positive_number_is_refused_at_load(tmp_path: Path, rules: object) -> None:
    with pytest.raises(OSWorldTaskError, match=r'check_image_file_size takes \{"max_size": BYTES\}'):
        load_task(task_file(tmp_path, "check_image_file_size", "a.png", {"type": "rule", "rules": rules}))
