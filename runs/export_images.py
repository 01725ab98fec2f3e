"""The images of exported model calls: TRL's vision-language rows and the image files beside them.

A call that sent images (a vision agent's screenshot, kept by the run: `runs.call_images`) is
written in the form TRL's `SFTTrainer` takes for vision-language models: every message's content a
list of parts, ``{"type": "text", "text": ...}`` and ``{"type": "image"}`` where an image was sent,
and the images, in order, in the row's ``file_names``: paths relative to the exported file, of the
copies made in the folder beside it (``train.jsonl``: ``train-images/``).

Why paths in ``file_names``: JSON cannot hold an image, and `datasets` decodes a path relative to
the process's working folder, not to the file naming it; its ``imagefolder`` loader reads a JSON
lines file as the rows' metadata, turns ``file_names`` into the ``images`` column TRL reads, of
``Image`` features, resolving each path against the file's folder (and refusing ``..`` and absolute
paths)::

    load_dataset("imagefolder", data_files="train.jsonl", metadata_filenames=["train.jsonl"])

A ``steps`` row (offline RL, behaviour cloning) carries the screenshot its step acted on (the run's
``shot-NNN.jpg``) the same way, copied into the same folder, but as one path in ``file_name``,
which ``imagefolder`` turns into an ``image`` column of ``Image`` features: a step acted on one
screen, never several, so each row decodes to one picture a policy's image processor takes as it
is (no list to unwrap), and TRL's collator reads an ``image`` as a one-image list too.

Images are copied, not linked: the export stays usable once the runs are moved or deleted. A copy
is named by its bytes' hash, so a screen sent in many calls (or exported from two runs) is one file.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from pathlib import Path
from typing import Any

from palaestra.runs.call_images import FILE_KEY, call_image, is_image_part

#: The row key naming a vision row's images (`datasets`' imagefolder makes it the ``images`` column).
IMAGES_KEY = "file_names"
#: The key naming a steps row's screenshot (`datasets`' imagefolder makes it the ``image`` column).
IMAGE_KEY = "file_name"


def images_folder(out: Path) -> Path:
    """The folder beside ``out`` its images are copied to: ``train.jsonl`` -> ``train-images``."""
    return out.with_name(f"{out.stem}-images")


class ImageSink:
    """Copies images into a hidden folder beside the export, moved onto `images_folder(out)` when
    the export completes (replacing an earlier one), and removed if it fails."""

    def __init__(self, out: Path) -> None:
        self.final = images_folder(out)
        self.temporary = Path(
            tempfile.mkdtemp(prefix=f".{self.final.name}.", suffix=".partial", dir=out.parent)
        )
        self.count = 0

    def add(self, source: Path) -> str:
        """A copy of ``source`` in the folder, as a path relative to the exported file."""
        data = source.read_bytes()
        name = f"{hashlib.sha256(data).hexdigest()[:32]}{source.suffix.lower()}"
        copy = self.temporary / name
        if not copy.exists():
            copy.write_bytes(data)
            self.count += 1
        return f"{self.final.name}/{name}"

    def __enter__(self) -> ImageSink:
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        if exc_type is None and self.count:
            if self.final.is_dir():
                shutil.rmtree(self.final)
            self.temporary.rename(self.final)
        else:
            shutil.rmtree(self.temporary, ignore_errors=True)


def vision_messages(
    messages: list[dict[str, Any]], folder: Path, sink: ImageSink, where: str
) -> tuple[list[dict[str, Any]], list[str], int]:
    """``messages`` as TRL's vision-language messages, the paths of their images (relative to the
    exported file) and how many image parts had no recorded file and were left out (an address
    sent as is, a run recorded before images were kept)."""
    out, paths, dropped = [], [], 0
    for message in messages:
        content = message.get("content")
        parts: list[dict[str, Any]] = []
        if isinstance(content, list):
            for part in content:
                if is_image_part(part):
                    if part.get(FILE_KEY) is None:
                        dropped += 1
                        continue
                    paths.append(sink.add(call_image(folder, part[FILE_KEY], where)))
                    parts.append({"type": "image"})
                elif isinstance(part, dict) and part.get("type") == "text":
                    parts.append({"type": "text", "text": str(part.get("text", ""))})
        else:
            parts.append({"type": "text", "text": "" if content is None else str(content)})
        out.append({"role": message.get("role", "user"), "content": parts})
    return out, paths, dropped


def text_parts(answer: str) -> list[dict[str, Any]]:
    """An answer as a vision row's content: one text part (a file's contents all take one form)."""
    return [{"type": "text", "text": answer}]


def step_screenshot(folder: Path, step: dict[str, Any], sink: ImageSink, where: str) -> str | None:
    """The screenshot a recorded step acted on, copied into ``sink`` (its path relative to the
    exported file); None when the run recorded none (``--no-screenshots``). A recorded name that
    is not a file of the episode's folder is refused as a call's image is (`call_image`)."""
    name = step.get("screenshot")
    if not name:
        return None
    return sink.add(call_image(folder, name, where))
