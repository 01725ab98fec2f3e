"""Aligning two goals: which of the exemplar's words the task's goal says otherwise.

The exemplar said "Enter "Kasey" and press Submit", the task says "Enter "Lyle" and press Submit":
"Kasey" becomes "Lyle" wherever the exemplar's actions and element descriptors mention it. Dates and
times also change part by part (the day a calendar shows) and as wholes (to be re-formatted).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

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
    #: The task's goal: an attribute value it names ("olive") identifies an element even when the
    #: exemplar's goal named the same.
    new_goal: str = ""

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
        for a, b in _entities(old_goal, new_goal):
            pairs.setdefault(a, b)
        ordered = sorted(((a, b) for a, b in pairs.items() if a.strip()), key=lambda p: -len(p[0]))
        return cls(tuple(ordered), frozenset(old_args), frozenset(new_args), new_goal)

    def apply(self, text: str) -> str:
        """Replace every aligned string in ``text`` (longest first, each place once)."""
        if not self.pairs or not text:
            return text
        pattern = re.compile("|".join(boundary(a) for a, _ in self.pairs))
        lookup = dict(self.pairs)
        return pattern.sub(lambda m: lookup.get(m.group(0), m.group(0)), text)


def boundary(text: str) -> str:
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


#: Values written over several tokens ("9:37 PM"), paired in order when both goals hold as many.
ENTITIES = (re.compile(r"\b\d{1,2}:\d{2}\s*[AaPp][Mm]\b"), re.compile(r"\b\d{1,2}/\d{1,2}/\d{4}\b"))


def _entities(old_goal: str, new_goal: str) -> list[tuple[str, str]]:
    """Whole dates and times: "9:37 PM" -> "10:17 PM" even when only the digits differ, so that a
    value formatted from the whole ("21:37") can be re-formatted (``palaestra.agents.transforms``)."""
    out: list[tuple[str, str]] = []
    for pattern in ENTITIES:
        old, new = pattern.findall(old_goal), pattern.findall(new_goal)
        if len(old) == len(new):
            out.extend((a, b) for a, b in zip(old, new, strict=True) if a != b)
    return out


def words(text: str) -> set[str]:
    return set(WORD.findall(text.lower()))


def norm(text: str) -> str:
    return " ".join(WORD.findall(text.lower()))


def contains(text: str, phrase: str) -> bool:
    """``phrase`` in ``text`` as whole words, ignoring case."""
    return bool(phrase) and re.search(boundary(phrase.lower()), text.lower()) is not None
