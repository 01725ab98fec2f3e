"""Task-agnostic state abstraction: the few elements of a page that matter for a goal.

Synapse's released code abstracted states with hand-written prompts for 20 MiniWoB++ tasks. This
works on any page: it keeps the interactive elements and the innermost elements that carry text,
drops decoration, wrappers and repeated text, ranks what is left by relevance to the goal, and keeps
the best within a token budget, printed in page order::

    [15] button "Submit"
    [12] textbox "First name" value="Kasey"
    [20] text "Flights from SFO"
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Obs = dict[str, Any]
TokenCount = Callable[[str], int]

INTERACTIVE_TAGS = {"a", "button", "input", "select", "textarea", "option", "label", "summary"}
INTERACTIVE_ROLES = {
    "button", "link", "checkbox", "radio", "option", "tab", "menuitem", "textbox", "combobox", "listbox",
    "slider", "spinbutton", "treeitem", "switch", "searchbox", "menuitemcheckbox", "menuitemradio",
}  # fmt: skip
CONTAINER_TAGS = {"html", "body", "svg", "form", "table", "tbody", "thead", "tr", "ul", "ol"}
WORD = re.compile(r"[a-z0-9]+")
STOPWORDS = {
    "the", "a", "an", "and", "or", "of", "to", "in", "on", "for", "with", "from", "into", "by", "at", "is",
    "it", "its", "then", "that", "this", "as", "be", "are", "all", "your", "you", "select", "click",
    "enter", "press", "field", "button", "submit", "text",
}  # fmt: skip


def approx_tokens(text: str) -> int:
    """A tokenizer-free estimate (about four characters a token) for when no counter is given."""
    return max(1, len(text) // 4)


@dataclass(frozen=True)
class AbstractionConfig:
    max_tokens: int = 600
    max_elements: int = 60
    max_text_chars: int = 80


@dataclass(frozen=True)
class AbstractState:
    text: str
    ids: tuple[str, ...]
    tokens: int


def words(text: str) -> set[str]:
    return {w for w in WORD.findall(text.lower()) if w not in STOPWORDS}


def quoted_phrases(goal: str) -> list[str]:
    return [p.lower() for p in re.findall(r'"([^"]+)"', goal) if p.strip()]


HINT_ATTRIBUTES = ("aria-label", "title", "alt", "placeholder", "name", "id", "class")


def hint(el: dict[str, Any]) -> str:
    """What names an element that shows no text: its label-like attributes, else its id or class."""
    attrs = el["attributes"]
    for key in HINT_ATTRIBUTES:
        value = " ".join(attrs.get(key, "").split()[:2])
        if value:
            return f'{key}="{value}"'
    return ""


def is_interactive(el: dict[str, Any]) -> bool:
    if el["tag"] in CONTAINER_TAGS:
        return False
    return (
        el["editable"]
        or el["tag"] in INTERACTIVE_TAGS
        or el["role"] in INTERACTIVE_ROLES
        or (el["clickable"] and bool(el["text"] or hint(el)))
    )


def describe(el: dict[str, Any], max_chars: int) -> str:
    """One line for an element: id, kind, visible name or text (or a hint), value and state."""
    kind = el["role"] if el["role"] and el["role"] not in ("generic", "none", "StaticText") else el["tag"]
    if not is_interactive(el):
        kind = "text" if el["tag"] not in ("img", "svg") else el["tag"]
    label = el["name"] or el["text"]
    parts = [f"[{el['id']}]", kind]
    if label:
        parts.append(f'"{label[:max_chars]}"')
    elif hint(el):
        parts.append(hint(el))
    value = el["value"]
    if value and (el["editable"] or el["tag"] == "select"):
        parts.append(f'value="{value[:max_chars]}"')
    if el["checked"]:
        parts.append("checked")
    if el["selected"]:
        parts.append("selected")
    if el["focused"]:
        parts.append("focused")
    return " ".join(parts)


def letters(text: str) -> str:
    return "".join(WORD.findall(text.lower()))


def candidates(obs: Obs) -> list[dict[str, Any]]:
    """Visible interactive elements, and the innermost visible element for each distinct text.

    Dropped: wrappers (elements whose text their children already carry), the page's own copy of
    the goal (the goal is given apart from the state), labels that only repeat their control's
    name, and text seen before.
    """
    elements = [e for e in obs.get("elements", []) if e["visible"]]
    children: dict[str, list[dict[str, Any]]] = {}
    for el in elements:
        children.setdefault(el["parent"], []).append(el)
    goal = letters(obs.get("goal", ""))
    echo: set[str] = set()
    for el in elements:  # parents come before children, so a whole echo subtree is caught
        if el["parent"] in echo or (goal and letters(el["text"]) == goal):
            echo.add(el["id"])
    names = {
        letters(e["name"]) for e in elements if e["tag"] in ("input", "select", "textarea") and e["name"]
    }
    kept: list[dict[str, Any]] = []
    seen_text: set[str] = set()
    for el in elements:
        text = letters(el["text"])
        covered = sum(len(letters(c["text"])) for c in children.get(el["id"], []))
        wrapper = bool(text) and covered >= 0.9 * len(text)
        if is_interactive(el):
            if el["tag"] == "label" and text in names:
                continue
            kept.append(el)
            continue
        if el["id"] in echo or not text or el["tag"] in CONTAINER_TAGS or text in seen_text or wrapper:
            continue
        seen_text.add(text)
        kept.append(el)
    return kept


def relevance(el: dict[str, Any], goal_words: set[str], phrases: list[str]) -> float:
    own = " ".join([el["text"], el["name"], el["value"], *el["attributes"].values()]).lower()
    score = 2.0 if is_interactive(el) else 0.0
    score += 3.0 * sum(1 for p in phrases if p in own)
    score += len(goal_words & words(own))
    if not el["in_viewport"]:
        score -= 0.5
    return score


def neighbourhood_bonus(obs: Obs, scores: dict[str, float], goal_words: set[str]) -> None:
    """Elements near a strong match gain: "the star of the email by Cathrine" is next to "Cathrine".

    A direct match marks its parent and grandparent; an element gains the best mark on its own parent
    or grandparent. Two levels keep the bonus local: a list of many items does not spread it.
    """
    parent = {e["id"]: e["parent"] for e in obs.get("elements", [])}
    best_under: dict[str, float] = {}
    for el in obs.get("elements", []):
        direct = len(goal_words & words(el["text"] + " " + el["name"]))
        if direct <= 0:
            continue
        node = el["id"]
        for _ in range(2):
            node = parent.get(node, "")
            if not node:
                break
            best_under[node] = max(best_under.get(node, 0.0), float(direct))
    for el_id in scores:
        node, bonus = el_id, 0.0
        for _ in range(2):
            node = parent.get(node, "")
            if not node:
                break
            bonus = max(bonus, best_under.get(node, 0.0))
        scores[el_id] += bonus


def abstract_state(
    obs: Obs, config: AbstractionConfig | None = None, count_tokens: TokenCount = approx_tokens
) -> AbstractState:
    """The elements of ``obs`` most relevant to its goal, in page order, within the token budget."""
    config = config or AbstractionConfig()
    goal = obs.get("goal", "")
    goal_words, phrases = words(goal), quoted_phrases(goal)
    pool = candidates(obs)
    order = {el["id"]: i for i, el in enumerate(pool)}
    scores = {el["id"]: relevance(el, goal_words, phrases) for el in pool}
    neighbourhood_bonus(obs, scores, goal_words)
    ranked = sorted(pool, key=lambda e: (-scores[e["id"]], order[e["id"]]))
    chosen: list[tuple[int, str, str]] = []
    used = 0
    for el in ranked[: config.max_elements]:
        if scores[el["id"]] <= 0 and not is_interactive(el):
            continue  # text that shares nothing with the goal and stands near nothing that does
        line = describe(el, config.max_text_chars)
        cost = count_tokens(line) + 1
        if used + cost > config.max_tokens:
            continue
        used += cost
        chosen.append((order[el["id"]], el["id"], line))
    chosen.sort()
    return AbstractState(
        text="\n".join(line for _, _, line in chosen), ids=tuple(i for _, i, _ in chosen), tokens=used
    )
