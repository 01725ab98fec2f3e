"""Observations written down whole, so that an episode can be inspected long after it ran.

The text file of a step (`obs-NNN.txt`) is what a person reads in the report; the record beside it
(`obs-NNN.json.gz`) keeps every key of the observation but the pixels: the accessibility tree and
the DOM, the element records with their boxes, the URL and tabs, the focused element, the last
action's error and the tools. The UI draws element boxes on the screenshot from it, diffs steps,
and recomputes what an agent derives from an observation (the Synapse state abstraction, an
exemplar step). Gzip at its fastest level: a MiniWoB++ page's record is a few kB, a large site's
DOM shrinks about tenfold, and the writer thread spends about a millisecond on it.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

#: Bump when the record's layout changes; readers accept older records they know.
RECORD_FORMAT = 1
RECORD_SUFFIX = ".json.gz"
#: A record larger than this once decompressed is refused (a damaged or hostile file).
MAX_RECORD_BYTES = 64_000_000


def record_name(text_name: str) -> str:
    """The record's file name beside an observation's text file: `obs-003.txt` → `obs-003.json.gz`."""
    stem = text_name[: -len(".txt")] if text_name.endswith(".txt") else text_name
    return stem + RECORD_SUFFIX


def observation_record(obs: Any) -> dict[str, Any]:
    """Every key of ``obs`` that is not an image, as JSON-able values."""
    record: dict[str, Any] = {"format": RECORD_FORMAT}
    for key, value in dict(obs).items():
        if isinstance(value, np.ndarray):
            continue
        record[key] = value
    return record


def save_observation(record: dict[str, Any], path: Path, redact: Callable[[str], str] | None = None) -> None:
    """Write ``record`` gzipped to ``path``; ``redact`` is applied to its JSON text (secrets)."""
    text = json.dumps(record, default=str, ensure_ascii=False)
    data = (redact(text) if redact else text).encode("utf-8")
    path.write_bytes(gzip.compress(data, compresslevel=1, mtime=0))


def load_observation(path: Path) -> dict[str, Any]:
    """A record written by `save_observation`; ValueError if it is damaged or too large."""
    with gzip.open(path, "rb") as f:
        try:
            data = f.read(MAX_RECORD_BYTES + 1)
        except (OSError, EOFError) as exc:
            raise ValueError(f"{path.name} is not a readable gzip file ({exc})") from None
    if len(data) > MAX_RECORD_BYTES:
        raise ValueError(f"{path.name} is larger than {MAX_RECORD_BYTES:,} bytes once decompressed")
    record = json.loads(data.decode("utf-8", errors="replace"))
    if not isinstance(record, dict):
        raise ValueError(f"{path.name} does not hold an observation record")
    return record
