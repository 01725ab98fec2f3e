"""An opt-in offline judge of whether anything fits: a cross-encoder reads the query with each of
the best few candidates.

The selector's abstain rule (`fusion.AbstainPolicy`) sees overlap statistics only: the best cosine,
word overlaps, whether required parameters look fillable. It cannot tell that "the assist average
of LeBron James" is not what a *scoring* average tool returns, or that "I want to find a train"
lacks the destination the train tool requires. A cross-encoder reads query and candidate together
and can. Its score is blended with the rule's fit by a `JudgePolicy` (a logistic blend and a cut,
fitted on held-out queries), so the judge corrects the rule instead of replacing it.

It costs a transformer pass per candidate (tens of milliseconds on one core), so it is opt-in and
only runs when it can change the decision: when the rule's fit is so high, or so low, that no
judge score seen in calibration could flip the blend, the judge is not asked.

Weights cannot be downloaded at run time. `palaestra routing train-judge --download --out DIR`
fine-tunes all-MiniLM-L6-v2 (the embedder's own offline weights) on BFCL v4 (fetched once from PyPI
when `--download` is given; `routing/training/`) and writes the model, its tokenizer and
`judge.json` (the policy, fitted on the tuning half's out-of-fold scores) into DIR;
`CrossEncoderJudge(DIR)` loads them. The policy's numbers are data, not constants of this module:
they travel with the weights they were fitted for.
"""

from __future__ import annotations

import json
import threading
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .errors import RoutingError
from .records import ApiRecord

#: The policy's file in a judge directory.
POLICY_FILE = "judge.json"
#: Tokens of (query, candidate) the cross-encoder reads; longer pairs are truncated. Set by hand, not
#: fitted; judges are trained with it (`routing/training/judge_training.py`), so a change needs them
#: trained again.
MAX_TOKENS = 160
#: How many of the best hits the judge reads: as many as the abstain rule's signals read
#: (`fusion.ABSTAIN_POOL`). Set by hand, like MAX_TOKENS.
CANDIDATES = 3


def judge_text(record: ApiRecord) -> str:
    """What the judge reads of a candidate: its name, description and required parameters (the
    parameters say what the query must supply for a call to be possible)."""
    properties = record.parameters.get("properties") or {}
    required = [
        f"{name} ({str(schema.get('description', ''))[:60]})" if isinstance(schema, dict) else name
        for name in record.parameters.get("required") or []
        for schema in [properties.get(name)]
    ]
    return f"{record.name}: {record.description[:300]} Requires: {', '.join(required) or 'nothing'}"


@dataclass(frozen=True)
class JudgePolicy:
    """Abstain when the blend of the rule's fit and the judge's best score is below `cut`.

    Both inputs are standardised (`*_mean`, `*_std` from the calibration queries), weighted and
    summed; `judge_low`/`judge_high` are the judge scores seen in calibration, which bound what
    the judge can add (see `needs_judge`). `candidates` is how many of the best hits it reads.
    """

    fit_weight: float
    judge_weight: float
    fit_mean: float
    fit_std: float
    judge_mean: float
    judge_std: float
    cut: float
    judge_low: float
    judge_high: float
    candidates: int = CANDIDATES

    def blend(self, fit: float, judge: float) -> float:
        return (
            self.fit_weight * (fit - self.fit_mean) / self.fit_std
            + self.judge_weight * (judge - self.judge_mean) / self.judge_std
        )

    def needs_judge(self, fit: float) -> bool:
        """Whether some judge score within the calibrated range would decide differently."""
        return (self.blend(fit, self.judge_low) < self.cut) != (self.blend(fit, self.judge_high) < self.cut)

    def decide(self, fit: float, judge: float | None) -> tuple[bool, str]:
        """(abstain, why); `judge` None means the judge was not needed (see `needs_judge`)."""
        if judge is None:
            judge = self.judge_low
            settled = "the rule's fit settles it whatever the judge says"
        else:
            settled = f"judge {judge:.2f}"
        score = self.blend(fit, judge)
        found = f"fit {fit:.2f}, {settled}: blend {score:.2f}"
        if score < self.cut:
            return True, f"no API fits well enough ({found} < {self.cut:.2f})"
        return False, f"{found} >= {self.cut:.2f}"

    def save(self, directory: Path) -> None:
        (directory / POLICY_FILE).write_text(json.dumps(asdict(self), indent=2) + "\n")

    @classmethod
    def load(cls, directory: Path) -> JudgePolicy:
        path = directory / POLICY_FILE
        try:
            return cls(**json.loads(path.read_text()))
        except FileNotFoundError:
            raise RoutingError(
                f"no judge policy at {path}: train a judge into that directory with "
                f"`palaestra routing train-judge --download --out {directory}`"
            ) from None
        except (TypeError, ValueError) as exc:
            raise RoutingError(f"unreadable judge policy {path}: {exc}") from exc


class FitJudge(ABC):
    """Scores how well each candidate fits a query (higher fits better), with the policy that
    turns the best score into an abstain decision."""

    policy: JudgePolicy

    @abstractmethod
    def scores(self, query: str, candidates: Sequence[ApiRecord]) -> list[float]: ...


class CrossEncoderJudge(FitJudge):
    """A fine-tuned cross-encoder (a transformers sequence classifier with one logit) from `path`,
    loaded on first use; `num_threads` caps torch's threads while it scores."""

    def __init__(self, path: str | Path, num_threads: int = 1) -> None:
        self.path = Path(path)
        self.policy = JudgePolicy.load(self.path)
        self.num_threads = num_threads
        self._model: Any = None
        self._tokenizer: Any = None
        self._lock = threading.Lock()

    def _load(self) -> None:
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        self._tokenizer = AutoTokenizer.from_pretrained(self.path)
        self._model = AutoModelForSequenceClassification.from_pretrained(self.path).eval()

    def scores(self, query: str, candidates: Sequence[ApiRecord]) -> list[float]:
        if not candidates:
            return []
        import torch

        with self._lock:  # one forward pass at a time, and the thread cap is process-wide
            if self._model is None:
                self._load()
            threads = torch.get_num_threads()
            torch.set_num_threads(self.num_threads)
            try:
                with torch.no_grad():
                    batch = encode_pairs(self._tokenizer, [(query, judge_text(r)) for r in candidates])
                    return [float(x) for x in self._model(**batch).logits[:, 0]]
            finally:
                torch.set_num_threads(threads)


def encode_pairs(tokenizer: Any, pairs: Sequence[tuple[str, str]]) -> Any:
    """(query, candidate text) pairs as one padded batch of the cross-encoder's input tensors."""
    return tokenizer(
        [q[:400] for q, _ in pairs], [c for _, c in pairs], truncation=True,
        max_length=MAX_TOKENS, padding=True, return_tensors="pt",
    )  # fmt: skip
