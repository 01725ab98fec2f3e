"""The corrected column's rule against answers that pay by listing candidates.

WebArena's ``must_include`` asks only that each reference be somewhere in the answer, and the
deterministic stand-in for ``fuzzy_match`` does the same, so an answer listing every candidate is
paid: "0 1 2 ... 500" meets any count, and the references of every task of an intent template, said
together, meet each of them. The corrected column therefore refuses such an answer, in one sentence:

    An answer checked by ``must_include`` or ``fuzzy_match`` fails when it also names a reference of
    another task of the same intent template, or holds more than ``MAX_OTHER_NUMBERS`` numbers,
    unless the task's own references or its question hold them too (or they follow "out of").

Both halves read only what the task files say (the references of the template's tasks, loaded
together: ``with_template_references``) and what the agent wrote, never a page or a database. The
numbers' allowance keeps honest answers that say more than was asked ("$18.49, 3 left, 4.5 stars"):
an answer is cut down for listing, not for context. An answer that repeats the question's words
("the order 000170 holds 2 items") is never refused for them, nor one that states a scale ("3 stars
out of 5": the 5 is no candidate). ``paper`` keeps WebArena's reading.
"""

from __future__ import annotations

import dataclasses
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from palaestra.tasks.webarena.normalise import contains_words, normalise

if TYPE_CHECKING:
    from palaestra.tasks.webarena.config import TaskConfig

#: How many numbers an answer may hold beyond its task's references and question (distinct, after
#: normalising: "$1,299.50" and "1299.5" are one). WebArena's annotators' own answers hold at most 3
#: (``python -m bench.judging.enumeration``); "0 1 2 ... 500" holds 500.
MAX_OTHER_NUMBERS = 3

_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")
#: A scale, not a candidate: "3 stars out of 5" names one rating.
_SCALE = re.compile(r"\bout of [-+]?\d+(?:\.\d+)?(?!\S)")


def reference_items(answers: Mapping[str, Any] | None) -> list[str]:
    """Every reference a task's answer is checked against, each ``|OR|`` alternative on its own;
    an "N/A" reference (an unachievable task) is none."""
    items: list[str] = []
    for kind in ("exact_match", "must_include", "fuzzy_match"):
        value = (answers or {}).get(kind)
        if value is None:
            continue
        for item in value if isinstance(value, list) else [value]:
            items.extend(alt.strip() for alt in str(item).split("|OR|"))
    return [i for i in items if i and i.upper() != "N/A"]


def template_key(config: TaskConfig) -> int | str | None:
    """What makes tasks of one intent template: WebArena's ``intent_template_id``, else the template."""
    if config.intent_template_id >= 0:
        return int(config.intent_template_id)
    return config.intent_template or None


def with_template_references(
    configs: Iterable[TaskConfig], others: Iterable[TaskConfig] = ()
) -> list[TaskConfig]:
    """``configs``, each with ``eval.template_references``: the references of the other tasks of
    its intent template, among ``configs`` and ``others`` (tasks of the same templates that are not
    loaded: WebArena's 812 for WebArena-Lite's subset of them), in the files' order, each once."""
    loaded = list(configs)
    by_template: dict[int | str, list[str]] = defaultdict(list)
    for config in [*loaded, *others]:
        key = template_key(config)
        if key is not None:
            by_template[key].extend(reference_items(config.eval.reference_answers))
    out = []
    for config in loaded:
        key = template_key(config)
        own = set(reference_items(config.eval.reference_answers))
        theirs = by_template[key] if key is not None else []
        others_of_template = tuple(dict.fromkeys(r for r in theirs if r not in own))
        spec = dataclasses.replace(config.eval, template_references=others_of_template)
        out.append(dataclasses.replace(config, eval=spec))
    return out


def listing(
    answer: str, answers: Mapping[str, Any], template_references: Iterable[str], question: str
) -> str | None:
    """Why ``answer`` lists candidates (the rule of the module's docstring, named), or None."""
    said = _SCALE.sub("out of", normalise(answer))
    known = [normalise(i) for i in reference_items(answers)] + [normalise(question)]
    for other in template_references:
        canonical = normalise(other)
        ours = any(contains_words(k, canonical) for k in known)
        if canonical and not ours and contains_words(said, canonical):
            return (
                f"lists candidates: it also names {other!r}, the reference of another task of this "
                "intent template"
            )
    allowed = {w for k in known for w in k.split() if _NUMBER.fullmatch(w)}
    extra = list(dict.fromkeys(w for w in said.split() if _NUMBER.fullmatch(w) and w not in allowed))
    if len(extra) > MAX_OTHER_NUMBERS:
        shown = ", ".join(extra[:5]) + (", ..." if len(extra) > 5 else "")
        return (
            f"lists candidates: it holds {len(extra)} numbers that neither the references nor the "
            f"question hold ({shown}); at most {MAX_OTHER_NUMBERS} are allowed"
        )
    return None
