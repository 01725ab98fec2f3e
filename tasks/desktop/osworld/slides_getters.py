"""OSWorld's Impress getters: the picture a slide's background shows (``background_image_in_slide``)
and the sound a slide plays (``audio_in_slide``), taken out of the deck the agent saved so that
``compare_images`` / ``compare_audios`` can compare them with the expected file.

The spec names the deck (``ppt_file_path``, a .pptx in HOME) and the slide (``slide_index``, from
0). A picture or sound stored in the deck is copied out of it into a private folder of the judging
process (removed when it exits; each distinct file once, by its content's digest); one the deck
only links to is read where it lies, when that is in HOME. None when the deck, the slide, its
background picture or its sound is missing.
"""

from __future__ import annotations

import atexit
import hashlib
import posixpath
import shutil
import tempfile
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from typing import Any

from palaestra.tasks.desktop.base import DesktopOutcome
from palaestra.tasks.desktop.osworld.errors import OSWorldTaskError, PathOutsideHomeError
from palaestra.tasks.desktop.osworld.getters import FilePath, Getter, Place
from palaestra.tasks.desktop.osworld.paths import home_relative

PRESENTATION_NS = "http://schemas.openxmlformats.org/presentationml/2006/main"
DRAWING_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
RELATIONSHIP_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_NS = "http://schemas.openxmlformats.org/package/2006/relationships"

_folder: list[Path] = []


def _private_folder() -> Path:
    """This process's folder for the files taken out of decks, made on first use."""
    if not _folder:
        made = Path(tempfile.mkdtemp(prefix="palaestra-slide-media-"))
        atexit.register(shutil.rmtree, made, True)
        _folder.append(made)
    return _folder[0]


def _relations(deck: zipfile.ZipFile, slide: int) -> list[dict[str, str]]:
    name = f"ppt/slides/_rels/slide{slide + 1}.xml.rels"
    if name not in deck.namelist():
        return []
    root = ET.fromstring(deck.read(name))
    return [dict(rel.attrib) for rel in root.iter(f"{{{PACKAGE_NS}}}Relationship")]


def _background_id(deck: zipfile.ZipFile, slide: int) -> str | None:
    """The relationship id of the picture filling the slide's background, if any."""
    name = f"ppt/slides/slide{slide + 1}.xml"
    if name not in deck.namelist():
        return None
    for background in ET.fromstring(deck.read(name)).iter(f"{{{PRESENTATION_NS}}}bgPr"):
        for blip in background.iter(f"{{{DRAWING_NS}}}blip"):
            return blip.get(f"{{{RELATIONSHIP_NS}}}embed")
    return None


def _target(deck: zipfile.ZipFile, relation: dict[str, str], outcome: DesktopOutcome) -> FilePath | None:
    """The file a relationship points to: a part of the deck, copied out; or a linked file in HOME."""
    target = relation.get("Target", "")
    if relation.get("TargetMode") != "External" and not target.startswith("file://"):
        part = posixpath.normpath(posixpath.join("ppt/slides", target)).lstrip("/")
        if part not in deck.namelist():
            return None
        data = deck.read(part)
        copy = _private_folder() / (hashlib.sha256(data).hexdigest()[:32] + posixpath.splitext(part)[1])
        if not copy.exists():
            copy.write_bytes(data)
        return FilePath(copy)
    try:
        linked = outcome.path(home_relative(target.removeprefix("file://"), "", ""))
    except PathOutsideHomeError:  # a link the agent made to a file outside HOME is not read
        return None
    return FilePath(linked) if linked.is_file() else None


def _slide_media(spec: dict[str, Any], place: Place, background: bool) -> Getter:
    kind = "background_image_in_slide" if background else "audio_in_slide"
    relative = home_relative(spec.get("ppt_file_path"), place.source, place.where)
    slide = spec.get("slide_index", 0)
    if not isinstance(slide, int) or isinstance(slide, bool) or slide < 0:
        raise OSWorldTaskError(
            place.source, place.where, f"`{kind}` needs a `slide_index` from 0, got {slide!r}"
        )

    def read(outcome: DesktopOutcome) -> FilePath | None:
        path = outcome.path(relative)
        if not path.is_file():
            return None
        try:
            with zipfile.ZipFile(path) as deck:
                relations = _relations(deck, slide)
                if background:
                    wanted = _background_id(deck, slide)
                    found = [r for r in relations if "image" in r.get("Type", "") and r.get("Id") == wanted]
                else:
                    found = [r for r in relations if "audio" in r.get("Type", "")]
                return _target(deck, found[0], outcome) if found else None
        except (OSError, KeyError, zipfile.BadZipFile, ET.ParseError):
            return None

    return Getter(kind, read)


GETTERS = {
    "background_image_in_slide": lambda spec, place: _slide_media(spec, place, background=True),
    "audio_in_slide": lambda spec, place: _slide_media(spec, place, background=False),
}
