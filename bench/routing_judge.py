"""Train the selector's opt-in fit judge (`routing/judge.py`): `python -m bench.routing_judge`.

The selector's abstain rule reads overlap statistics (best cosine, name and description overlap,
whether required parameters can be filled) and abstains on about 0.68 of BFCL's irrelevance
queries at a 4% false-abstention budget, against a target of 0.8. The stronger judge that runs
here without an LLM is all-MiniLM-L6-v2 (the embedder's own offline weights) fine-tuned as a
cross-encoder: it reads the query with each candidate's name, description and required
parameters, so it can see that "I want to find a train" lacks the destination the tool requires,
or that "assist average" is not "scoring average".

With the same split as bench.routing:
- each query's three best candidates come from the default selector over the query's own BFCL
  candidate list (what the abstain rule sees too);
- the tuning half is cut into `--folds` folds; the judge of fold f trains on the other folds
  (pairs labelled by whether the candidate is gold, irrelevance queries' candidates all negative;
  with `--query-weight`, also per query whether anything fits: see `train`) and scores fold f.
  With `--models 1` only fold 0's judge is trained; with `--models` equal to `--folds` every
  tuning query gets an out-of-fold score (cross-fitting), so the cut is placed on the whole tuning
  half instead of a fifth of it;
- on those out-of-fold scores a logistic blend of the judge's best score with the rule's fit is
  fitted, and its cut placed so that 4% of labelled queries abstain: the `JudgePolicy`;
- fold 0's judge, its tokenizer and the policy are written to `--out` (`.cache/bench/judge` by
  default) for `python -m bench.routing --judge DIR` and `CrossEncoderJudge(DIR)`;
- everything is reported on the held-out half (and, with several models, the other folds'
  judges under the same policy, to show how much one training run matters);
- `--policy-from DIR` then trains one judge on the whole tuning half and keeps DIR's
  cross-fitted policy ("calibrate on folds, refit on everything");
- `--compare DIR DIR ...` trains nothing: it asks, of the tuning half's out-of-fold scores only,
  whether the average of several cross-fitted judges (other `--seed`s) abstains more than each.

Runs measured here are in the README (section "API routing").
"""

from __future__ import annotations

import argparse
import json
import random
import time
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bench.routing import CachingEmbedder, Query, half, log
from bench.routing_data import DEFAULT_CACHE, bfcl_files, read_queries, read_tools, tool_record
from bench.routing_tune import logistic_fit
from palaestra.memory.embedders import SentenceTransformerEmbedder, default_minilm_path
from palaestra.routing.dense import Int8Embedder
from palaestra.routing.judge import CANDIDATES, JudgePolicy, encode_pairs, judge_text
from palaestra.routing.selector import ApiSelector

FALSE_ABSTAIN_BUDGET = 0.04
DEFAULT_OUT = DEFAULT_CACHE.parent / "judge"


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


def train(found: Sequence[Example], epochs: int, lr: float, seed: int, query_weight: float) -> Any:
    """Fine-tune MiniLM with a fresh one-logit head on the queries' (query, candidate) pairs.

    A binary cross-entropy per pair (is the candidate gold?) and, when `query_weight` is not 0,
    weighted by it, one per query on the log-sum-exp of its candidates' logits (does anything fit?).
    The second trains what the abstain decision reads, a smooth maximum over the candidates: an
    irrelevance query's best-scoring candidate is pushed down hardest, and a labelled query is
    satisfied once any of its candidates scores high. Its batches hold whole queries.
    """
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    torch.manual_seed(seed)
    rng = random.Random(seed)
    path = default_minilm_path()  # the embedder's own weights, offline
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForSequenceClassification.from_pretrained(path, num_labels=1)
    if query_weight:  # whole queries, five (about 15 pairs) a batch
        units, batch = [(irrelevant, pairs) for _, irrelevant, _, pairs in found if pairs], 5
    else:  # pairs alone, 16 a batch: the judges measured before the per-query loss existed
        units, batch = [(irrelevant, [pair]) for _, irrelevant, _, pairs in found for pair in pairs], 16
    steps = epochs * ((len(units) + batch - 1) // batch)
    optimiser = torch.optim.AdamW(model.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min(1.0, (s + 1) / (0.1 * steps)) * max(0.0, 1 - s / steps)
    )
    loss_of = torch.nn.BCEWithLogitsLoss()
    model.train()
    for epoch in range(epochs):
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
        log(f"epoch {epoch + 1}/{epochs} done, last loss {loss.item():.3f}")
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


def refit(args: argparse.Namespace, tuning: list[Example], test: list[Example], started: float) -> int:
    """One judge trained on all of the tuning half under a policy cross-fitted before: the usual
    "cross-validate to calibrate, then refit on everything". The folds' judges saw a third less
    data, so the refit judge's scores may sit on a slightly different scale; the held-out half shows
    whether that matters."""
    policy = JudgePolicy.load(args.policy_from)
    log(f"training on all {len(tuning)} queries of the tuning half...")
    tokenizer, judge = train(tuning, args.epochs, args.lr, args.seed, args.query_weight)
    save_model(args.out, tokenizer, judge)
    policy.save(args.out)
    blend = blended(policy, [e[2][0] for e in test], judge_scores(tokenizer, judge, test))
    result: dict[str, Any] = {"blend": rates(blend, np.asarray([e[1] for e in test]), policy.cut)}
    print(f"refit judge under {args.policy_from}'s policy, held-out half: {result['blend']}")
    result["minutes"] = round((time.perf_counter() - started) / 60, 1)
    print(json.dumps(result, sort_keys=True))
    return 0


def fit_blend(x: np.ndarray, irrelevant: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A logistic blend of the columns of `x` that tells labelled queries from irrelevance ones:
    the columns' means and spreads (the blend reads them standardised) and its weights."""
    mean, std = x.mean(0), x.std(0) + 1e-9
    return mean, std, logistic_fit((x - mean) / std, (~irrelevant).astype(float))[:-1]


def tuning_rates(rule_fit: np.ndarray, judged: np.ndarray, irrelevant: np.ndarray) -> dict[str, float]:
    """The blend of the rule's fit with `judged`, fitted and cut at the budget on the same tuning
    queries (three parameters over some 1,800 queries, so in-sample is close to honest)."""
    x = np.c_[rule_fit, judged]
    mean, std, weights = fit_blend(x, irrelevant)
    blend = (x - mean) / std @ weights
    return rates(blend, irrelevant, budget_cut(blend, irrelevant))


def compare(directories: Sequence[Path]) -> int:
    """Whether averaging independently trained judges helps, asked of the tuning half only: each
    cross-fitted directory's out-of-fold scores (`--models` equal to `--folds`), and their mean,
    blended with the rule's fit and cut at the budget. The held-out scores are not read, so this
    can decide a design before the held-out half is asked."""
    missing = [str(d) for d in directories if not (d / "scores.npz").is_file()]
    if missing:
        raise SystemExit(
            f"no scores.npz in {', '.join(missing)}: compare directories written by "
            "`--folds K --models K` (a `--policy-from` refit keeps no out-of-fold scores)"
        )
    runs = [np.load(d / "scores.npz") for d in directories]
    first = runs[0]
    for d, run in zip(directories[1:], runs[1:], strict=True):
        same = all(np.array_equal(run[key], first[key]) for key in ("rule_c", "irr_c"))
        if not same:
            raise SystemExit(
                f"{d} was calibrated on other queries than {directories[0]}: train both with the same "
                "--folds and --models equal to --folds"
            )
    fit, irrelevant = first["rule_c"][:, 0], first["irr_c"]
    result = {
        str(d): tuning_rates(fit, run["judge_c"], irrelevant)
        for d, run in zip(directories, runs, strict=True)
    }
    result["mean"] = tuning_rates(fit, np.mean([run["judge_c"] for run in runs], axis=0), irrelevant)
    for label, found in result.items():
        print(f"{label}, tuning half (out of fold): {found}")
    print(json.dumps(result, sort_keys=True))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--lr", type=float, default=4e-5)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where the judge is written")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--query-weight",
        type=float,
        default=0.0,
        help="weight of a per-query loss (does anything fit?) beside the per-pair one (default: pairs only)",
    )
    parser.add_argument("--folds", type=int, default=5, help="folds of the tuning half")
    parser.add_argument("--models", type=int, default=1, help="folds whose judge is trained (cross-fitting)")
    parser.add_argument(
        "--policy-from",
        type=Path,
        help="train one judge on the whole tuning half and keep this judge directory's policy "
        "(placed on its folds' out-of-fold scores) instead of fitting one",
    )
    parser.add_argument("--limit", type=int, default=0, help="use only the first N queries of each kind")
    parser.add_argument(
        "--compare",
        type=Path,
        nargs="+",
        metavar="DIR",
        help="train nothing: compare these cross-fitted judges and their average on the tuning half",
    )
    args = parser.parse_args(argv)
    if args.compare:
        return compare(args.compare)
    started = time.perf_counter()
    _, queries_path, irr_tools_path, irr_queries_path, lists_path = bfcl_files(args.cache)
    labelled = [q for q in read_queries(queries_path) if q.gold]
    irrelevant = read_queries(irr_queries_path)
    if args.limit:
        labelled, irrelevant = labelled[: args.limit], irrelevant[: args.limit]
    model = SentenceTransformerEmbedder(num_threads=2)
    lists = ApiSelector(CachingEmbedder(model), record_embedder=CachingEmbedder(Int8Embedder(model)))
    lists.add(tool_record(t) for t in [*read_tools(irr_tools_path), *read_tools(lists_path)])
    log("candidates of every query in its own list...")
    found = examples(lists, labelled, irrelevant=False) + examples(lists, irrelevant, irrelevant=True)
    # The tuning half is split again into folds, by another hash. Fold f's judge trains on the
    # other folds and scores fold f; those out-of-fold scores place the policy's blend and cut. The
    # judge of fold 0 is the one written out and scored on the held-out half.
    tuning = [e for e in found if half(e[0].id) == "tune"]
    test = [e for e in found if half(e[0].id) == "test"]
    if args.policy_from:
        return refit(args, tuning, test, started)
    fold = [zlib.adler32(e[0].id.encode()) % args.folds for e in tuning]
    cal: list[Example] = []
    cal_scores, test_by_model = [], []
    for f in range(args.models):
        others = [e for e, g in zip(tuning, fold, strict=True) if g != f]
        log(f"fold {f}: training on {len(others)} queries...")
        tokenizer, judge = train(others, args.epochs, args.lr, args.seed + f, args.query_weight)
        held = [e for e, g in zip(tuning, fold, strict=True) if g == f]
        cal += held
        cal_scores.append(judge_scores(tokenizer, judge, held))
        test_by_model.append(judge_scores(tokenizer, judge, test))
        if f == 0:
            save_model(args.out, tokenizer, judge)
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
    # Blends fitted on the calibration part: the judge with the rule's fit, and with its signals.
    for label, columns in (("blend", [0]), ("blend_signals", [1, 2, 3, 4])):
        x_c, x_t = np.c_[rule_c[:, columns], judge_c], np.c_[rule_t[:, columns], judge_t]
        mean, std, beta = fit_blend(x_c, irr_c)
        scores[label] = ((x_c - mean) / std @ beta, (x_t - mean) / std @ beta)
        if label == "blend":
            policy = JudgePolicy(
                fit_weight=float(beta[0]), judge_weight=float(beta[1]),
                fit_mean=float(mean[0]), fit_std=float(std[0]),
                judge_mean=float(mean[1]), judge_std=float(std[1]),
                cut=budget_cut(scores[label][0], irr_c),
                judge_low=float(judge_c.min()), judge_high=float(judge_c.max()),
            )  # fmt: skip
    for label, (cal_score, test_score) in scores.items():
        result[label] = rates(test_score, irr_t, budget_cut(cal_score, irr_c))
        print(f"{label:>14}, held-out half: {result[label]}")
    # The other folds' judges under the same policy: how much the outcome owes to one training run.
    for f, other in enumerate(test_by_model[1:], start=1):
        result[f"blend_fold{f}_judge"] = rates(blended(policy, rule_t[:, 0], other), irr_t, policy.cut)
        print(f"blend with fold {f}'s judge, held-out half: {result[f'blend_fold{f}_judge']}")
    policy.save(args.out)
    # What the policy was fitted on and what it was scored on, for analysis.
    np.savez(
        args.out / "scores.npz", rule_c=rule_c, judge_c=judge_c, irr_c=irr_c,
        rule_t=rule_t, judge_t=judge_t, irr_t=irr_t,
    )  # fmt: skip
    log(f"judge written to {args.out}: use it with `python -m bench.routing --judge {args.out}`")
    result["minutes"] = round((time.perf_counter() - started) / 60, 1)
    print(json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
