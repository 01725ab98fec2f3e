"""OSWorld's Impress getters (`slides_getters`): a slide's background picture and its sound, taken out
of real decks written here with python-pptx, then judged by ``compare_images`` and ``compare_audios``
as OSWorld's tasks pair them; a deck without them, or no deck, reads None and scores 0."""

from __future__ import annotations

import io
import json
import math
import struct
import wave
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw
from pptx import Presentation
from pptx.opc.package import Part
from pptx.opc.packuri import PackURI
from pptx.oxml import parse_xml

from palaestra.tasks.desktop.base import DesktopOutcome
from palaestra.tasks.desktop.osworld import OSWorldTaskError, load_task

AUDIO = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/audio"
NAMESPACES = (
    'xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
)


def png(colour: str) -> bytes:
    image = Image.new("RGB", (96, 64), "white")
    ImageDraw.Draw(image).ellipse((20, 10, 76, 54), fill=colour)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def tone(hertz: float) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as sound:
        sound.setnchannels(1)
        sound.setsampwidth(2)
        sound.setframerate(16000)
        frames = (int(12000 * math.sin(2 * math.pi * hertz * i / 16000)) for i in range(16000))
        sound.writeframes(b"".join(struct.pack("<h", f) for f in frames))
    return out.getvalue()


def deck(path: Path, background: bytes | None = None, sound: bytes | None = None) -> Path:
    """A two-slide deck whose second slide has ``background`` as its background picture and plays
    ``sound``, stored in the deck as Impress stores them."""
    made = Presentation()
    made.slides.add_slide(made.slide_layouts[6])
    slide = made.slides.add_slide(made.slide_layouts[6])
    if background is not None:
        _, picture = slide.part.get_or_add_image_part(io.BytesIO(background))
        fill = f'<a:blipFill><a:blip r:embed="{picture}"/><a:stretch><a:fillRect/></a:stretch></a:blipFill>'
        slide._element.cSld.insert(
            0, parse_xml(f"<p:bg {NAMESPACES}><p:bgPr>{fill}<a:effectLst/></p:bgPr></p:bg>")
        )
    if sound is not None:
        media = Part(PackURI("/ppt/media/media1.wav"), "audio/x-wav", made.part.package, sound)
        slide.part.relate_to(media, AUDIO)
    made.save(str(path))
    return path


def task(tmp_path: Path, name: str, evaluator: dict[str, Any]) -> Path:
    data = {
        "id": name,
        "snapshot": "libreoffice_impress",
        "instruction": "Decorate the second slide.",
        "config": [],
        "related_apps": ["libreoffice_impress"],
        "evaluator": evaluator,
    }
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(data))
    return path


def getter(kind: str, slide: object = 1) -> dict[str, Any]:
    return {
        "type": kind,
        "ppt_file_path": "/home/user/Desktop/talk.pptx",
        "slide_index": slide,
        "dest": "out",
    }


@pytest.fixture
def home(tmp_path: Path) -> Path:
    (tmp_path / "home" / "Desktop").mkdir(parents=True)
    return tmp_path / "home"


def reward(tmp_path: Path, evaluator: dict[str, Any], home: Path) -> float:
    outcome = DesktopOutcome(home=home, elements=[], windows=[], messages=[])
    return load_task(task(tmp_path, "slide", evaluator)).evaluate(outcome).reward


def test_the_background_picture_is_taken_out_of_the_deck(tmp_path: Path, home: Path) -> None:
    (tmp_path / "gold.png").write_bytes(png("red"))
    evaluator = {
        "func": "compare_images",
        "result": getter("background_image_in_slide"),
        "expected": {"type": "cloud_file", "path": "gold.png", "dest": "gold.png"},
    }
    assert reward(tmp_path, evaluator, home) == 0.0  # no deck yet
    deck(home / "Desktop" / "talk.pptx")
    assert reward(tmp_path, evaluator, home) == 0.0  # no background picture
    deck(home / "Desktop" / "talk.pptx", background=png("blue"))
    assert reward(tmp_path, evaluator, home) < 1.0
    deck(home / "Desktop" / "talk.pptx", background=png("red"))
    assert reward(tmp_path, evaluator, home) == 1.0
    on_first = dict(evaluator, result=getter("background_image_in_slide", 0))
    assert reward(tmp_path, on_first, home) == 0.0  # the first slide has none


def test_the_slides_sound_is_taken_out_of_the_deck(tmp_path: Path, home: Path) -> None:
    (tmp_path / "gold.wav").write_bytes(tone(440))
    evaluator = {
        "func": "compare_audios",
        "result": getter("audio_in_slide"),
        "expected": {"type": "cloud_file", "path": "gold.wav", "dest": "gold.wav"},
    }
    assert reward(tmp_path, evaluator, home) == 0.0
    deck(home / "Desktop" / "talk.pptx", sound=tone(440))
    assert reward(tmp_path, evaluator, home) > 0.9
    deck(home / "Desktop" / "talk.pptx")
    assert reward(tmp_path, evaluator, home) == 0.0


def test_a_bad_slide_index_is_refused_at_load(tmp_path: Path) -> None:
    evaluator = {
        "func": "compare_images",
        "result": getter("audio_in_slide", "2"),
        "expected": getter("audio_in_slide"),
    }
    with pytest.raises(OSWorldTaskError, match="slide_index"):
        load_task(task(tmp_path, "bad", evaluator))
    elsewhere = dict(getter("audio_in_slide"), ppt_file_path="/etc/talk.pptx")
    with pytest.raises(OSWorldTaskError, match=r"/etc/talk\.pptx"):
        load_task(
            task(tmp_path, "out", {"func": "compare_audios", "result": elsewhere, "expected": elsewhere})
        )
