"""MiniLM through `transformers` alone (`memory/mean_pooled.py`) gives sentence-transformers' vectors
bit for bit, float and int8 alike, so memories saved by either open with the other; a model of
another shape still loads through sentence-transformers."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch

from palaestra.memory import SentenceTransformerEmbedder
from palaestra.memory.embedders import default_minilm_path
from palaestra.memory.mean_pooled import MeanPooledEncoder, is_mean_pooled

#: Lengths from nothing to past the model's 256 tokens, ties among them (the batches' order),
#: spaces at the ends, other scripts: more texts than a batch holds.
TEXTS = [
    "",
    "click",
    "  Click the OK button  ",
    "Enter the date 12/03/2016 into the field",
    "Select 'Blue' from the list, then press Submit.",
    "Ünïcödé — 東京 — ‹quotes›",
    "abc",
    "xyz",
    "the same length!",
    "the same length?",
    *(f"task {i}: " + "type the word and press enter " * (i % 7) for i in range(30)),
    "a much longer text that runs past the model's window " * 40,
]


def test_minilm_gives_sentence_transformers_vectors_bit_for_bit() -> None:
    from sentence_transformers import SentenceTransformer

    folder = default_minilm_path()
    assert is_mean_pooled(folder)
    torch.set_num_threads(1)
    ours, theirs = MeanPooledEncoder(folder), SentenceTransformer(str(folder), device="cpu")
    for normalize in (True, False):
        mine = ours.encode(TEXTS, batch_size=8, normalize_embeddings=normalize)
        reference = theirs.encode(
            TEXTS, batch_size=8, normalize_embeddings=normalize, show_progress_bar=False
        )
        assert mine.shape == (len(TEXTS), 384) and mine.dtype == np.float32
        assert np.array_equal(mine, reference)
    assert ours.get_embedding_dimension() == theirs.get_embedding_dimension() == 384
    int8 = [
        torch.ao.quantization.quantize_dynamic(copy.deepcopy(m), {torch.nn.Linear}, dtype=torch.qint8)
        for m in (ours, theirs)
    ]
    small = [m.encode(TEXTS, batch_size=8, normalize_embeddings=True, show_progress_bar=False) for m in int8]
    assert np.array_equal(small[0], small[1]) and not np.array_equal(small[0], mine)


def test_the_embedder_loads_minilm_without_sentence_transformers() -> None:
    probe = (
        "import sys\n"
        "from palaestra.memory import SentenceTransformerEmbedder\n"
        "vectors = SentenceTransformerEmbedder(num_threads=1).embed(['click the button'])\n"
        "print(vectors.shape, 'sentence_transformers' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["(1,", "384)", "False"], done.stdout


def test_a_model_of_another_shape_loads_through_sentence_transformers(tmp_path: Path) -> None:
    folder = tmp_path / "cls-pooled"
    shutil.copytree(default_minilm_path(), folder)
    pooling = folder / "1_Pooling" / "config.json"
    config = json.loads(pooling.read_text())
    pooling.write_text(
        json.dumps({**config, "pooling_mode_mean_tokens": False, "pooling_mode_cls_token": True})
    )
    assert not is_mean_pooled(folder)
    embedder = SentenceTransformerEmbedder(folder, num_threads=1)
    assert type(embedder.model).__name__ == "SentenceTransformer"
    assert embedder.embed(["click"]).shape == (1, 384)
