"""Train the selector's opt-in fit judge (`routing/judge.py`): `palaestra routing train-judge`.

The selector's abstain rule reads overlap statistics (best cosine, name and description overlap,
whether required parameters can be filled) and abstains on about 0.68 of BFCL's irrelevance
queries at a 4% false-abstention budget, against a target of 0.8. The stronger judge that runs
here without an LLM is all-MiniLM-L6-v2 (the embedder's own offline weights) fine-tuned as a
cross-encoder: it reads the query with each candidate's name, description and required
parameters, so it can see that "I want to find a train" lacks the destination the tool requires,
or that "assist average" is not "scoring average".

With the same split as bench.routing (`evaluation.half`):
- each query's three best candidates come from the default selector over the query's own
  candidate list (what the abstain rule sees too);
- the tuning half is cut into `folds` folds; the judge of fold f trains on the other folds
  (pairs labelled by whether the candidate is gold, irrelevance queries' candidates all negative;
  with a `query_weight`, also per query whether anything fits: see `train`) and scores fold f.
  With `models=1` only fold 0's judge is trained; with `models` equal to `folds` every
  tuning query gets an out-of-fold score (cross-fitting), so the cut is placed on the whole tuning
  half instead of a fifth of it;
- on those out-of-fold scores a logistic blend of the judge's best score with the rule's fit is
  fitted, and its cut placed so that 4% of labelled queries abstain: the `JudgePolicy`;
- fold 0's judge, its tokenizer and the policy are written to `out` (`.cache/bench/judge` by
  default) for `CrossEncoderJudge(out)` and `python -m bench.routing --judge DIR`, with the
  out-of-fold and held-out scores (`scores.npz`) for `python -m bench.routing.judge_compare`;
- everything is reported on the held-out half (and, with several models, the other folds'
  judges under the same policy, to show how much one training run matters);
- `refit` (`--policy-from DIR`) then trains one judge on the whole tuning half and keeps DIR's
  cross-fitted policy ("calibrate on folds, refit on everything").

Runs measured here are in docs/performance.md (API selector).
"""

from __future__ import annotations

import logging
import random
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from palaestra.memory.embedders import SentenceTransformerEmbedder, default_minilm_path
from palaestra.routing.dense import Int8Embedder
from palaestra.routing.errors import RoutingError
from palaestra.routing.judge import CANDIDATES, JudgePolicy, encode_pairs, judge_text
from palaestra.routing.selector import ApiSelector

from .datasets import DEFAULT_CACHE, Query, RoutingData
from .evaluation import CachingEmbedder, half
from .fitting import FALSE_ABSTAIN_BUDGET, logistic_fit

DEFAULT_OUT = DEFAULT_CACHE / "judge"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recipe:
    """How each judge is trained: epochs, AdamW's peak learning rate, the seed (fold f trains with
    seed + f), and the weight of the per-query loss (0: pairs only, what the README's judges used)."""

    epochs: int = 4
    lr: float = 4e-5
    seed: int = 0
    query_weight: float = 0.0


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
        pairs = [(q.text, judge_text(h.record), float(h.record.name in q.gold)) for h in selection.hits]
        found = selection.signals
        rule = [found.fit(selector.abstain), found.max_cos, found.max_name, found.max_desc, found.max_slots]
        out.append((q, irrelevant, rule, pairs))
    return out


def split_examples(data: RoutingData, threads: int = 2) -> tuple[list[Example], list[Example]]:
    """Every query's examples in its own candidate list, as (tuning half, held-out half), embedded
    with `threads` torch threads."""
    if not data.irrelevant or not data.labelled_lists:
        raise RoutingError(
            f"data set {data.name!r} has no irrelevance queries or no candidate lists of its labelled "
            "queries: the judge learns to tell the two apart"
        )
    model = SentenceTransformerEmbedder(num_threads=threads)
    lists = ApiSelector(CachingEmbedder(model), record_embedder=CachingEmbedder(Int8Embedder(model)))
    lists.add([*data.irrelevance_tools, *data.labelled_lists])
    log.info("candidates of every query in its own list...")
    found = examples(lists, data.labelled, irrelevant=False) + examples(
        lists, data.irrelevant, irrelevant=True
    )
    return [e for e in found if half(e[0].id) == "tune"], [e for e in found if half(e[0].id) == "test"]


def train(found: Sequence[Example], recipe: Recipe, seed: int) -> Any:
    """Fine-tune MiniLM with a fresh one-logit head on the queries' (query, candidate) pairs.

    A binary cross-entropy per pair (is the candidate gold?) and, when `recipe.query_weight` is not
    0, weighted by it, one per query on the log-sum-exp of its candidates' logits (does anything
    fit?). The second trains what the abstain decision reads, a smooth maximum over the candidates:
    an irrelevance query's best-scoring candidate is pushed down hardest, and a labelled query is
    satisfied once any of its candidates scores high. Its batches hold whole queries.
    """
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    torch.manual_seed(seed)
    rng = random.Random(seed)
    path = default_minilm_path()  # the embedder's own weights, offline
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForSequenceClassification.from_pretrained(path, num_labels=1)
    query_weight = recipe.query_weight
    if query_weight:  # whole queries, five (about 15 pairs) a batch
        units, batch = [(irrelevant, pairs) for _, irrelevant, _, pairs in found if pairs], 5
    else:  # pairs alone, 16 a batch: the judges measured before the per-query loss existed
        units, batch = [(irrelevant, [pair]) for _, irrelevant, _, pairs in found for pair in pairs], 16
    steps = recipe.epochs * ((len(units) + batch - 1) // batch)
    optimiser = torch.optim.AdamW(model.parameters(), lr=recipe.lr)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min(1.0, (s + 1) / (0.1 * steps)) * max(0.0, 1 - s / steps)
    )
    loss_of = torch.nn.BCEWithLogitsLoss()
    model.train()
    for epoch in range(recipe.epochs):
        rng.shuffle(units)
        for start in range(0, len(units), batch):
            chunk = units[start : start + batch]
            pairs = [p for _, unit_pairs in chunk for p in unit_pairs]
            logits = model(**encode_pairs(tokenizer, [p[:2] for p in pairs])).logits.squeeze(-1)
            loss = loss_of(logits, torch.tensor([p[2] for p in pairs]))
            if query_weight:
                start_of, anything = 0, []
                for _, unit_pairs in chunk:
                    anything.append(torch.logsumexp(logits[start_of : start_of + len(unit_pairs)], 0))
                    start_of += len(unit_pairs)
                fits = torch.tensor([0.0 if irrelevant else 1.0 for irrelevant, _ in chunk])
                loss = loss + query_weight * loss_of(torch.stack(anything), fits)
            loss.backward()
            optimiser.step()
            schedule.step()
            optimiser.zero_grad()
        log.info(f"epoch {epoch + 1}/{recipe.epochs} done, last loss {loss.item():.3f}")
    model.eval()
    return tokenizer, model


def judge_scores(tokenizer: Any, model: Any, found: Sequence[Example]) -> np.ndarray:
    """The best candidate's logit for each query."""
    import torch

    out = []
    with torch.no_grad():
        for _, _, _, pairs in found:
            out.append(float(model(**encode_pairs(tokenizer, [p[:2] for p in pairs])).logits.max()))
    return np.asarray(out)


def rates(score: np.ndarray, irrelevant: np.ndarray, cut: float) -> dict[str, float]:
    """Abstain where `score < cut`: share of irrelevance queries abstained on, and of labelled ones."""
    abstained = score < cut
    return {
        "irrelevance_abstained": round(float(abstained[irrelevant].mean()), 3),
        "false_abstain": round(float(abstained[~irrelevant].mean()), 3),
    }


def budget_cut(calibration: np.ndarray, irrelevant: np.ndarray) -> float:
    """The cut below which `FALSE_ABSTAIN_BUDGET` of the labelled calibration queries fall: what the
    policy abstains below, and what every score reported beside it is cut at."""
    return float(np.quantile(calibration[~irrelevant], FALSE_ABSTAIN_BUDGET))


def save_model(out: Path, tokenizer: Any, judge: Any) -> None:
    """The judge's weights and tokenizer, where `CrossEncoderJudge(out)` loads them."""
    out.mkdir(parents=True, exist_ok=True)
    judge.save_pretrained(out)
    tokenizer.save_pretrained(out)


def blended(policy: JudgePolicy, fits: Iterable[float], scores: Iterable[float]) -> np.ndarray:
    """The policy's blend for each query's rule fit and judge score."""
    return np.asarray([policy.blend(fit, score) for fit, score in zip(fits, scores, strict=True)])


def fit_blend(x: np.ndarray, irrelevant: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A logistic blend of the columns of `x` that tells labelled queries from irrelevance ones:
    the columns' means and spreads (the blend reads them standardised) and its weights."""
    mean, std = x.mean(0), x.std(0) + 1e-9
    return mean, std, logistic_fit((x - mean) / std, (~irrelevant).astype(float))[:-1]


def refit(
    data: RoutingData, out: Path, recipe: Recipe, policy_from: Path, threads: int = 2
) -> dict[str, Any]:
    """One judge trained on all of the tuning half under a policy cross-fitted before: the usual
    "cross-validate to calibrate, then refit on everything". The folds' judges saw a third less
    data, so the refit judge's scores may sit on a slightly different scale; the held-out half shows
    whether that matters."""
    policy = JudgePolicy.load(policy_from)
    tuning, test = split_examples(data, threads)
    log.info(f"training on all {len(tuning)} queries of the tuning half...")
    tokenizer, judge = train(tuning, recipe, recipe.seed)
    save_model(out, tokenizer, judge)
    policy.save(out)
    blend = blended(policy, [e[2][0] for e in test], judge_scores(tokenizer, judge, test))
    result: dict[str, Any] = {"blend": rates(blend, np.asarray([e[1] for e in test]), policy.cut)}
    print(f"refit judge under {policy_from}'s policy, held-out half: {result['blend']}")
    return result


def cross_fit(
    data: RoutingData, out: Path, recipe: Recipe, folds: int = 5, models: int = 1, threads: int = 2
) -> dict[str, Any]:
    """Train `models` of the tuning half's `folds` judges, fit the policy on their out-of-fold
    scores, write fold 0's judge and the policy to `out`, and report on the held-out half."""
    if not 1 <= models <= folds:
        raise RoutingError(f"models must be between 1 and folds ({folds}), got {models}")
    tuning, test = split_examples(data, threads)
    # The tuning half is split again into folds, by another hash. Fold f's judge trains on the
    # other folds and scores fold f; those out-of-fold scores place the policy's blend and cut. The
    # judge of fold 0 is the one written out and scored on the held-out half.
    fold = [zlib.adler32(e[0].id.encode()) % folds for e in tuning]
    cal: list[Example] = []
    cal_scores, test_by_model = [], []
    for f in range(models):
        others = [e for e, g in zip(tuning, fold, strict=True) if g != f]
        log.info(f"fold {f}: training on {len(others)} queries...")
        tokenizer, judge = train(others, recipe, recipe.seed + f)
        held = [e for e, g in zip(tuning, fold, strict=True) if g == f]
        cal += held
        cal_scores.append(judge_scores(tokenizer, judge, held))
        test_by_model.append(judge_scores(tokenizer, judge, test))
        if f == 0:
            save_model(out, tokenizer, judge)
    test_scores = test_by_model[0]
    result: dict[str, Any] = {}
    signals = {}
    for name, part, judged in (("calibration", cal, np.concatenate(cal_scores)), ("test", test, test_scores)):
        signals[name] = (
            np.asarray([e[2] for e in part]),  # one row of rule signals per query
            judged,
            np.asarray([e[1] for e in part]),
        )
    rule_c, judge_c, irr_c = signals["calibration"]
    rule_t, judge_t, irr_t = signals["test"]
    scores = {"rule": (rule_c[:, 0], rule_t[:, 0]), "cross_encoder": (judge_c, judge_t)}
    policy = fit_policy(rule_c[:, 0], judge_c, irr_c)
    # Blends fitted on the calibration part: the judge with the rule's fit (the policy's), and with
    # the rule's signals.
    for label, columns in (("blend", [0]), ("blend_signals", [1, 2, 3, 4])):
        x_c, x_t = np.c_[rule_c[:, columns], judge_c], np.c_[rule_t[:, columns], judge_t]
        mean, std, beta = fit_blend(x_c, irr_c)
        scores[label] = ((x_c - mean) / std @ beta, (x_t - mean) / std @ beta)
    for label, (cal_score, test_score) in scores.items():
        result[label] = rates(test_score, irr_t, budget_cut(cal_score, irr_c))
        print(f"{label:>14}, held-out half: {result[label]}")
    # The other folds' judges under the same policy: how much the outcome owes to one training run.
    for f, other in enumerate(test_by_model[1:], start=1):
        result[f"blend_fold{f}_judge"] = rates(blended(policy, rule_t[:, 0], other), irr_t, policy.cut)
        print(f"blend with fold {f}'s judge, held-out half: {result[f'blend_fold{f}_judge']}")
    policy.save(out)
    # What the policy was fitted on and what it was scored on, for analysis.
    np.savez(
        out / "scores.npz", rule_c=rule_c, judge_c=judge_c, irr_c=irr_c,
        rule_t=rule_t, judge_t=judge_t, irr_t=irr_t,
    )  # fmt: skip
    log.info(f"judge written to {out}: use it with `CrossEncoderJudge({str(out)!r})`")
    return result


def fit_policy(fit: np.ndarray, judged: np.ndarray, irrelevant: np.ndarray) -> JudgePolicy:
    """The policy: a logistic blend of the rule's fit with the judge's score, cut at the budget."""
    x = np.c_[fit, judged]
    mean, std, beta = fit_blend(x, irrelevant)
    return JudgePolicy(
        fit_weight=float(beta[0]), judge_weight=float(beta[1]),
        fit_mean=float(mean[0]), fit_std=float(std[0]),
        judge_mean=float(mean[1]), judge_std=float(std[1]),
        cut=budget_cut((x - mean) / std @ beta, irrelevant),
        judge_low=float(judged.min()), judge_high=float(judged.max()),
    )  # fmt: skip
