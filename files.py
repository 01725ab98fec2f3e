"""Files written whole or not at all.

Runs are killed, disks fill and exports fail half-way: a reader must never find half a record,
HAR file, export or model file where a whole one belongs. Everything that writes such a file goes
through `written_whole`: it writes beside the target under a hidden unique name, flushes it to
disk and renames it onto the target (atomic on POSIX), or removes it if anything failed. Folders
that must appear whole (exemplar memories) use `palaestra.memory.persist.write_atomically`.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Literal, overload


@overload
def written_whole(
    path: Path, *, binary: Literal[False] = ...
) -> contextlib.AbstractContextManager[IO[str]]: ...
@overload
def written_whole(path: Path, *, binary: Literal[True]) -> contextlib.AbstractContextManager[IO[bytes]]: ...
def written_whole(
    path: Path, *, binary: bool = False
) -> contextlib.AbstractContextManager[IO[str] | IO[bytes]]:
    """A file to write `path`'s new content into; it becomes `path` when the block ends without an
    error, and nothing of it remains when it raises (the previous `path`, if any, is kept)."""
    return _written_whole(Path(path), binary)


@contextlib.contextmanager
def _written_whole(path: Path, binary: bool) -> Iterator[IO[str] | IO[bytes]]:
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    temporary = Path(name)
    try:
        with os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8") as file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def write_whole(path: Path, content: str | bytes) -> None:
    """`path` holding `content`, written whole or not at all (see `written_whole`)."""
    if isinstance(content, bytes):
        with written_whole(path, binary=True) as file:
            file.write(content)
    else:
        with written_whole(path) as text:
            text.write(content)
