"""`palaestra routing ...`: fit what the API selector ships with, on a tool-retrieval data set.

`train-judge` trains the opt-in cross-encoder judge (`judge_training.py`), `tune` refits the
selector's tuned constants (`tune.py`); `palaestra routing --help` shows examples
(`cli_parser.EXAMPLES["routing"]`). Both read BFCL v4 from `.cache/bench/bfcl` by default
(`--download` fetches it once from PyPI), or any set `--data` names: a registered one, or a folder
of converted files (tools.json, queries.jsonl, ...; see `datasets/files.py`). Results go to
stdout, the last line as JSON; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

from palaestra.cli_parser import EXAMPLES, SuggestingParser, epilog
from palaestra.errors import PalaestraError

from .datasets import DEFAULT_CACHE, SOURCES, RoutingData


def make_parser() -> argparse.ArgumentParser:
    examples = epilog(EXAMPLES["routing"])
    parser = SuggestingParser(prog="palaestra routing", description=__doc__.splitlines()[0], epilog=examples)
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    what = "fine-tune the opt-in cross-encoder fit judge"
    judge = actions.add_parser("train-judge", help=what, epilog=examples)
    _data_arguments(judge)
    judge.add_argument("--out", type=Path, help="where the judge is written (default: CACHE/judge)")
    judge.add_argument("--epochs", type=int, default=4, help="passes over the training queries (default: 4)")
    judge.add_argument("--lr", type=float, default=4e-5, help="AdamW's peak learning rate (default: 4e-5)")
    judge.add_argument("--seed", type=int, default=0, help="fold f's judge trains with seed + f (default: 0)")
    judge.add_argument(
        "--query-weight",
        type=float,
        default=0.0,
        help="weight of a per-query loss (does anything fit?) beside the per-pair one (default: pairs only)",
    )
    judge.add_argument("--folds", type=int, default=5, help="folds of the tuning half")
    judge.add_argument("--models", type=int, default=1, help="folds whose judge is trained (cross-fitting)")
    judge.add_argument(
        "--policy-from",
        type=Path,
        help="train one judge on the whole tuning half and keep this judge directory's policy "
        "(placed on its folds' out-of-fold scores) instead of fitting one",
    )
    what = "refit fusion, BM25, learned-ranker, abstain and history constants"
    tune = actions.add_parser("tune", help=what, epilog=examples)
    _data_arguments(tune)
    return parser


def main(argv: list[str] | None = None) -> int:
    """`palaestra routing ARGV...`: 0 when done, 2 (with the reason on stderr) on bad input."""
    args = make_parser().parse_args(argv)
    try:
        return run(args)
    except (PalaestraError, FileNotFoundError) as exc:
        print(f"palaestra routing {args.action}: {exc}", file=sys.stderr)
        return 2


def _data_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data",
        default="bfcl",
        help=f"a data set ({', '.join(SOURCES)}), `all` of them at once (what the shipped constants are "
        "fitted on), several joined by commas, or a folder of converted files (default: bfcl)",
    )
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="data sets' cache folder")
    parser.add_argument("--embedder", choices=("minilm", "mpnet"), default="minilm", help="sentence embedder")
    parser.add_argument("--download", action="store_true", help="fetch the data set if it is not cached")
    parser.add_argument("--limit", type=int, default=0, help="use only the first N queries of each kind")
    threads = "torch threads (default: 2 to embed and torch's own to train the judge, 1 to tune); 1 is"
    threads += " often many times faster on cores busy with other work"
    parser.add_argument("--threads", type=int, help=threads)


def run(args: argparse.Namespace) -> int:
    """Run the parsed `palaestra routing` action."""
    from .datasets import source

    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    started = time.perf_counter()
    data = source(args.data).load(args.cache, download=args.download).limited(args.limit)
    judge = args.action == "train-judge"
    result = train_judge(args, data) if judge else tune(data, args.threads or 1, args.embedder)
    result["minutes"] = round((time.perf_counter() - started) / 60, 1)
    print(json.dumps(result, sort_keys=True, default=list))
    return 0


def train_judge(args: argparse.Namespace, data: RoutingData) -> dict[str, Any]:
    from .judge_training import DEFAULT_OUT, Recipe, cross_fit, refit

    recipe = Recipe(epochs=args.epochs, lr=args.lr, seed=args.seed, query_weight=args.query_weight)
    out = args.out or (args.cache / DEFAULT_OUT.name)
    threads = args.threads or 2
    if args.policy_from:
        return refit(data, out, recipe, args.policy_from, threads)
    return cross_fit(data, out, recipe, folds=args.folds, models=args.models, threads=threads)


def tune(data: RoutingData, threads: int, embedder: str = "minilm") -> dict[str, Any]:
    from palaestra.memory.mpnet import make_embedder
    from palaestra.routing.dense import Int8Embedder

    from .evaluation import CachingEmbedder
    from .tune import tune as refit_constants

    model = make_embedder(embedder, num_threads=threads)
    model.embed(["load the model"])
    return refit_constants(data, CachingEmbedder(model), CachingEmbedder(Int8Embedder(model)))


if __name__ == "__main__":
    raise SystemExit(main())
