"""The images of an agent's model calls, kept beside the episode so a call can be exported as sent.

A vision agent sends its screenshot as an OpenAI ``image_url`` part holding a ``data:`` URL. A
trajectory line does not carry that URL (a screen as base64 in every line would swell every run
and every reader of it): `keep_call_images` writes the image's bytes, exactly as sent, to a file of
the episode's folder named by their hash (``img-<sha256>.png``: an unchanged screen sent again, or a
re-ask, costs no second file), and the recorded part names it::

    {"type": "image_url", "image_url": {"url": "(PNG, 81234 characters)"}, "file": "img-3f2a....png"}

Calls without images are recorded as before, so text-only runs are not larger. `palaestra export`
and the debugging UI read the file back (`call_image`): a recorded name is a plain file name of the
episode's folder, anything else (``..``, an absolute path, a folder, a link leading out of it) is
refused with `RecordedImageError`. The UI's prompt playground turns a file back into the ``data:``
URL the model was sent (`sent_url`), so a replayed vision prompt carries its images as they were.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

from palaestra.errors import PalaestraError
from palaestra.runs.artifacts import ArtifactPathError, confined

#: The recorded part's key naming its image file, and the media types kept (by their file suffix).
FILE_KEY = "file"
SUFFIXES = {"image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp", "image/gif": ".gif"}
#: The media type of each kept file (by its suffix): the inverse of `SUFFIXES`.
MEDIA_TYPES = {suffix: media for media, suffix in SUFFIXES.items()}
_DATA_URL = re.compile(r"^data:(?P<type>[\w.+/-]+);base64,", re.ASCII)

Save = Callable[[bytes, Path], None]


class RecordedImageError(PalaestraError, ValueError):
    """A recorded call names an image file outside its episode's folder, or one that is missing."""


class MissingRecordedImageError(RecordedImageError, FileNotFoundError):
    """The image a recorded call or step names is not in its episode's folder (a partial copy)."""


def is_image_part(part: Any) -> bool:
    return isinstance(part, dict) and part.get("type") == "image_url"


def image_url(part: dict[str, Any]) -> str:
    """The part's URL: OpenAI's ``{"url": ...}`` object, or the bare string some clients send."""
    image = part.get("image_url")
    return image if isinstance(image, str) else str((image or {}).get("url") or "")


def keep_call_images(
    messages: list[dict[str, Any]], folder: Path, save: Save | None, written: set[str]
) -> list[dict[str, Any]]:
    """``messages`` as a trajectory records them: each ``data:`` image replaced by its size and,
    when ``save`` is given, the name of the file its bytes are saved to in ``folder`` (``save`` is
    called once per new name; ``written`` holds the names saved already). Messages without images
    are returned as they are."""
    if not any(
        isinstance(m.get("content"), list) and any(map(is_image_part, m["content"])) for m in messages
    ):
        return messages
    out = []
    for message in messages:
        content = message.get("content")
        if isinstance(content, list):
            content = [_recorded(p, folder, save, written) if is_image_part(p) else p for p in content]
        out.append({**message, "content": content})
    return out


def _recorded(part: dict[str, Any], folder: Path, save: Save | None, written: set[str]) -> dict[str, Any]:
    url = image_url(part)
    found = _DATA_URL.match(url)
    if found is None:  # an address (https://...): nothing to keep, recorded as sent
        return part
    image = part.get("image_url")
    details: dict[str, Any] = image if isinstance(image, dict) else {}
    media = found["type"].lower()
    kind = media.rpartition("/")[2].upper()
    recorded = {**part, "image_url": {**details, "url": f"({kind}, {len(url)} characters)"}}
    if save is None:
        return recorded
    try:
        data = base64.b64decode(url[found.end() :], validate=True)
    except (binascii.Error, ValueError):
        return recorded  # not base64: the model was sent something unreadable; its size is kept
    name = f"img-{hashlib.sha256(data).hexdigest()}{SUFFIXES.get(media, '.bin')}"
    if name not in written:
        written.add(name)
        save(data, folder / name)
    recorded[FILE_KEY] = name
    return recorded


def call_image(folder: Path, name: object, where: str) -> Path:
    """The file a recorded image names (a call's image part, a step's screenshot), in the episode
    ``folder``; ``where`` says which call or step (for the error). A name that is not a plain file
    name, a link leading out of the folder, or a file that is missing, is refused."""
    text = str(name)
    parts = PurePosixPath(text.replace("\\", "/")).parts
    if not isinstance(name, str) or len(parts) != 1 or parts[0] in ("/", ".", ".."):
        raise RecordedImageError(
            f"{where}: the recorded image reference {name!r} is not a file name of the episode's folder "
            f"{folder} (no folders, `..` or absolute paths). Fix: the trajectory was altered or not "
            "written by Palaestra; re-run the episode, or export with --no-images."
        )
    try:
        path = confined(folder, text)  # a link planted in the folder must not lead out of it
    except ArtifactPathError:
        raise RecordedImageError(
            f"{where}: the recorded image {text} is a link to a file outside the episode's folder "
            f"{folder}. Fix: replace the link by the file, or export with --no-images."
        ) from None
    if not path.is_file():
        raise MissingRecordedImageError(
            f"{where}: the image {text} is missing from {folder}. Fix: copy the run with every file "
            "of its episodes' folders, or export with --no-images."
        )
    return path


def sent_url(path: Path) -> str:
    """The ``data:`` URL a kept image was sent as (the file holds the bytes the URL decoded to, so
    encoding them again gives the same characters); ``path`` is one `call_image` returned."""
    media = MEDIA_TYPES.get(path.suffix.lower())
    if media is None:
        raise RecordedImageError(
            f"{path.name} is not an image a model call sent ({', '.join(SUFFIXES.values())})."
        )
    return f"data:{media};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"
