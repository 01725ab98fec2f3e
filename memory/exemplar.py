"""The stored unit of experience: one solved (or failed) task episode and what it is keyed by.

The memory never looks inside ``trajectory``: agents decide what a step is (an action string, an
observation/action pair, a thought). It only needs the list to be JSON-able so it can be stored and
hashed.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

from palaestra.errors import did_you_mean
from palaestra.memory.errors import InvalidExemplarError

# Fields that may be embedded (``key_fields``) and that search filters / vote families may use.
TEXT_KEY_FIELDS = ("goal", "initial_state", "suite", "task", "site")
FILTER_FIELDS = ("suite", "task", "site", "success", "source")
DEFAULT_KEY_FIELDS: tuple[str, ...] = ("goal",)


@dataclass(kw_only=True)
class Exemplar:
    """One episode worth remembering.

    ``id`` is empty until ``ExemplarMemory.add`` assigns it; an exemplar passed with an id keeps
    it, so that memories can be exported and rebuilt with stable ids.
    """

    goal: str
    suite: str = ""
    task: str = ""
    site: str | None = None
    trajectory: list[Any] = field(default_factory=list)
    initial_state: str | None = None
    success: bool = True
    reward: float = 0.0
    source: str = "agent"
    metadata: dict[str, Any] = field(default_factory=dict)
    id: str = ""

    @property
    def family(self) -> str:
        """The task family it demonstrates: what retrieval votes over (never shown to agents as a
        task's name: it only groups the memory's own exemplars)."""
        return self.task

    def to_dict(self) -> dict[str, Any]:
        """A plain JSON-able dict (for export, logs, prompts)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Exemplar:
        known = {f.name for f in fields(cls)}
        for key in data:
            if key not in known:
                raise InvalidExemplarError(f"Unknown exemplar field `{key}`.{did_you_mean(key, known)}")
        return cls(**data)

    def with_id(self, exemplar_id: str) -> Exemplar:
        return replace(self, id=exemplar_id)


Hit = tuple[Exemplar, float]  # an exemplar and its cosine similarity to the query


def canonical_json(value: Any) -> str:
    """Deterministic JSON, so that equal content always hashes equal."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(ex: Exemplar) -> str:
    """The identity used for de-duplication: goal + task + trajectory.

    Success, reward and source are left out on purpose: the same demonstration recorded twice (say
    by the oracle and by a replay) is one exemplar, not two.
    """
    payload = canonical_json([ex.goal, ex.task, ex.trajectory])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def validate(ex: Exemplar) -> None:
    """Refuse what could not be stored or searched, at add time rather than at save time."""
    if not isinstance(ex.goal, str) or not ex.goal.strip():
        raise InvalidExemplarError("An exemplar needs a non-empty `goal` string: it is what gets embedded.")
    if not isinstance(ex.trajectory, list):
        raise InvalidExemplarError(
            f"`trajectory` must be a list of steps, got {type(ex.trajectory).__name__}."
        )
    if not isinstance(ex.metadata, dict):
        raise InvalidExemplarError(f"`metadata` must be a dict, got {type(ex.metadata).__name__}.")
    try:
        canonical_json([ex.trajectory, ex.metadata])
    except (TypeError, ValueError) as err:
        raise InvalidExemplarError(
            f"Exemplar `{ex.goal[:60]}` is not JSON-able ({err}); store plain dicts, lists, strings "
            f"and numbers in `trajectory` and `metadata`."
        ) from err


def check_key_fields(key_fields: Sequence[str]) -> tuple[str, ...]:
    """Validate the configured embedded fields; ``goal`` must come first so queries stay comparable."""
    out = tuple(key_fields)
    if not out or out[0] != "goal":
        raise InvalidExemplarError(f"key_fields must start with 'goal', got {list(out)}.")
    for name in out:
        if name not in TEXT_KEY_FIELDS:
            raise InvalidExemplarError(
                f"Unknown key field `{name}`.{did_you_mean(name, TEXT_KEY_FIELDS)} "
                f"Embeddable fields: {', '.join(TEXT_KEY_FIELDS)}."
            )
    return out


def key_text(ex: Exemplar, key_fields: Sequence[str] = DEFAULT_KEY_FIELDS) -> str:
    """The text that is embedded: the key fields that are set, one a line."""
    parts = [str(getattr(ex, name)) for name in key_fields if getattr(ex, name)]
    return "\n".join(parts)


def majority_family(hits: list[Hit], family_key: str) -> list[Hit]:
    """The hits of the family with the most members (ties: highest total score), best first."""
    families: dict[Any, list[Hit]] = defaultdict(list)
    for hit in hits:
        families[getattr(hit[0], family_key)].append(hit)
    if not families:
        return []
    best = max(families.values(), key=lambda group: (len(group), sum(score for _, score in group)))
    return sorted(best, key=lambda hit: -hit[1])
