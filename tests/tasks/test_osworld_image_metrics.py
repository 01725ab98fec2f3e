"""OSWorld's GIMP metrics on real picture files: the bundled park.png and edits of it written with
Pillow (flipped, scaled, darkened, saturated, contrasted, and a different picture), each metric
scoring 1 on the right edit and 0 on a wrong one; GIMP's gimprc as it writes it; the
gimp_config_file getter and an image task opening its picture in GIMP; and the typed load-time
errors for a metric misspelt, a bad rule, and a metric refused by name."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageEnhance, ImageOps

from palaestra.tasks.desktop.base import DesktopOutcome
from palaestra.tasks.desktop.osworld import BUNDLED, OSWorldTaskError, UnsupportedEvaluatorError, load_task
from palaestra.tasks.desktop.osworld import image_metrics as m
from palaestra.tasks.desktop.osworld.metrics import REFUSED_METRICS

PARK = BUNDLED / "files" / "park.png"


def edited_pictures(folder: Path) -> dict[str, Path]:
    """The park and its edits, as PNG files in ``folder`` (also the differential tests')."""
    park = Image.open(PARK).convert("RGB")
    other = Image.new("RGB", park.size, (200, 200, 200))
    draw = ImageDraw.Draw(other)
    for x in range(0, park.width, 20):
        draw.rectangle([x, 0, x + 9, park.height], fill=(20, 20, 20))
    edits = {
        "park": park,
        "mirror": ImageOps.mirror(park),
        "upside_down": ImageOps.flip(park),
        "half": park.resize((park.width // 2, park.height // 2), Image.Resampling.LANCZOS),
        "darker": ImageEnhance.Brightness(park).enhance(0.7),
        "lighter": ImageEnhance.Brightness(park).enhance(1.3),
        "saturated": ImageEnhance.Color(park).enhance(1.6),
        "grey": ImageEnhance.Color(park).enhance(0.4),
        "contrasted": ImageEnhance.Contrast(park).enhance(1.5),
        "flat": ImageEnhance.Contrast(park).enhance(0.6),
        "other": other,
    }
    paths = {}
    for name, image in edits.items():
        paths[name] = folder / f"{name}.png"
        image.save(paths[name])
    paths["jpeg"] = folder / "park.jpg"
    park.save(paths["jpeg"], quality=90)
    paths["missing"] = folder / "nothing.png"
    paths["not_a_picture"] = folder / "notes.png"
    paths["not_a_picture"].write_text("not a picture")
    return paths


@pytest.fixture
def pictures(tmp_path: Path) -> dict[str, Path]:
    return edited_pictures(tmp_path)


def test_ssim_is_one_for_the_same_picture_and_low_for_another(pictures: dict[str, Path]) -> None:
    park, other = m.load(pictures["park"]), m.load(pictures["other"])
    assert park is not None and other is not None
    assert m.ssim(park, park) == pytest.approx(1.0)
    assert m.ssim(park, other) < 0.5
    noisy = np.asarray(park, dtype=np.int16) + np.random.default_rng(0).integers(-60, 60, (160, 240, 3))
    assert m.ssim(park, Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8))) < m.SIMILAR


def test_structure_sim_and_file_exists(pictures: dict[str, Path]) -> None:
    p = pictures
    for metric in (m.check_structure_sim, m.check_file_exists_and_structure_sim):
        assert metric(p["jpeg"], p["park"]) == 1.0  # the same picture, saved lossily
        assert metric(p["other"], p["park"]) == 0.0
        assert metric(p["half"], p["park"]) == 0.0  # another size
        assert metric(p["missing"], p["park"]) == 0.0
        assert metric(p["not_a_picture"], p["park"]) == 0.0
        assert metric(None, p["park"]) == 0.0
    assert m.check_structure_sim_resized(p["half"], p["park"]) == 1.0
    assert m.check_structure_sim_resized(p["other"], p["park"]) == 0.0


def test_mirror_and_size(pictures: dict[str, Path]) -> None:
    p = pictures
    assert m.check_image_mirror(p["mirror"], p["park"]) == 1.0
    assert m.check_image_mirror(p["park"], p["park"]) == 0.0
    assert m.check_image_mirror(p["upside_down"], p["park"]) == 0.0
    assert m.check_image_mirror(p["missing"], p["park"]) == 0.0
    assert m.check_image_size(p["half"], {"width": 120, "height": 80}) == 1.0
    assert m.check_image_size(p["half"], {"height": 80}) == 1.0
    assert m.check_image_size(p["half"], {"width": 120, "height": None}) == 1.0
    assert m.check_image_size(p["park"], {"width": 120, "height": 80}) == 0.0
    assert m.check_image_size(p["park"], {"width": 240, "height": 80}) == 0.0
    assert m.check_image_size(p["missing"], {"width": 120}) == 0.0


def test_edits_that_keep_the_structure(pictures: dict[str, Path]) -> None:
    p = pictures
    cases = [
        (m.check_brightness_decrease_and_structure_sim, "darker", "lighter"),
        (m.check_saturation_increase_and_structure_sim, "saturated", "grey"),
        (m.check_contrast_increase_and_structure_sim, "contrasted", "flat"),
    ]
    for metric, right, wrong in cases:
        assert metric(p[right], p["park"]) == 1.0, metric.__name__
        assert metric(p[wrong], p["park"]) == 0.0, metric.__name__  # the other way
        assert metric(p["park"], p["park"]) == 0.0, metric.__name__  # unchanged
        assert metric(p["missing"], p["park"]) == 0.0, metric.__name__
    # darker, but another picture
    darker_other = ImageEnhance.Brightness(Image.open(p["other"])).enhance(0.5)
    darker_other.save(p["other"])
    assert m.check_brightness_decrease_and_structure_sim(p["other"], p["park"]) == 0.0


def test_image_lists_compare_pixels(pictures: dict[str, Path]) -> None:
    p = pictures
    assert m.compare_image_list([p["park"], p["mirror"]], [p["park"], p["mirror"]]) == 1.0
    assert m.compare_image_list([p["park"], p["jpeg"]], [p["park"], p["park"]]) == 0.0  # not pixel-equal
    assert m.compare_image_list([p["park"]], [p["park"], p["mirror"]]) == 0.0
    assert m.compare_image_list([p["park"], None], [p["park"], p["mirror"]]) == 0.0


#: A gimprc as GIMP 2.10 writes it on quitting (only the settings changed from the defaults).
GIMPRC = """# GIMP gimprc
#
# This is your personal gimprc file.  Any variable defined in this file takes
# precedence over the value defined in the system-wide gimprc.

(undo-levels 100)
(theme "Light")
(default-image
    (width 640)
    (height 400))

# end of gimprc
"""


def test_config_status_reads_gimprc(tmp_path: Path) -> None:
    rc = tmp_path / "gimprc"
    rc.write_text(GIMPRC)
    assert m.check_config_status(rc, {"type:": "key-value", "key": "undo-levels", "value": "100"}) == 1.0
    assert m.check_config_status(rc, {"key": "undo-levels", "value": "5"}) == 0.0
    assert m.check_config_status(rc, {"key": "theme", "value": "Light"}) == 1.0
    assert m.check_config_status(rc, {"key": "theme", "value": "Dark"}) == 0.0
    assert m.check_config_status(rc, {"key": "width", "value": "640"}) == 0.0  # nested, not a setting
    assert m.check_config_status(tmp_path / "none", {"key": "undo-levels", "value": "100"}) == 0.0


def task_file(folder: Path, evaluator: dict[str, Any], config: list[Any] | None = None) -> Path:
    data = {
        "id": "picture",
        "snapshot": "gimp",
        "instruction": "Do it.",
        "config": config or [{"type": "launch", "parameters": {"command": ["gimp"]}}],
        "related_apps": ["gimp"],
        "evaluator": evaluator,
    }
    (folder / "task.json").write_text(json.dumps(data))
    return folder / "task.json"


def test_gimp_config_file_getter_and_pictures_open_in_gimp(tmp_path: Path) -> None:
    evaluator = {
        "func": "check_config_status",
        "result": {"type": "gimp_config_file", "file_name": "gimprc", "dest": "gimprc"},
        "expected": {"type": "rule", "rules": {"type:": "key-value", "key": "undo-levels", "value": "100"}},
    }
    task = load_task(task_file(tmp_path, evaluator, [{"type": "open", "parameters": {"path": "~/a.JPG"}}]))
    assert task.setup(__import__("random").Random(0)).apps == (("gimp", "~/a.JPG"),)
    home = tmp_path / "home"
    outcome = DesktopOutcome(home=home, elements=[], windows=[], messages=[])
    assert not task.evaluate(outcome).success  # GIMP has not written it
    (home / ".config/GIMP/2.10").mkdir(parents=True)
    (home / ".config/GIMP/2.10/gimprc").write_text(GIMPRC.replace("100", "50"))
    assert not task.evaluate(outcome).success
    (home / ".config/GIMP/2.10/gimprc").write_text(GIMPRC)
    assert task.evaluate(outcome).success


EVAL = UnsupportedEvaluatorError
MIRROR = {
    "func": "check_image_mirror",
    "result": {"type": "vm_file", "path": "/home/user/b.png"},
    "expected": {"type": "vm_file", "path": "/home/user/a.png"},
}
REFUSED = [
    ({**MIRROR, "func": "check_sharpness"}, EVAL, "Did you mean: `check_sharper`"),
    ({**MIRROR, "func": "check_image_mirorr"}, EVAL, "Did you mean: `check_image_mirror`"),
    (
        {**MIRROR, "result": {"type": "gimp_config_file", "file_name": "../gimprc"}},
        OSWorldTaskError,
        "`file_name` must name a file of GIMP's settings folder",
    ),
    (
        {**MIRROR, "func": "check_config_status", "expected": {"type": "rule", "rules": {"key": "x"}}},
        OSWorldTaskError,
        r"needs rules with \['value'\]",
    ),
]


@pytest.mark.parametrize(("evaluator", "error", "message"), REFUSED)
def test_metrics_not_judged_here_are_refused_at_load(
    tmp_path: Path, evaluator: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        load_task(task_file(tmp_path, evaluator))


def test_a_metric_refused_by_name_says_why(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every OSWorld metric is judged now, so the reason a refused one gives is checked on one put in
    the registry of refused metrics for this test."""
    monkeypatch.setitem(REFUSED_METRICS, "check_pixel_art", "pixel art is not judged here")
    with pytest.raises(EVAL, match=r"metric `check_pixel_art` \(pixel art is not judged here\)"):
        load_task(task_file(tmp_path, {**MIRROR, "func": "check_pixel_art"}))
