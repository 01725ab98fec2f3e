"""Does averaging independently trained judges help? Asked of the tuning half only.

    python -m bench.routing.judge_compare .cache/bench/judge-cv .cache/bench/judge-cv1

Each directory is a cross-fitted judge (`palaestra routing train-judge --folds K --models K`, with
different `--seed`s) and holds its out-of-fold scores (`scores.npz`). For each, and for the mean of
their scores, a logistic blend with the rule's fit is fitted and cut at the 4% false-abstention
budget on those same tuning queries (three parameters over some 1,800 queries, so in-sample is close
to honest). The held-out scores are not read, so this can decide a design before the held-out half
is asked.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from palaestra.routing.training.judge_training import budget_cut, fit_blend, rates


def tuning_rates(rule_fit: np.ndarray, judged: np.ndarray, irrelevant: np.ndarray) -> dict[str, float]:
    """The blend of the rule's fit with `judged`, fitted and cut at the budget on the same queries."""
    x = np.c_[rule_fit, judged]
    mean, std, weights = fit_blend(x, irrelevant)
    blend = (x - mean) / std @ weights
    return rates(blend, irrelevant, budget_cut(blend, irrelevant))


def compare(directories: Sequence[Path]) -> dict[str, dict[str, float]]:
    """Each directory's out-of-fold rates and their mean's, printed; raises SystemExit on bad input."""
    missing = [str(d) for d in directories if not (d / "scores.npz").is_file()]
    if missing:
        raise SystemExit(
            f"no scores.npz in {', '.join(missing)}: compare directories written by "
            "`palaestra routing train-judge --folds K --models K` (a `--policy-from` refit keeps no "
            "out-of-fold scores)"
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
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.routing.judge_compare", description=__doc__.splitlines()[0]
    )
    parser.add_argument("directories", type=Path, nargs="+", metavar="DIR", help="cross-fitted judges")
    args = parser.parse_args(argv)
    print(json.dumps(compare(args.directories), sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
