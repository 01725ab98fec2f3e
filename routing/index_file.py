"""A selector's index saved to one file and loaded back, so that a registry of thousands of tools
is embedded once rather than at every start (embedding is the slow part of indexing: a CPU forward
pass per text).

The file (`.npz`, written whole or not at all) holds each record, the text that was embedded for
it and its vector, with the name and size of the embedder that made the vectors. Loading refuses
a file made by another embedder (its vectors would not compare with this one's queries), and
re-embeds a record whose text this version of the selector would write differently. Learned
routes are not in the file: they live in the feedback store (`ApiSelector.learn_from`).
"""

from __future__ import annotations

import dataclasses
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from palaestra.files import written_whole

from .errors import RoutingError
from .records import Annotations, ApiRecord

FORMAT = 1


class IndexFileError(RoutingError, ValueError):
    """A saved selector index cannot be loaded (missing, damaged, or made by another embedder)."""


def record_to_json(record: ApiRecord) -> dict[str, Any]:
    """The record as JSON-able data (its annotations as an object, examples as a list)."""
    data = dataclasses.asdict(record)
    data["examples"] = list(record.examples)
    return data


def record_from_json(data: dict[str, Any]) -> ApiRecord:
    """The record `record_to_json` wrote."""
    fields = dict(data)
    fields["annotations"] = Annotations(**fields.get("annotations", {}))
    fields["examples"] = tuple(fields.get("examples", ()))
    return ApiRecord(**fields)


def write_index(
    path: Path, embedder: str, dim: int, items: list[tuple[ApiRecord, str]], vectors: np.ndarray
) -> None:
    """Save (record, embedded text) pairs with their vectors (row i is item i's)."""
    meta = {
        "format": FORMAT,
        "embedder": embedder,
        "dim": dim,
        "items": [{"record": record_to_json(r), "text": t} for r, t in items],
    }
    buffer = io.BytesIO()
    encoded = np.frombuffer(json.dumps(meta, ensure_ascii=False).encode("utf-8"), dtype=np.uint8)
    np.savez(buffer, meta=encoded, vectors=np.asarray(vectors, dtype=np.float32).reshape(-1, dim))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with written_whole(path, binary=True) as file:
        file.write(buffer.getvalue())


def read_index(path: Path, embedder: str, dim: int) -> tuple[list[tuple[ApiRecord, str]], np.ndarray]:
    """The saved (record, text) pairs and their vectors; `IndexFileError` naming the fix."""
    try:
        with np.load(Path(path), allow_pickle=False) as saved:
            meta = json.loads(bytes(saved["meta"]).decode("utf-8"))
            vectors = np.asarray(saved["vectors"], dtype=np.float32)
        items = [(record_from_json(i["record"]), str(i["text"])) for i in meta["items"]]
        saved_format, saved_embedder, saved_dim = meta["format"], meta["embedder"], meta["dim"]
    except FileNotFoundError as exc:
        raise IndexFileError(
            f"no saved selector index at {path}; save one with `selector.save(path)`."
        ) from exc
    except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile) as exc:
        raise IndexFileError(
            f"{path} is not a selector index saved by `ApiSelector.save` ({type(exc).__name__}: {exc}); "
            "delete it and index the registry again."
        ) from exc
    if saved_format != FORMAT:
        raise IndexFileError(
            f"{path} has index format {saved_format}; this version reads {FORMAT}. Save it again."
        )
    if saved_embedder != embedder or saved_dim != dim:
        raise IndexFileError(
            f"{path} was embedded by {saved_embedder} ({saved_dim} dimensions), not by this selector's "
            f"{embedder} ({dim}); load it into a selector with that embedder, or index the registry again."
        )
    if vectors.shape != (len(items), dim):
        raise IndexFileError(
            f"{path} holds {len(items)} records but {vectors.shape[0]} vectors; save it again."
        )
    return items, vectors
