"""What part of a box its computed ``clip-path`` or ``clip`` keeps (the values as Chromium writes
them), and that values it cannot read clip nothing."""

from __future__ import annotations

import pytest

from palaestra.envs.clip_shapes import clip_rect

BOX = (100.0, 100.0, 200.0, 150.0)  # 100 x 50


@pytest.mark.parametrize(
    ("clip_path", "clip", "position", "kept"),
    [
        ("inset(50%)", "auto", "static", (150, 125, 150, 125)),
        ("inset(10px 20px round 4px)", "auto", "static", (120, 110, 180, 140)),
        ("inset(0px 50% 0px 0px) border-box", "auto", "static", (100, 100, 150, 150)),
        ("circle(10px at 50% 50%)", "auto", "static", (140, 115, 160, 135)),
        ("circle(closest-side at 20px 25px)", "auto", "static", (100, 105, 140, 145)),
        ("ellipse(10% 20% at right top)", "auto", "static", (190, 90, 210, 110)),
        # Without radii (closest-side), as Chromium writes "ellipse(at left top)" and "circle(at ...)"
        ("ellipse(at 0% 0%)", "auto", "static", (100, 100, 100, 100)),
        ("ellipse(at 20px 10px)", "auto", "static", (100, 100, 140, 120)),
        ("circle(at 20px 10px)", "auto", "static", (110, 100, 130, 120)),
        ("polygon(evenodd, 0% 0%, 50% 0%, 50% 100%)", "auto", "static", (100, 100, 150, 150)),
        ("polygon(0px 0px, 0px 0px, 0px 0px)", "auto", "static", (100, 100, 100, 100)),
        ("none", "rect(0px, 0px, 0px, 0px)", "absolute", (100, 100, 100, 100)),
        ("none", "rect(1px, auto, auto, 2px)", "fixed", (102, 101, 200, 150)),
        ("inset(0px 0px 40px)", "rect(0px, 50px, auto, 0px)", "absolute", (100, 100, 150, 110)),
    ],
)
def test_the_rectangle_a_clip_keeps(
    clip_path: str, clip: str, position: str, kept: tuple[float, float, float, float]
) -> None:
    assert clip_rect(clip_path, clip, position, BOX) == pytest.approx(kept)


@pytest.mark.parametrize(
    ("clip_path", "clip", "position"),
    [
        ("none", "auto", "absolute"),
        ("none", "rect(0px, 0px, 0px, 0px)", "static"),  # clip applies to absolute boxes only
        ('url("#shape")', "auto", "static"),
        ("path('M 0 0 L 10 10')", "auto", "static"),
        ("inset(calc(10% + 2px))", "auto", "static"),
        ("polygon(0px 0px, 5px)", "auto", "static"),
    ],
)
def test_what_is_not_a_clip_or_cannot_be_read_clips_nothing(clip_path: str, clip: str, position: str) -> None:
    assert clip_rect(clip_path, clip, position, BOX) is None
