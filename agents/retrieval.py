"""Choosing the demonstration to replay: by the goal's wording and the page's make-up.

A goal's embedding is dominated by its arguments: "Click on the link "massa"" lands next to "Click
the button" rather than next to "Click on the link "nam"". And two task families can word their goals
the same way ("Select AU and click Submit." picks a radio button in one, checkboxes in the other).
So an exemplar is scored on three things an agent sees before it acts:

* the goal's embedding (what the memory's own search returns),
* the goal's template: its words with the arguments masked (quoted text, numbers, handles, names),
* the initial page's signature: which kinds of element it shows (tags, roles, input types, ids and
  classes, the labels of its buttons), compared with the page the exemplar started from.

Families then vote with their best scores, and the winning family's exemplar whose goal has the
closest shape is replayed. Nothing here reads a task's name: the family is the exemplar's own
metadata, as in Synapse.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from palaestra.envs.obs import Observation
from palaestra.memory.exemplar import Exemplar, Hit

if TYPE_CHECKING:
    from palaestra.memory import ExemplarMemory

TOKEN = re.compile(r'"[^"]*"|@?\w+(?:[./:@\'-]\w+)*|[^\w\s]')
#: Tags whose presence says nothing about the page: every page has them.
FRAME_TAGS = {"html", "head", "body", "script", "style", "link", "meta", "title", "br", "canvas"}
MASK = "_"


class ExemplarSource(Protocol):
    """Where agents find demonstrations: an exemplar memory, or none for a zero-shot agent."""

    def search(self, goal: str, k: int) -> list[Hit]:
        """The ``k`` exemplars nearest to ``goal`` with their cosine similarity, best first."""
        ...


class NoExemplars:
    """The source of a zero-shot agent."""

    def search(self, goal: str, k: int) -> list[Hit]:
        return []


class MemoryExemplars:
    """Successful trajectories from an ``ExemplarMemory``, nearest goal first."""

    def __init__(self, memory: ExemplarMemory) -> None:
        self.memory = memory

    def search(self, goal: str, k: int) -> list[Hit]:
        return self.memory.search(goal, k=k, filters={"success": True})


def open_exemplar_source(path: str) -> ExemplarSource:
    """The exemplars of the memory at ``path``; none when ``path`` is empty."""
    if not path:
        return NoExemplars()
    from palaestra.memory import ExemplarMemory

    return MemoryExemplars(ExemplarMemory.open(path))


@dataclass(frozen=True)
class RetrievalWeights:
    """How much each view of the task counts (embedding cosine, template ratio, page Jaccard)."""

    embedding: float = 1.0
    template: float = 1.5
    page: float = 2.0
    #: A family's score is the mean of its best ``family_top`` exemplar scores.
    family_top: int = 2


def goal_template(goal: str) -> list[str]:
    """The goal's tokens with its arguments masked, runs of masks (lists) collapsed to one.

    Masked: quoted text, anything holding a digit, @handles, and capitalised words inside a sentence
    (names such as "Kasey" or "Audrey"). A list "A, B and C" becomes one mask.
    """
    out: list[str] = []
    sentence_start = True
    for token in TOKEN.findall(goal):
        masked = (
            token.startswith('"')
            or token.startswith("@")
            or any(ch.isdigit() for ch in token)
            or (token[:1].isupper() and not sentence_start)
        )
        sentence_start = token in (".", "!", "?", ":")
        if masked:
            if out[-2:-1] == [MASK] and out[-1] in (",", "and"):
                out.pop()  # "A, B": the separator goes, the list stays one mask
            elif out[-1:] != [MASK]:
                out.append(MASK)
        else:
            out.append(token.lower())
    return out


def template_similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, goal_template(a), goal_template(b), autojunk=False).ratio()


def _structural(value: str) -> bool:
    """Ids and classes made up by a page generator (``ui-id-12``, ``ch3``) say nothing."""
    return bool(value) and not any(ch.isdigit() for ch in value) and len(value) <= 40


def page_signature(obs: Observation) -> list[str]:
    """What kinds of element a page shows, as a sorted set of tokens: ``input[type=text]``,
    ``button/button``, ``#subbtn``, ``.alink``, ``button:submit``. Counts and element order are left
    out: the same form may list three checkboxes in one episode and five in the next."""
    tokens: set[str] = set()
    for el in obs.get("elements", []):
        tag = el["tag"]
        if not el["visible"] or tag in FRAME_TAGS:
            continue
        attrs = el["attributes"]
        tokens.add(tag)
        if el["role"] and el["role"] not in ("generic", "none"):
            tokens.add(f"{tag}/{el['role']}")
        if attrs.get("type"):
            tokens.add(f"{tag}[type={attrs['type']}]")
        if _structural(attrs.get("id", "")):
            tokens.add(f"#{attrs['id']}")
        for cls in attrs.get("class", "").split()[:4]:
            if _structural(cls):
                tokens.add(f".{cls}")
        label = " ".join(re.findall(r"[a-z]+", (el["name"] or el["text"]).lower()))
        if tag == "button" and label and len(label.split()) <= 2:
            tokens.add(f"button:{label}")
    return sorted(tokens)


def jaccard(a: Iterable[str], b: Iterable[str]) -> float:
    sa, sb = set(a), set(b)
    return len(sa & sb) / len(sa | sb) if sa or sb else 0.0


def initial_signature(exemplar: Exemplar) -> list[str] | None:
    """The signature of the page the exemplar started from (None if it was recorded without one)."""
    if not exemplar.trajectory:
        return None
    page = exemplar.trajectory[0].get("page")
    return list(page) if isinstance(page, list) else None


def score(goal: str, page: list[str] | None, hit: Hit, weights: RetrievalWeights) -> float:
    """How well a retrieved exemplar fits a task with ``goal`` whose first page has signature ``page``."""
    exemplar, cosine = hit
    total = weights.embedding * cosine + weights.template * template_similarity(goal, exemplar.goal)
    theirs = initial_signature(exemplar)
    if page is not None and theirs is not None:
        total += weights.page * jaccard(page, theirs)
    return total


def shape_similarity(goal: str, other: str) -> float:
    """How closely two goals read word for word; a little more when they are as long (lists of as
    many items), never enough to prefer another sentence ("reply to them" for "click the trash
    icon") over the same one with other arguments ("click the star icon")."""
    mine, theirs = TOKEN.findall(goal), TOKEN.findall(other)
    ratio = difflib.SequenceMatcher(None, mine, theirs, autojunk=False).ratio()
    return ratio + (0.15 if len(theirs) == len(mine) else 0.0)


def choose(
    goal: str, page: list[str] | None, candidates: list[Hit], weights: RetrievalWeights | None = None
) -> Exemplar | None:
    """The exemplar to replay: the best-scoring family's member whose goal has the closest shape
    (then the longer demonstration, then the higher score)."""
    ranked = rank(goal, page, candidates, weights)
    return ranked[0] if ranked else None


def rank(
    goal: str, page: list[str] | None, candidates: list[Hit], weights: RetrievalWeights | None = None
) -> list[Exemplar]:
    """The best-scoring family's members, best fit first (what ``choose`` picks from)."""
    if not candidates:
        return []
    weights = weights or RetrievalWeights()
    scored = [(score(goal, page, hit, weights), hit[0]) for hit in candidates]
    families: dict[str, list[float]] = {}
    for value, c in scored:
        families.setdefault(c.family, []).append(value)

    def family_score(family: str) -> float:
        best = sorted(families[family], reverse=True)[: weights.family_top]
        return sum(best) / weights.family_top  # a family with one hit counts half as much as two

    family = max(families, key=family_score)
    members = [(value, c) for value, c in scored if c.family == family]

    def fit(pair: tuple[float, Exemplar]) -> tuple[float, int, float]:
        # Among goals of the same shape, the longer demonstration shows the way (the folder opened
        # on the way to the file); the replay skips what the new page does not need.
        value, c = pair
        return (round(shape_similarity(goal, c.goal), 6), len(c.trajectory), value)

    return [c for _, c in sorted(members, key=fit, reverse=True)]


def vote(candidates: list[Hit]) -> list[Hit]:
    """Keep the family most of the top candidates belong to (ties: the higher total score): the
    goal-only choice of the original Synapse, kept as the anchor the page-aware ``rank`` beats."""
    if not candidates:
        return []
    counts = Counter(c.family for c, _ in candidates)
    totals: dict[str, float] = {}
    for c, cosine in candidates:
        totals[c.family] = totals.get(c.family, 0.0) + cosine
    family = max(counts, key=lambda f: (counts[f], totals[f]))
    return [hit for hit in candidates if hit[0].family == family]
