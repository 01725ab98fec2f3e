"""The significance tests of `palaestra compare` (see `compare` for why these two).

Fisher's exact test for one task's 2×2 table; the Cochran–Mantel–Haenszel test pooling tasks as
strata. Plain arithmetic on counts, no SciPy (the tests check both against SciPy's values).
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def fisher_exact(k1: int, n1: int, k2: int, n2: int) -> float:
    """Two-sided p-value of Fisher's exact test for k1/n1 against k2/n2 successes.

    Sums the probabilities (hypergeometric, margins fixed) of every table no more likely than the
    observed one, with scipy's relative tolerance so that ties in floating point count as ties.
    """
    if n1 <= 0 or n2 <= 0:
        return 1.0
    total, successes = n1 + n2, k1 + k2

    def log_p(x: int) -> float:
        return _log_comb(n1, x) + _log_comb(n2, successes - x) - _log_comb(total, successes)

    observed = log_p(k1) + math.log1p(1e-7)
    tables = range(max(0, successes - n2), min(successes, n1) + 1)
    return min(1.0, sum(math.exp(lp) for lp in map(log_p, tables) if lp <= observed))


def cmh_test(strata: Sequence[tuple[int, int, int, int]]) -> float:
    """Two-sided p-value of the Cochran–Mantel–Haenszel test (continuity-corrected) over 2×2 strata.

    Each stratum is `(k1, n1, k2, n2)`: one task's successes and episodes in the two runs.
    """
    deviation = variance = 0.0
    for k1, n1, k2, n2 in strata:
        total, successes = n1 + n2, k1 + k2
        if n1 <= 0 or n2 <= 0:
            continue
        deviation += k1 - n1 * successes / total
        variance += n1 * n2 * successes * (total - successes) / (total * total * (total - 1))
    if variance <= 0:
        return 1.0
    statistic = max(abs(deviation) - 0.5, 0.0) ** 2 / variance
    return math.erfc(math.sqrt(statistic / 2))  # chi-square with 1 degree of freedom


def _log_comb(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
