"""Task-agnostic state abstraction: the few elements of a page that matter for a goal.

Synapse's released code abstracted states with hand-written prompts for 20 MiniWoB++ tasks. This
works on any page, from three observations about what an actor needs:

* the controls it may act on, but of a *collection* (a kind of control the page repeats: calendar
  days, the "more" button of every post, result links) only the members in the rows the goal
  names — all of them when it names none, since then the actor cannot tell them apart either;
* the page's lone controls (a Submit button, a Prev link, a text field), which goals rarely name;
* text only where the goal points at it: the few lines that share its rarest words.

Goal words count by how rare they are on the page (a word on every flight of a result list tells
nothing apart). Wrappers, decoration, repeated text and the page's own copy of the goal are
dropped; nameless members of a collection share one line. The result is printed in page order::

    [12] focused textbox First name = "Kasey"
    [15] button Submit
    [20] text Flights from SFO
    [31,32,33] div .color

On MiniWoB++'s oracle trajectories that is 0.19-0.20 of the AXTree's tokens, with every step's
target kept (bench.agents.abstraction; rules worked out on seeds 0-4, checked on 5-9).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from palaestra.agents.page_text import (
    BLAND_ROLES,
    describe,
    goal_arguments,
    goal_terms,
    hint,
    is_interactive,
    kind_word,
    letters,
    own_words,
    words,
)
from palaestra.agents.page_tree import Candidates, Page, candidates, item_roots, subtree_text
from palaestra.envs.obs import Observation

Element = dict[str, Any]
TokenCount = Callable[[str], int]


def approx_tokens(text: str) -> int:
    """A tokenizer-free estimate (about four characters a token) for when no counter is given."""
    return max(1, len(text) // 4)


@dataclass(frozen=True)
class AbstractionConfig:
    #: A hard cap; the selection itself is usually far smaller (see bench.agents.abstraction).
    max_tokens: int = 600
    max_text_chars: int = 40
    #: A kind of control that occurs this often on a page is a collection (see the module doc).
    collection_size: int = 4
    #: At most this many lines of plain text, the best matches first.
    max_text_lines: int = 2


@dataclass(frozen=True)
class AbstractState:
    text: str
    #: The ids the text shows.
    ids: tuple[str, ...]
    tokens: int
    #: Ids the text does not show because a control it shows stands for them: a control wrapped
    #: around a shown one with the same text (a tab around its link), which a click on the shown
    #: one reaches as the event bubbles up. Maps such an id to the id shown for it.
    stands_for: dict[str, str] = field(default_factory=dict)

    def represents(self, element_id: str) -> bool:
        """Whether acting on the state's elements can reach `element_id`."""
        return element_id in self.ids or self.stands_for.get(element_id, "") in self.ids


class GoalMatcher:
    """How strongly an element's own words say what the goal says.

    A goal word is worth 1/df, df being how many candidates on the page carry it, so a word that
    every row repeats (a flight's cities) is worth little. A quoted phrase that the element's text
    equals is worth 2, one it contains 1.
    """

    def __init__(self, goal: str, pool: list[Element]) -> None:
        self.words, self.phrases = goal_terms(goal)
        self.arguments = goal_arguments(goal)
        df: Counter[str] = Counter()
        for el in pool:
            df.update(own_words(el) & self.words)
        self.weight = {w: 1.0 / df[w] for w in df}

    def element(self, el: Element) -> float:
        score = sum(self.weight.get(w, 0.0) for w in own_words(el) & self.words)
        flat = letters(" ".join([el["text"], el["name"], el["value"]]))
        return score + sum(2.0 if flat == p else 1.0 for p in self.phrases if p in flat)


def kind(el: Element, outer: Element | None = None) -> tuple[str, str, str]:
    """What makes controls "the same kind": role or tag, class, and id with its digits removed
    (``slice-3`` and ``slice-4`` are alike; a ``spreader`` among them is not). For a control that
    stands for an outer one, the outer one's id counts when it has none of its own (a pie's "+"
    is a tspan like its labels, inside a text whose id says "spreader")."""
    attrs = el["attributes"]
    element_id = attrs.get("id") or (outer["attributes"].get("id", "") if outer is not None else "")
    pattern = "".join(c for c in element_id if not c.isdigit())
    return (el["role"] if el["role"] not in BLAND_ROLES else el["tag"], attrs.get("class", ""), pattern)


def item_terms(text: str, member: Element) -> set[str]:
    """An item's words for telling items apart. Short numbers count only as the member's whole
    label (a calendar's "16"): in "10:44 AM" or "$10" a goal's "10" is a coincidence."""
    label = letters(member["name"] or member["text"])
    return {w for w in words(text) if not (w.isdigit() and len(w) <= 2) or w == label}


def narrow(page: Page, members: list[Element], matcher: GoalMatcher) -> list[Element]:
    """The members of a collection in the items (rows) the goal singles out, or all of them.

    Only what sets items apart counts: a goal word or phrase found in at most half of the items
    (see `item_terms` for numbers), worth 1/(items that have it), or 2/(items) for a phrase. Items
    with at least half the best score stay, and so do ticked or selected members, whose state the
    actor may have to undo. When no item scores, or more than half of them do, the goal does not
    single any out, and the whole collection stays.
    """
    texts = [subtree_text(page, root) for root in item_roots(page, members)]
    telling = matcher.words - words(page.title)
    found = [item_terms(t, m) & telling for t, m in zip(texts, members, strict=True)]
    flat = [letters(t) for t in texts]
    limit = len(members) / 2
    df: Counter[str] = Counter(w for f in found for w in f)
    phrase_df = Counter(p for p in matcher.phrases for t in flat if p in t)
    scores = [
        sum(1.0 / df[w] for w in f if df[w] <= limit)
        + sum(2.0 / phrase_df[p] for p in matcher.phrases if p in t and phrase_df[p] <= limit)
        for f, t in zip(found, flat, strict=True)
    ]
    best = max(scores)
    kept = {m["id"] for m, score in zip(members, scores, strict=True) if best > 0 and score >= best / 2}
    if not kept or len(kept) > limit:
        return members
    return [m for m in members if m["id"] in kept or m["checked"] or m["selected"]]


def is_nameless(el: Element) -> bool:
    """Shows no text, name, value, state or label: only an id or class tells it apart."""
    named = el["name"] or el["text"] or el["value"] or el["checked"] or el["selected"]
    return not named and not hint(el).startswith('"')


def collections(found: Candidates) -> list[list[Element]]:
    """Controls grouped by `kind`. Controls alone of their kind but of the same role and id
    pattern (menu items that differ only by class: "share", "mute", "block") form one more group.
    Those lone controls come first: when a long page fills the token cap, lines the goal scores
    alike keep this order, and a site's search field or account link must not lose its place to
    the fortieth category link."""
    groups: dict[tuple[str, str, str], list[Element]] = {}
    for el in found.controls:
        groups.setdefault(kind(el, found.outermost.get(el["id"])), []).append(el)
    out: list[list[Element]] = []
    loners: dict[tuple[str, str], list[Element]] = {}
    for (role, _, pattern), members in groups.items():
        if len(members) == 1:
            loners.setdefault((role, pattern), []).append(members[0])
        else:
            out.append(members)
    return list(loners.values()) + out


def choose_controls(
    page: Page, found: Candidates, matcher: GoalMatcher, config: AbstractionConfig
) -> list[list[Element]]:
    """Every lone control, and of each collection the members the goal singles out.

    Returned as lines: a line is one control, or the nameless members of one collection together.
    """
    lines: list[list[Element]] = []
    for members in collections(found):
        if len(members) >= config.collection_size:
            members = narrow(page, members, matcher)
        nameless: dict[tuple[str, str, str], list[Element]] = {}
        for m in members:
            if is_nameless(m):
                nameless.setdefault(kind(m), []).append(m)
            else:
                lines.append([m])
        lines.extend(nameless.values())
    return lines


def choose_texts(
    texts: list[Element], shown: list[list[Element]], matcher: GoalMatcher, config: AbstractionConfig
) -> list[Element]:
    """The few text lines that match the goal best, among those that carry one of its particulars
    (`goal_arguments`: a name, a number, a quoted phrase) and do not repeat a shown control's text
    or value (an autocomplete's status line repeats its field)."""
    said = {letters(el[key]) for line in shown for el in line for key in ("text", "name", "value")}
    texts = [el for el in texts if words(el["text"]) & matcher.arguments and letters(el["text"]) not in said]
    scored = [(matcher.element(el), i, el) for i, el in enumerate(texts)]
    best = sorted((s for s in scored if s[0] > 0), key=lambda s: (-s[0], s[1]))
    return [el for _, _, el in best[: config.max_text_lines]]


def render(line: list[Element], config: AbstractionConfig) -> str:
    """One control's line, or one line for nameless look-alikes: ``[31,32,33] div .color``."""
    if len(line) == 1:
        return describe(line[0], config.max_text_chars, interactive=is_interactive(line[0]))
    ids = ",".join(el["id"] for el in line)
    shared = hint(line[0])
    if shared.startswith("#"):
        shared = ""  # each has an id of its own: the kind says enough
    return f"[{ids}] {kind_word(line[0])} {shared}".rstrip()


def abstract_state(
    obs: Observation, config: AbstractionConfig | None = None, count_tokens: TokenCount = approx_tokens
) -> AbstractState:
    """The elements of ``obs`` relevant to its goal, in page order, within the token cap."""
    config = config or AbstractionConfig()
    page = Page.of(obs)
    found = candidates(page)
    matcher = GoalMatcher(obs.get("goal", ""), found.controls + found.texts)
    order = {el["id"]: i for i, el in enumerate(page.elements)}
    chosen = choose_controls(page, found, matcher, config)
    chosen += [[el] for el in choose_texts(found.texts, chosen, matcher, config)]
    chosen.sort(key=lambda line: -max(matcher.element(el) for el in line))
    lines: list[tuple[int, list[Element], str]] = []
    used = 0
    for line in chosen:
        text = render(line, config)
        cost = count_tokens(text) + 1
        if used + cost > config.max_tokens:
            continue
        used += cost
        lines.append((order[line[0]["id"]], line, text))
    lines.sort(key=lambda item: item[0])
    return AbstractState(
        text="\n".join(text for _, _, text in lines),
        ids=tuple(el["id"] for _, line, _ in lines for el in line),
        tokens=used,
        stands_for=found.stands_for,
    )
