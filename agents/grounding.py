"""Carrying a demonstrated action over to a new page and a new goal, without a model.

Two steps. Align the goals (``palaestra.agents.alignment``): the exemplar said "Enter "Kasey" and
press Submit", the task says "Enter "Lyle" and press Submit", so "Kasey" becomes "Lyle" wherever the
exemplar's actions and element descriptors mention it. Then ground each element: find the element
of the new page that plays the same part (same tag and role, same text after substitution, same key
attributes, same rank among its peers, near the same place, under a container that names the same
argument).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from palaestra.agents.alignment import Alignment, contains, norm, tokens, words
from palaestra.agents.echo import goal_echo, goal_marks, marks_by_element
from palaestra.envs.obs import Observation

__all__ = [
    "Alignment",
    "Wanted",
    "best_match",
    "contains",
    "ground",
    "norm",
    "text_pattern",
    "tokens",
    "words",
]


def ground(
    descriptor: dict[str, Any], obs: Observation, alignment: Alignment, exclude: frozenset[str] = frozenset()
) -> dict[str, Any] | None:
    """The visible element of ``obs`` that best plays the part ``descriptor`` describes (never one
    of the page's own copy of the goal, nor one of ``exclude``)."""
    return best_match(descriptor, obs, alignment, exclude)[0]


HINTS = ("title", "aria-label", "alt")
#: How far up an element's surroundings may name the goal's argument (the tweet around a button).
CONTEXT_DEPTH = 6


@dataclass(frozen=True)
class Wanted:
    """What the new element should show: the descriptor's text with the arguments substituted (or
    a pattern, when they sit inside a word), and, when the goal is partly a picture, the mark the
    goal shows now in place of the one the exemplar's element carried."""

    text: str
    pattern: re.Pattern[str] | None
    #: The new goal's arguments that the text holds: an icon without text may be named by them.
    names: frozenset[str] = frozenset()
    #: Marks the element should carry, and the exemplar's marks it should not (both empty unless
    #: the goal's pictured part changed).
    marks: frozenset[str] = frozenset()
    stale: frozenset[str] = frozenset()
    tag: str = ""

    @classmethod
    def of(cls, descriptor: dict[str, Any], alignment: Alignment, obs: Observation | None = None) -> Wanted:
        old = descriptor.get("text", "")
        text = norm(alignment.apply(old))
        names = frozenset(norm(new) for _, new in alignment.pairs if norm(new) and contains(text, norm(new)))
        pattern, tag = text_pattern(old, alignment), descriptor.get("tag", "")
        carried = frozenset(descriptor.get("marks", []))
        if not carried or obs is None:
            return cls(text, pattern, names, tag=tag)
        shown = goal_marks(obs)
        stale = carried - shown
        return cls(text, pattern, names, (shown - carried) if stale else frozenset(), stale, tag)

    def exact(self, el: dict[str, Any], marks: set[str] | None = None) -> bool:
        """The element is the one wanted: it carries the goal's new mark (given its ``marks``), or
        says the text: by its text, or, for an icon without text, by a title, label or class that
        names an argument (the reply icon of a tweet is ``<span class="reply">``)."""
        if self.marks:
            return marks is not None and bool(marks & self.marks)
        if not self.text:
            return False
        if norm(el["text"]) == self.text:
            return True
        if self.pattern is not None and self.pattern.fullmatch(el["text"].strip()):
            return True
        if el["text"].strip():
            # An element of the same kind that says part of it, an argument included: the menu
            # entry "Report" where the exemplar's said "Block @leo".
            own = norm(el["text"])
            return (
                el["tag"] == self.tag
                and set(own.split()) <= set(self.text.split())
                and any(contains(own, n) for n in self.names)
            )
        attrs = el["attributes"]
        hints = {norm(h) for h in [attrs.get(k, "") for k in HINTS] + attrs.get("class", "").split() if h}
        return self.text in hints or bool(hints & self.names)


def best_match(
    descriptor: dict[str, Any],
    obs: Observation,
    alignment: Alignment,
    exclude: frozenset[str] = frozenset(),
    *,
    echo: bool = False,
) -> tuple[dict[str, Any] | None, float]:
    """``ground``'s element and its score. ``echo=True`` also considers the page's copy of the goal
    (a value to copy may be painted there)."""
    wanted = Wanted.of(descriptor, alignment, obs)
    marks = marks_by_element(obs) if wanted.marks else {}
    text = "" if wanted.marks else wanted.text  # a pictured goal: the old label is incidental
    name = "" if wanted.marks else norm(alignment.apply(descriptor.get("name", "")))
    parent_text = words(alignment.apply(descriptor.get("parent_text", "")))
    context = argument_context(descriptor, alignment)
    attrs = descriptor.get("attributes", {})
    elements = obs.get("elements", [])
    skip = set(exclude) | (set() if echo else goal_echo(obs))
    pool = [e for e in elements if e["visible"] and e["id"] not in skip]
    if exclude:  # another try of the same step: another element of the same kind, or none
        pool = [e for e in pool if _same_kind(e, descriptor)]
    peers: dict[tuple[str, str], list[str]] = {}
    for el in pool:
        peers.setdefault((el["tag"], el["role"]), []).append(el["id"])
    by_id = {e["id"]: e for e in elements}
    containers = _containers(pool, by_id, context) if context else {}
    tightest: dict[tuple[str, str], int] = {}  # per kind, the fewest held by a naming ancestor
    for el_id, (_, held) in containers.items():
        kind = (by_id[el_id]["tag"], by_id[el_id]["role"])
        tightest[kind] = min(held, tightest.get(kind, held))
    best, best_score = None, float("-inf")
    kind_named = names_kind(descriptor, alignment)
    for el in pool:
        score = 0.0
        if not kind_named:  # when the goal names the kind ("a button widget"), the tag may differ
            score += 3.0 if el["tag"] == descriptor.get("tag") else -3.0
        score += 1.0 if el["role"] == alignment.apply(descriptor.get("role", "")) else 0.0
        own = norm(el["text"])
        if wanted.marks:
            carried = marks.get(el["id"], set())
            score += 8.0 if carried & wanted.marks else -3.0 if carried & wanted.stale else 0.0
        if text:
            if own == text:
                score += 6.0
            elif wanted.exact(el):
                score += 5.0
            else:
                overlap = words(el["text"]) & words(text)
                score += 3.0 * len(overlap) / max(1, len(words(text) | words(el["text"])))
                # The rest of a long text changes with the page (an email's subject); its arguments
                # (the sender) say which one it is.
                # Only for an element of about the demonstrated one's size: its container names
                # the sender too.
                similar = len(el["text"]) <= 2 * max(len(descriptor.get("text", "")), 20)
                if similar and wanted.names and all(contains(el["text"], n) for n in wanted.names):
                    score += 4.0
        elif own:
            score -= 0.5
        if name and norm(el["name"]) == name:
            score += 2.0
        for key, value in attrs.items():
            aligned = alignment.apply(value)
            # An attribute that names the goal's argument (data-color="grey") identifies the element.
            named = aligned != value or (len(aligned) >= 3 and contains(alignment.new_goal, aligned))
            weight = 4.0 if named else 2.0 if key == "id" else 1.0
            score += weight if el["attributes"].get(key) == aligned else -0.25 * weight
        kind_peers = peers.get((el["tag"], el["role"]), [])
        if descriptor.get("rank", -1) == (kind_peers.index(el["id"]) if el["id"] in kind_peers else -2):
            score += 1.5 if descriptor.get("peers") == len(kind_peers) else 0.75
        parent = by_id.get(el["parent"])
        if parent_text and parent is not None:
            score += 1.0 * len(parent_text & words(parent["text"])) / max(1, len(parent_text))
        if context:
            holder = containers.get(el["id"])
            tight = holder is not None and holder[1] <= tightest[(el["tag"], el["role"])]
            score += 4.0 if tight else -1.0
        bx, by, _, _ = descriptor.get("bbox", (0, 0, 0, 0))
        ex, ey, _, _ = el["bbox"]
        score -= 0.002 * (abs(bx - ex) + abs(by - ey))
        if score > best_score:
            best, best_score = el, score
    return best, best_score


def _same_kind(el: dict[str, Any], descriptor: dict[str, Any]) -> bool:
    """Same tag and role, and a class in common if the descriptor has any (a folder opened is
    still a folder; a "like" icon is not a "more" icon)."""
    classes = set(descriptor.get("attributes", {}).get("class", "").split())
    return (el["tag"], el["role"]) == (descriptor.get("tag"), descriptor.get("role")) and (
        not classes or bool(classes & set(el["attributes"].get("class", "").split()))
    )


def names_kind(descriptor: dict[str, Any], alignment: Alignment) -> bool:
    """Whether the goal's argument is the element's kind: its role or type changes with the goals
    (the exemplar clicked a "checkbox" widget, the task wants a "button")."""
    role = descriptor.get("role", "")
    if role and alignment.apply(role) != role:
        return True
    return any(
        (key == "type" or key.endswith("-type")) and alignment.apply(value) != value
        for key, value in descriptor.get("attributes", {}).items()
    )


def argument_context(descriptor: dict[str, Any], alignment: Alignment) -> list[str]:
    """What the new goal has in place of the arguments the demonstrated element's surroundings
    named: its nearest ancestor that names one besides the element's own text ("the more button of
    the tweet by @leo" -> "@urna"). Empty when nothing around the element named an argument."""
    own = descriptor.get("text", "")
    for ancestor_text in descriptor.get("ancestors", []):
        rest = ancestor_text.replace(own, " ", 1) if own else ancestor_text
        wanted = [new for old, new in alignment.pairs if len(old) >= 2 and contains(rest, old)]
        if wanted:
            return list(dict.fromkeys(wanted))
    return []


def _containers(
    pool: list[dict[str, Any]], by_id: dict[str, dict[str, Any]], wanted: list[str]
) -> dict[str, tuple[str, int]]:
    """For each element, its nearest ancestor naming one of ``wanted`` and how many elements of
    the same kind that ancestor holds. The ancestors that hold fewest (the tweet by @urna) locate
    the element; one that holds many (the whole feed, which names @urna too) locates nothing."""
    found: dict[str, str] = {}
    for el in pool:
        node = by_id.get(el["parent"])
        for _ in range(CONTEXT_DEPTH):
            if node is None:
                break
            if any(contains(node["text"], arg) for arg in wanted):
                found[el["id"]] = node["id"]
                break
            node = by_id.get(node["parent"])
    held = Counter((found[el["id"]], el["tag"], el["role"]) for el in pool if el["id"] in found)
    return {
        el["id"]: (found[el["id"]], held[(found[el["id"]], el["tag"], el["role"])])
        for el in pool
        if el["id"] in found
    }


def text_pattern(old_text: str, alignment: Alignment) -> re.Pattern[str] | None:
    """A text whose words begin or end with arguments of the goal ("Antarctica" for "starts with
    "An" and ends with "ica"") becomes a pattern for the new arguments ("Ber\\w*uda"): the rest of
    such a word may be anything, the other words stay as they are. None when no argument sits inside
    a word (plain substitution carries the text over then), or the text is nothing but one."""
    text = old_text.strip()
    if not text or not alignment.pairs:
        return None
    spans: list[tuple[int, int, str]] = []
    for old, new in alignment.pairs:
        if len(old) < 2 or norm(old) == norm(text):
            continue
        edge = rf"(?<!\w){re.escape(old)}|{re.escape(old)}(?!\w)"
        for m in re.finditer(edge, text, flags=re.IGNORECASE):
            if all(m.end() <= a or m.start() >= b for a, b, _ in spans):
                spans.append((m.start(), m.end(), new))
    inside = [
        (a, b)
        for a, b, _ in spans
        if (a > 0 and text[a - 1].isalnum()) or (b < len(text) and text[b].isalnum())
    ]
    if not inside:
        return None
    spans.sort()
    parts, last = [], 0
    for a, b, new in spans:
        parts.append(_gap(text[last:a], after_argument=last > 0, before_argument=True))
        parts.append(re.escape(new))
        last = b
    parts.append(_gap(text[last:], after_argument=True, before_argument=False))
    return re.compile("".join(parts), flags=re.IGNORECASE)


def _gap(text: str, after_argument: bool, before_argument: bool) -> str:
    """Text between arguments: word characters glued to an argument may be anything (the middle of
    "Antarctica"), the rest stays literal (any run of spaces matching any other)."""
    head = re.match(r"\w*", text).group(0) if after_argument else ""  # type: ignore[union-attr]
    rest = text[len(head) :]
    tail = re.search(r"\w*$", rest).group(0) if before_argument else ""  # type: ignore[union-attr]
    middle = rest[: len(rest) - len(tail)]
    literal = r"\s+".join(re.escape(part) for part in re.split(r"\s+", middle))
    return (r"\w*" if head else "") + literal + (r"\w*" if tail else "")
