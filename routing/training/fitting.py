"""The one model every tuned rule here is fitted with: a class-balanced logistic regression."""

from __future__ import annotations

import numpy as np

#: The share of labelled (tuning-half) queries allowed to abstain when a cut is placed, for the
#: abstain rule (`tune.py`) and the judge's policy (`judge_training.py`) alike.
FALSE_ABSTAIN_BUDGET = 0.04


def logistic_fit(x: np.ndarray, y: np.ndarray, l2: float = 1e-3, steps: int = 50) -> np.ndarray:
    """Class-balanced L2 logistic regression by Newton's method; returns weights, bias last."""
    design = np.hstack([x, np.ones((len(x), 1))])
    weight = np.where(y == 1, 0.5 / max(1, y.sum()), 0.5 / max(1, (1 - y).sum()))
    beta = np.zeros(design.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-design @ beta))
        gradient = design.T @ (weight * (p - y)) + l2 * beta
        hessian = (design * (weight * p * (1 - p))[:, None]).T @ design + l2 * np.eye(len(beta))
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return beta
