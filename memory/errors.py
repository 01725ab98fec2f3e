"""Typed errors of the exemplar memory. Each names the problem and the fix."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from palaestra.errors import PalaestraError, did_you_mean


class ExemplarMemoryError(PalaestraError):
    """Base class of every error the exemplar memory raises on purpose.

    Not called ``MemoryError``: that builtin means out of RAM, something else entirely.
    """


class EmbedderMismatchError(ExemplarMemoryError, ValueError):
    """The embedder given to ``open`` is not the one the stored vectors were made with.

    Vectors from two models live in different spaces: searching one with the other returns
    confident nonsense, so this is refused rather than warned about.
    """

    def __init__(self, path: Path, stored: tuple[str, int], given: tuple[str, int]) -> None:
        self.stored, self.given = stored, given
        super().__init__(
            f"The memory at {path} was built with embedder `{stored[0]}` (dim {stored[1]}), but "
            f"`{given[0]}` (dim {given[1]}) was given. Open it with the same embedder "
            f"(or embedder=None to use the recorded one when it can be built offline), or migrate it "
            f"with ExemplarMemory.open(path, embedder=new_embedder, reembed=True) and then save()."
        )


class UnknownEmbedderError(ExemplarMemoryError, LookupError):
    """``open(embedder=None)`` found an embedder name it cannot rebuild without more settings."""

    def __init__(self, path: Path, name: str, dim: int) -> None:
        if name.startswith("openai:"):
            fix = (
                "Name the embeddings endpoint it was built with: export PALAESTRA_EMBED_BASE_URL="
                "http://HOST:PORT/v1 (and PALAESTRA_EMBED_API_KEY if it needs one), or pass it: "
                "ExemplarMemory.open(path, embedder=OpenAIEmbedder(...))."
            )
        else:
            fix = "Pass it explicitly: ExemplarMemory.open(path, embedder=...)."
        super().__init__(
            f"The memory at {path} was built with embedder `{name}` (dim {dim}), which cannot be "
            f"rebuilt from its name alone (it needs an endpoint or a model path). {fix}"
        )

    def __str__(self) -> str:
        return str(self.args[0])


class UnsupportedFormatError(ExemplarMemoryError, ValueError):
    """The directory was written by a format version this code does not read."""

    def __init__(self, path: Path, version: object, supported: Iterable[int]) -> None:
        super().__init__(
            f"The memory at {path} has format version {version!r}; this Palaestra reads "
            f"{sorted(supported)}. Upgrade Palaestra, or re-create the memory from its exemplars."
        )


class NotAMemoryError(ExemplarMemoryError, FileNotFoundError):
    """The path holds no memory (no ``meta.json``), or ``create`` would overwrite other files."""


class CorruptMemoryError(ExemplarMemoryError, RuntimeError):
    """The index and the database disagree: the directory was edited or damaged outside Palaestra."""


class UnknownFilterError(ExemplarMemoryError, KeyError):
    """A search filter or family key names a field that cannot be filtered on."""

    def __init__(self, key: str, known: Iterable[str]) -> None:
        known = sorted(known)
        super().__init__(
            f"Unknown filter field `{key}`.{did_you_mean(key, known)} Filterable fields: {', '.join(known)}."
        )

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0])


class ExemplarNotFoundError(ExemplarMemoryError, KeyError):
    """No exemplar has the given id."""

    def __init__(self, exemplar_id: str) -> None:
        super().__init__(
            f"No exemplar with id `{exemplar_id}`. Ids are returned by add(); list them with ids()."
        )

    def __str__(self) -> str:
        return str(self.args[0])


class InvalidExemplarError(ExemplarMemoryError, ValueError):
    """An exemplar that cannot be stored: empty goal, non-JSON trajectory, clashing id or content."""
