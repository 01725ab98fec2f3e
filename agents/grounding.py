"""Carrying a demonstrated action over to a new page and a new goal, without a model.

Two steps. Align the goals: the exemplar said "Enter "Kasey" and press Submit", the task says
"Enter "Lyle" and press Submit", so "Kasey" becomes "Lyle" wherever the exemplar's actions and
element descriptors mention it. Then ground each element: find the element of the new page that
plays the same part (same tag and role, same text after substitution, same key attributes, same
rank among its peers, near the same place).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

Obs = dict[str, Any]
TOKEN = re.compile(r'"[^"]*"|\w+(?:[./:@\'-]\w+)*|[^\w\s]')
WORD = re.compile(r"[a-z0-9]+")


def tokens(text: str) -> list[str]:
    return TOKEN.findall(text)


def _unquote(token: str) -> str:
    return token[1:-1] if len(token) >= 2 and token[0] == token[-1] == '"' else token


@dataclass(frozen=True)
class Alignment:
    """Replacements from the exemplar's goal to the task's goal, longest first."""

    pairs: tuple[tuple[str, str], ...]
    #: The goals' arguments: the words where they differ ("Select A, B" vs "Select C, D, E").
    old_args: frozenset[str] = frozenset()
    new_args: frozenset[str] = frozenset()

    @classmethod
    def between(cls, old_goal: str, new_goal: str) -> Alignment:
        old, new = tokens(old_goal), tokens(new_goal)
        pairs: dict[str, str] = {}
        old_args: set[str] = set()
        new_args: set[str] = set()
        matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op == "equal":
                continue
            src, dst = old[i1:i2], new[j1:j2]
            old_args.update(norm(_unquote(t)) for t in src if norm(t))
            new_args.update(norm(_unquote(t)) for t in dst if norm(t))
            if op != "replace":
                continue
            if len(src) == len(dst):  # token by token keeps "Cincinnati , OH" -> "Boston , MA" precise
                for a, b in zip(src, dst, strict=True):
                    if a != b:
                        pairs[_unquote(a)] = _unquote(b)
            joined_old = " ".join(_unquote(t) for t in src)
            joined_new = " ".join(_unquote(t) for t in dst)
            pairs[_span(old_goal, src) or joined_old] = _span(new_goal, dst) or joined_new
            for a, b in _parts(src, dst):
                pairs.setdefault(a, b)
        ordered = sorted(((a, b) for a, b in pairs.items() if a.strip()), key=lambda p: -len(p[0]))
        return cls(tuple(ordered), frozenset(old_args), frozenset(new_args))

    def apply(self, text: str) -> str:
        """Replace every aligned string in ``text`` (longest first, each place once)."""
        if not self.pairs or not text:
            return text
        pattern = re.compile("|".join(_boundary(a) for a, _ in self.pairs))
        lookup = dict(self.pairs)
        return pattern.sub(lambda m: lookup.get(m.group(0), m.group(0)), text)


def _boundary(text: str) -> str:
    escaped = re.escape(text)
    start = r"(?<!\w)" if text[:1].isalnum() else ""
    end = r"(?!\w)" if text[-1:].isalnum() else ""
    return start + escaped + end


def _span(goal: str, toks: list[str]) -> str:
    """The goal's own text from the first to the last of ``toks`` (keeps its spacing)."""
    if not toks:
        return ""
    first, last = _unquote(toks[0]), _unquote(toks[-1])
    start = goal.find(first)
    end = goal.find(last, start) if start >= 0 else -1
    return goal[start : end + len(last)] if start >= 0 and end >= 0 else ""


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")  # fmt: skip


def _parts(src: list[str], dst: list[str]) -> list[tuple[str, str]]:
    """Dates and times change part by part: 10/16/2016 -> 11/03/2016 also maps 16 -> 3 (as a
    calendar shows it) and October -> November."""
    out: list[tuple[str, str]] = []
    for a, b in zip(src, dst, strict=False):
        pa, pb = re.split(r"[/:.-]", _unquote(a)), re.split(r"[/:.-]", _unquote(b))
        if len(pa) != len(pb) or len(pa) < 2:
            continue
        for x, y in zip(pa, pb, strict=True):
            if x == y or not x:
                continue
            if x.isdigit() and y.isdigit():
                out.append((x.lstrip("0") or "0", y.lstrip("0") or "0"))
            out.append((x, y))
        if len(pa) == 3 and "/" in a and all(p.isdigit() for p in pa + pb):
            old_month, new_month = int(pa[0]), int(pb[0])
            if 1 <= old_month <= 12 and 1 <= new_month <= 12 and old_month != new_month:
                out.append((MONTHS[old_month - 1], MONTHS[new_month - 1]))
                out.append((MONTHS[old_month - 1][:3], MONTHS[new_month - 1][:3]))
    return out


def words(text: str) -> set[str]:
    return set(WORD.findall(text.lower()))


def norm(text: str) -> str:
    return " ".join(WORD.findall(text.lower()))


def ground(descriptor: dict[str, Any], obs: Obs, alignment: Alignment) -> dict[str, Any] | None:
    """The visible element of ``obs`` that best plays the part ``descriptor`` describes."""
    text = norm(alignment.apply(descriptor.get("text", "")))
    name = norm(alignment.apply(descriptor.get("name", "")))
    parent_text = words(alignment.apply(descriptor.get("parent_text", "")))
    attrs = descriptor.get("attributes", {})
    pool = [e for e in obs.get("elements", []) if e["visible"]]
    peers: dict[tuple[str, str], list[str]] = {}
    for el in pool:
        peers.setdefault((el["tag"], el["role"]), []).append(el["id"])
    by_id = {e["id"]: e for e in pool}
    best, best_score = None, float("-inf")
    for el in pool:
        score = 0.0
        same_kind = el["tag"] == descriptor.get("tag")
        score += 3.0 if same_kind else -3.0
        score += 1.0 if el["role"] == descriptor.get("role") else 0.0
        own = norm(el["text"])
        if text:
            if own == text:
                score += 6.0
            else:
                overlap = words(el["text"]) & words(text)
                score += 3.0 * len(overlap) / max(1, len(words(text) | words(el["text"])))
        elif own:
            score -= 0.5
        if name and norm(el["name"]) == name:
            score += 2.0
        for key, value in attrs.items():
            mine = el["attributes"].get(key)
            if mine is not None:
                weight = 2.0 if key == "id" else 1.0
                score += weight if mine == alignment.apply(value) else -0.25 * weight
        kind_peers = peers.get((el["tag"], el["role"]), [])
        if descriptor.get("rank", -1) == (kind_peers.index(el["id"]) if el["id"] in kind_peers else -2):
            score += 1.5 if descriptor.get("peers") == len(kind_peers) else 0.75
        parent = by_id.get(el["parent"])
        if parent_text and parent is not None:
            score += 1.0 * len(parent_text & words(parent["text"])) / max(1, len(parent_text))
        bx, by, _, _ = descriptor.get("bbox", (0, 0, 0, 0))
        ex, ey, _, _ = el["bbox"]
        score -= 0.002 * (abs(bx - ex) + abs(by - ey))
        if score > best_score:
            best, best_score = el, score
    return best
