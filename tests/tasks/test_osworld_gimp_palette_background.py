"""OSWorld's check_palette_and_structure_sim and check_green_background on pictures made here with
Pillow: the park made indexed (a palette) and a black object on white given a green background score
1; the park left in RGB, another picture made indexed, a background left white or half green, and
pictures of another size score 0; and task files naming them load and judge the exported picture."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from palaestra.tasks.desktop.base import DesktopOutcome, DesktopTask
from palaestra.tasks.desktop.osworld import BUNDLED, load_task
from palaestra.tasks.desktop.osworld import image_metrics as m

PARK = BUNDLED / "files" / "park.png"
WHITE, GREEN, BLACK = (255, 255, 255), (40, 200, 60), (0, 0, 0)


def object_on(background: tuple[int, int, int], size: tuple[int, int] = (120, 80)) -> Image.Image:
    """A black object (a disc and a bar) on a plain background, as GIMP flattens an object layer
    over a background layer: its edges anti-aliased (each edge pixel partly covered)."""
    mask = Image.new("L", (size[0] * 4, size[1] * 4), 0)
    draw = ImageDraw.Draw(mask)
    draw.ellipse([40, 40, 200, 200], fill=255)
    draw.rectangle([260, 60, 300, 280], fill=255)
    coverage = mask.resize(size, Image.Resampling.BOX)
    return Image.composite(Image.new("RGB", size, BLACK), Image.new("RGB", size, background), coverage)


def palette_pictures(folder: Path) -> dict[str, Path]:
    park = Image.open(PARK).convert("RGB")
    other = Image.new("RGB", park.size, (200, 200, 200))
    ImageDraw.Draw(other).rectangle([20, 20, 120, 100], fill=(20, 20, 120))
    half_green = object_on(WHITE)
    half_green.paste(object_on(GREEN).crop((0, 0, 60, 80)), (0, 0))
    with_alpha = object_on(GREEN).convert("RGBA")
    made = {
        "park": park,
        "park_indexed": park.convert("P", palette=Image.Palette.ADAPTIVE, colors=256),
        "other_indexed": other.convert("P", palette=Image.Palette.ADAPTIVE, colors=64),
        "white": object_on(WHITE),
        "green": object_on(GREEN),
        "green_rgba": with_alpha,
        "half_green": half_green,
        "green_bigger": object_on(GREEN, (240, 160)),
    }
    paths = {}
    for name, image in made.items():
        paths[name] = folder / f"{name}.png"
        image.save(paths[name])
    paths["missing"] = folder / "missing.png"
    return paths


@pytest.fixture
def pictures(tmp_path: Path) -> dict[str, Path]:
    return palette_pictures(tmp_path)


def test_palette_needs_indexed_colours_and_the_same_picture(pictures: dict[str, Path]) -> None:
    p = pictures
    assert Image.open(p["park_indexed"]).mode == "P"
    assert m.check_palette_and_structure_sim(p["park_indexed"], p["park"]) == 1.0
    assert m.check_palette_and_structure_sim(p["park"], p["park"]) == 0.0  # still RGB
    assert m.check_palette_and_structure_sim(p["other_indexed"], p["park"]) == 0.0  # another picture
    assert m.check_palette_and_structure_sim(p["missing"], p["park"]) == 0.0
    assert m.check_palette_and_structure_sim(p["park_indexed"], p["missing"]) == 0.0


def test_green_background_wherever_the_original_is_not_black(pictures: dict[str, Path]) -> None:
    p = pictures
    assert m.check_green_background(p["green"], p["white"]) == 1.0
    assert m.check_green_background(p["green_rgba"], p["white"]) == 1.0
    assert m.check_green_background(p["white"], p["white"]) == 0.0  # left white
    assert m.check_green_background(p["half_green"], p["white"]) == 0.0
    assert m.check_green_background(p["green_bigger"], p["white"]) == 0.0  # another size
    assert m.check_green_background(p["missing"], p["white"]) == 0.0
    assert m.check_green_background(p["green"], p["missing"]) == 0.0


def task_file(folder: Path, func: str, original: str, exported: str) -> Path:
    data = {
        "id": "734d6579-c07d-47a8-9ae2-13339795476b",
        "snapshot": "gimp",
        "instruction": "Edit the picture and export it to the desktop.",
        "config": [{"type": "launch", "parameters": {"command": ["gimp", f"/home/user/Desktop/{original}"]}}],
        "related_apps": ["gimp"],
        "evaluator": {
            "func": func,
            "expected": {"type": "vm_file", "path": f"/home/user/Desktop/{original}", "dest": original},
            "result": {"type": "vm_file", "path": f"/home/user/Desktop/{exported}", "dest": exported},
        },
    }
    (folder / "task.json").write_text(json.dumps(data))
    return folder / "task.json"


@pytest.mark.parametrize(
    ("func", "original", "right", "wrong"),
    [
        ("check_palette_and_structure_sim", "park", "park_indexed", "park"),
        ("check_green_background", "white", "green", "half_green"),
    ],
)
def test_a_task_judges_the_exported_picture(
    tmp_path: Path, pictures: dict[str, Path], func: str, original: str, right: str, wrong: str
) -> None:
    task = load_task(task_file(tmp_path, func, "original.png", "exported.png"))
    judges_the_export(tmp_path, task, pictures[original], pictures[right], pictures[wrong])


def judges_the_export(tmp_path: Path, task: DesktopTask, original: Path, right: Path, wrong: Path) -> None:
    """A GIMP task given ``original.png`` on the Desktop fails with no ``exported.png`` and with the
    wrong one, and succeeds with the right one (shared with test_osworld_gimp_picture_checks)."""
    desktop = tmp_path / "home" / "Desktop"
    desktop.mkdir(parents=True)
    (desktop / "original.png").write_bytes(original.read_bytes())
    outcome = DesktopOutcome(home=tmp_path / "home", elements=[], windows=[], messages=[])
    assert task.evaluate(outcome).reward == 0.0  # nothing exported yet
    (desktop / "exported.png").write_bytes(wrong.read_bytes())
    assert task.evaluate(outcome).reward == 0.0
    (desktop / "exported.png").write_bytes(right.read_bytes())
    assert task.evaluate(outcome).success
