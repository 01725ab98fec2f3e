"""Can the offline model itself decide abstention? An experiment: `python -m bench.routing_judge`.

The selector's abstain rule reads overlap statistics (best cosine, name and description overlap,
whether required parameters can be filled) and abstains on about 0.68 of BFCL's irrelevance
queries at a 4% false-abstention budget, against a target of 0.8. The obvious stronger judge that
runs here without an LLM is all-MiniLM-L6-v2 fine-tuned as a cross-encoder: it reads the query and
each candidate's name, description and required parameters together, so it can in principle see
"a train to Washington" lacks the origin the tool requires, or that "assist average" is not
"scoring average".

This script measures that, with the same split as bench.routing:
- each query's three best candidates come from the default selector over the query's own BFCL
  candidate list (what the abstain rule sees too);
- the cross-encoder is trained on 80% of the tuning half (pairs labelled by whether the candidate
  is gold; irrelevance queries' candidates are all negatives); its cut, and logistic blends of its
  score with the rule (its fit, or its four signals), are placed on the other 20% so that 4% of
  labelled queries abstain;
- everything is reported on the held-out half.

Two runs measured here, held-out half, irrelevance abstained / false abstentions on labelled
queries (the rule re-cut on the calibration part scores 0.685 / 3.8% in both):
- 2 epochs, lr 3e-5 (13 minutes on 2 cores): cross-encoder 0.59 / 3.1%, blend 0.75 / 4.6%;
- 3 epochs, lr 4e-5 (`--epochs 3 --lr 4e-5`, 20 minutes): cross-encoder 0.76 / 5.4%, blend with the
  rule's fit 0.79 / 5.0%, blend with its four signals 0.79 / 5.0%; the same with `--seed 1`:
  cross-encoder 0.67 / 6.6%, blends 0.77 / 5.7% and 0.78 / 5.8%.
The second setting was chosen after seeing the first run's held-out figures, and the seed alone
moves the blend by two points and its false abstentions past the 5% limit.
Near the target, not at it, and its weights would have to be trained and shipped: nothing here is
wired into the selector yet. The LLM re-ranker's "none fits" (`bench.routing --rerank`) is the
other route, and cannot be measured here.
"""

from __future__ import annotations

import argparse
import json
import random
import time
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bench.routing import CachingEmbedder, Query, half, log
from bench.routing_data import DEFAULT_CACHE, bfcl_files, read_queries, read_tools, tool_record
from bench.routing_tune import logistic_fit
from palaestra.memory.embedders import SentenceTransformerEmbedder, default_minilm_path
from palaestra.routing.dense import Int8Embedder
from palaestra.routing.records import ApiRecord
from palaestra.routing.selector import ApiSelector

FALSE_ABSTAIN_BUDGET = 0.04
CANDIDATES = 3
MAX_TOKENS = 160


def judge_text(record: ApiRecord) -> str:
    """What the cross-encoder reads of a candidate: name, description, required parameters."""
    properties = record.parameters.get("properties") or {}
    required = [
        f"{name} ({str(schema.get('description', ''))[:60]})" if isinstance(schema, dict) else name
        for name in record.parameters.get("required") or []
        for schema in [properties.get(name)]
    ]
    return f"{record.name}: {record.description[:300]} Requires: {', '.join(required) or 'nothing'}"


#: A query, whether it is an irrelevance query, the rule's signals (fit, cosine, name and
#: description overlap, slots), and its (query, candidate, is-gold) pairs.
Example = tuple[Query, bool, list[float], list[tuple[str, str, float]]]


def examples(selector: ApiSelector, queries: Sequence[Query], irrelevant: bool) -> list[Example]:
    """Each query's best candidates in its own list, as (query, candidate, is-gold) pairs."""
    out = []
    for q in queries:
        selection = selector.select(q.text, CANDIDATES, namespaces=[q.id])
        if selection.signals is None:  # an empty list: abstains whatever the judge says
            continue
        pairs = [(q.text[:400], judge_text(h.record), float(h.record.name in q.gold)) for h in selection.hits]
        found = selection.signals
        rule = [found.fit(selector.abstain), found.max_cos, found.max_name, found.max_desc, found.max_slots]
        out.append((q, irrelevant, rule, pairs))
    return out


def encode(tokenizer: Any, pairs: Sequence[tuple[str, str, float]]) -> Any:
    """A batch of (query, candidate) pairs as the cross-encoder's input tensors."""
    return tokenizer(
        [p[0] for p in pairs], [p[1] for p in pairs], truncation=True,
        max_length=MAX_TOKENS, padding=True, return_tensors="pt",
    )  # fmt: skip


def train(pairs: list[tuple[str, str, float]], epochs: int, lr: float, seed: int) -> Any:
    """Fine-tune MiniLM with a fresh one-logit head on (query, candidate) pairs, binary cross-entropy."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    torch.manual_seed(seed)
    rng = random.Random(seed)
    path = default_minilm_path()  # the embedder's own weights, offline
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForSequenceClassification.from_pretrained(path, num_labels=1)
    batch = 16
    steps = epochs * ((len(pairs) + batch - 1) // batch)
    optimiser = torch.optim.AdamW(model.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min(1.0, (s + 1) / (0.1 * steps)) * max(0.0, 1 - s / steps)
    )
    loss_of = torch.nn.BCEWithLogitsLoss()
    model.train()
    for epoch in range(epochs):
        rng.shuffle(pairs)
        for start in range(0, len(pairs), batch):
            chunk = pairs[start : start + batch]
            logits = model(**encode(tokenizer, chunk)).logits.squeeze(-1)
            loss = loss_of(logits, torch.tensor([p[2] for p in chunk]))
            loss.backward()
            optimiser.step()
            schedule.step()
            optimiser.zero_grad()
        log(f"epoch {epoch + 1}/{epochs} done, last loss {loss.item():.3f}")
    model.eval()
    return tokenizer, model


def judge_scores(tokenizer: Any, model: Any, found: Sequence[Example]) -> np.ndarray:
    """The best candidate's logit for each query."""
    import torch

    out = []
    with torch.no_grad():
        for _, _, _, pairs in found:
            out.append(float(model(**encode(tokenizer, pairs)).logits.max()))
    return np.asarray(out)


def rates(score: np.ndarray, irrelevant: np.ndarray, cut: float) -> dict[str, float]:
    """Abstain where `score < cut`: share of irrelevance queries abstained on, and of labelled ones."""
    abstained = score < cut
    return {
        "irrelevance_abstained": round(float(abstained[irrelevant].mean()), 3),
        "false_abstain": round(float(abstained[~irrelevant].mean()), 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--lr", type=float, default=3e-5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    _, queries_path, irr_tools_path, irr_queries_path, lists_path = bfcl_files(args.cache)
    labelled = [q for q in read_queries(queries_path) if q.gold]
    irrelevant = read_queries(irr_queries_path)
    model = SentenceTransformerEmbedder(num_threads=2)
    lists = ApiSelector(CachingEmbedder(model), record_embedder=CachingEmbedder(Int8Embedder(model)))
    lists.add(tool_record(t) for t in [*read_tools(irr_tools_path), *read_tools(lists_path)])
    log("candidates of every query in its own list...")
    found = examples(lists, labelled, irrelevant=False) + examples(lists, irrelevant, irrelevant=True)
    # The tuning half is split again, by another hash: 80% trains, 20% places the cuts.
    calibrates = [half(e[0].id) == "tune" and zlib.adler32(e[0].id.encode()) % 5 == 0 for e in found]
    trains = [half(e[0].id) == "tune" and not c for e, c in zip(found, calibrates, strict=True)]
    tests = [half(e[0].id) == "test" for e in found]
    pairs = [p for e, t in zip(found, trains, strict=True) if t for p in e[3]]
    log(f"training on {len(pairs)} pairs ({sum(p[2] for p in pairs):.0f} gold)...")
    tokenizer, judge = train(pairs, args.epochs, args.lr, args.seed)
    cal = [e for e, c in zip(found, calibrates, strict=True) if c]
    test = [e for e, t in zip(found, tests, strict=True) if t]
    result: dict[str, Any] = {}
    signals = {}
    for name, part in (("calibration", cal), ("test", test)):
        signals[name] = (
            np.asarray([e[2] for e in part]),  # one row of rule signals per query
            judge_scores(tokenizer, judge, part),
            np.asarray([e[1] for e in part]),
        )
    rule_c, judge_c, irr_c = signals["calibration"]
    rule_t, judge_t, irr_t = signals["test"]
    scores = {"rule": (rule_c[:, 0], rule_t[:, 0]), "cross_encoder": (judge_c, judge_t)}
    # Blends fitted on the calibration part: the judge with the rule's fit, and with its signals.
    for label, columns in (("blend", [0]), ("blend_signals", [1, 2, 3, 4])):
        x_c, x_t = np.c_[rule_c[:, columns], judge_c], np.c_[rule_t[:, columns], judge_t]
        mean, std = x_c.mean(0), x_c.std(0) + 1e-9
        beta = logistic_fit((x_c - mean) / std, (~irr_c).astype(float))
        scores[label] = ((x_c - mean) / std @ beta[:-1], (x_t - mean) / std @ beta[:-1])
    for label, (cal_score, test_score) in scores.items():
        cut = float(np.quantile(cal_score[~irr_c], FALSE_ABSTAIN_BUDGET))
        result[label] = rates(test_score, irr_t, cut)
        print(f"{label:>14}, held-out half: {result[label]}")
    result["minutes"] = round((time.perf_counter() - started) / 60, 1)
    print(json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
