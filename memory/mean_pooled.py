"""A sentence-transformers model of the plain kind (a transformer, mean pooling, L2 normalisation)
run through `transformers` alone.

Importing `sentence_transformers` costs every process that embeds about 1.5-2 CPU-seconds more than
`transformers` does: it imports scikit-learn, SciPy's statistics and pandas for utilities the
embedder never calls. Every benchmark script, run worker of a memory agent and CLI command that
embeds paid it. For a model whose `modules.json` says it is exactly that plain pipeline (MiniLM,
mpnet), `MeanPooledEncoder` computes the same vectors itself, bit for bit: the same tokenizer call
(padding to the batch's longest, truncation at the model's `max_seq_length`), the same batches (texts
sorted by length, longest first, as sentence-transformers sorts them), the same pooling arithmetic.
Any other model still loads through sentence-transformers.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import torch

TRANSFORMER = "sentence_transformers.models.Transformer"
POOLING = "sentence_transformers.models.Pooling"
NORMALIZE = "sentence_transformers.models.Normalize"


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def is_mean_pooled(folder: Path) -> bool:
    """Whether the model in `folder` is a transformer, mean pooling over its tokens only, then
    normalisation, with no lower-casing: what `MeanPooledEncoder` computes."""
    try:
        modules = _read_json(folder / "modules.json")
        types = [m["type"] for m in modules]
        if types != [TRANSFORMER, POOLING, NORMALIZE] or modules[0]["path"] != "":
            return False
        pooling = _read_json(folder / modules[1]["path"] / "config.json")
        config = _read_json(folder / "sentence_bert_config.json")
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return False
    modes = {k: v for k, v in pooling.items() if k.startswith("pooling_mode_")}
    only_mean = modes.get("pooling_mode_mean_tokens") is True and not any(
        v for k, v in modes.items() if k != "pooling_mode_mean_tokens"
    )
    known = set(pooling) <= {"word_embedding_dimension", "include_prompt", *modes}
    plain = set(config) <= {"max_seq_length", "do_lower_case"} and not config.get("do_lower_case")
    return only_mean and known and plain and isinstance(config.get("max_seq_length"), int)


class MeanPooledEncoder(torch.nn.Module):
    """The model's transformer and tokenizer, with `encode` as sentence-transformers' (the arguments
    the embedder passes). A `torch.nn.Module`, so that an int8 copy is made of it as of a
    `SentenceTransformer` (`routing/dense.py`)."""

    def __init__(self, folder: Path, device: str = "cpu") -> None:
        super().__init__()
        from transformers import AutoModel, AutoTokenizer

        config = _read_json(folder / "sentence_bert_config.json")
        self.max_seq_length = int(config["max_seq_length"])
        self.tokenizer = AutoTokenizer.from_pretrained(str(folder))
        self.transformer = AutoModel.from_pretrained(str(folder)).to(device).eval()
        self.device_name = device

    def get_embedding_dimension(self) -> int:
        return int(self.transformer.config.hidden_size)

    @torch.inference_mode()
    def encode(
        self,
        texts: list[str],
        *,
        batch_size: int,
        normalize_embeddings: bool,
        show_progress_bar: bool = False,
    ) -> np.ndarray:
        """Embeddings of `texts` in their order, batched longest first (as sentence-transformers)."""
        del show_progress_bar  # accepted for the same call; nothing is shown
        self.eval()
        order = np.argsort([-len(text) for text in texts])
        rows: list[torch.Tensor] = []
        for start in range(0, len(texts), batch_size):
            batch = [texts[i] for i in order[start : start + batch_size]]
            rows.extend(self._embed(batch, normalize_embeddings))
        return torch.stack([rows[i] for i in np.argsort(order)]).cpu().numpy()

    def _embed(self, texts: list[str], normalize: bool) -> torch.Tensor:
        features = self.tokenizer(
            texts, padding=True, truncation=True, max_length=self.max_seq_length, return_tensors="pt"
        ).to(self.device_name)
        tokens = self.transformer(**features)[0]
        mask = features["attention_mask"].unsqueeze(-1).to(tokens.dtype)
        pooled = (tokens * mask).sum(dim=1) / torch.clamp(mask.sum(dim=1), min=1e-9)
        unit = torch.nn.functional.normalize(pooled, p=2, dim=1)  # the model's Normalize module
        return torch.nn.functional.normalize(unit, p=2, dim=1) if normalize else unit  # encode's, again
