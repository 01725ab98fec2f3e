"""Words and one-line descriptions of page elements, shared by the state abstraction and its users.

An element here is one entry of an observation's ``elements`` list (see ``palaestra.envs.elements``).
"""

from __future__ import annotations

import re
from typing import Any

Element = dict[str, Any]

INTERACTIVE_TAGS = {"a", "button", "input", "select", "textarea", "option", "label", "summary"}
INTERACTIVE_ROLES = {
    "button", "link", "checkbox", "radio", "option", "tab", "menuitem", "textbox", "combobox", "listbox",
    "slider", "spinbutton", "treeitem", "switch", "searchbox", "menuitemcheckbox", "menuitemradio",
}  # fmt: skip
CONTAINER_TAGS = {"html", "body", "svg", "form", "table", "tbody", "thead", "tr", "ul", "ol"}
#: Roles of regions and containers: clickable ones (a draggable dialog) are still not controls.
STRUCTURAL_ROLES = {
    "dialog", "alertdialog", "document", "article", "region", "group", "list", "table", "grid", "tabpanel",
    "menu", "menubar", "toolbar", "tablist", "tree", "navigation", "main", "form", "banner", "feed", "log",
    "status", "complementary", "contentinfo", "application", "figure", "RootWebArea",
}  # fmt: skip
#: Roles that say nothing about what an element is for.
BLAND_ROLES = {"", "generic", "none", "StaticText", "presentation"}
WORD = re.compile(r"[a-z0-9]+")
#: Words of instructions that name no element ("click", "the"); "submit" or "button" stay, since
#: pages say them too, and page-rarity weighting (``GoalMatcher``) discounts the common ones.
STOPWORDS = {
    "the", "a", "an", "and", "or", "of", "to", "in", "on", "for", "with", "from", "into", "by", "at", "is",
    "it", "its", "then", "that", "this", "as", "be", "are", "all", "your", "you", "select", "click",
    "enter", "press", "hit", "find", "use", "type", "below", "above",
}  # fmt: skip
LABEL_ATTRIBUTES = ("aria-label", "title", "alt", "placeholder")


#: Endings that look like a plural's "s" but are not one: "status", "class", "analysis".
NOT_PLURAL = ("ss", "us", "is")
#: Double consonants that stay double when "-ed"/"-ing" is taken off: "filled", "passing", "buzzed".
KEPT_DOUBLES = set("lsz")


def stem(word: str) -> str:
    """A light English stemmer, so that a goal's "ticket" finds a page's "Tickets" and "merged" finds
    "Merge": plural "-s"/"-es"/"-ies" and inflectional "-ed"/"-ing" come off, then a final silent
    "e" ("merge" and "merged" both give "merg"). A stem keeps at least three letters ("red", "bus" and
    "sing" stay whole), and a number is left alone. Both the goal's words and the page's go through
    it; it is not a dictionary, so it errs towards leaving a word as it is.
    """
    if not word.isalpha() or len(word) <= 3:
        return word
    if word.endswith(("ies", "ied")) and len(word) > 4:
        return word[:-3] + "y"
    for ending in ("ing", "ed"):
        base = word[: -len(ending)]
        if word.endswith(ending) and len(base) >= 3:
            if base[-1] == base[-2] and base[-1] not in KEPT_DOUBLES and base[-1] not in "aeiou":
                base = base[:-1]  # "stopped", "running"
            base = base[:-1] if base.endswith("e") else base
            return base if len(base) >= 3 else word  # "speed" stays
    if word.endswith("es") and len(word) > 5 and word[:-2].endswith(("s", "x", "z", "ch", "sh")):
        return word[:-2]  # "branches", "classes"
    if word.endswith("s") and not word.endswith(NOT_PLURAL):
        word = word[:-1]
    return word[:-1] if word.endswith("e") and len(word) > 3 else word


def normal(word: str) -> str:
    """A word as matched: numbers without leading zeros, so a goal's "06" finds a calendar's "6";
    other words by their `stem`, so a goal's "ticket" finds a page's "Tickets"."""
    return word.lstrip("0") or "0" if word.isdigit() else stem(word)


def words(text: str) -> set[str]:
    return {normal(w) for w in WORD.findall(text.lower()) if w not in STOPWORDS}


def letters(text: str) -> str:
    return "".join(WORD.findall(text.lower()))


def goal_terms(goal: str) -> tuple[set[str], list[str]]:
    """The goal's content words, and its quoted phrases as letters only."""
    phrases = [letters(p) for p in re.findall(r'"([^"]+)"', goal)]
    return words(goal), [p for p in phrases if p]


def goal_arguments(goal: str) -> set[str]:
    """The goal's particulars, as opposed to its instructions: quoted text, numbers, and words it
    capitalises mid-sentence ("the email by Cathrine", "to: LEX on 10/16/2016")."""
    found = set().union(*(words(p) for p in re.findall(r'"([^"]+)"', goal)))
    sentence_start = True
    for token in re.findall(r"[A-Za-z0-9@]+|[.!?]", goal):
        if token in ".!?":
            sentence_start = True
            continue
        if token[0].isdigit() or (token[0].isupper() and not sentence_start) or token.startswith("@"):
            found |= words(token)
        sentence_start = False
    return found


def own_words(el: Element) -> set[str]:
    """What an element says about itself: text, name, value, role, and label-like attributes."""
    attrs = el["attributes"]
    parts = [el["text"], el["name"], el["value"], el["role"], el["tag"]]
    parts += [attrs.get(key, "") for key in (*LABEL_ATTRIBUTES, "class")]
    return words(" ".join(parts))


def hint(el: Element) -> str:
    """What names an element that shows no text: a label-like attribute, else its id or class."""
    attrs = el["attributes"]
    for key in LABEL_ATTRIBUTES:
        value = " ".join(attrs.get(key, "").split()[:4])
        if value:
            return f'"{value}"'
    if attrs.get("id", "").strip():
        return "#" + attrs["id"].split()[0]
    if attrs.get("class", "").strip():
        return "." + attrs["class"].split()[0]
    return ""


def is_interactive(el: Element) -> bool:
    """A control an actor may act on. A label counts only when it names a field elsewhere (``for``):
    one around its field, or one that labels nothing (a "Depart:" caption), is text. A region (a
    dialog made draggable) is not a control for being clickable."""
    if el["tag"] in CONTAINER_TAGS or (el["tag"] == "label" and not el["attributes"].get("for")):
        return False
    if el["role"] in STRUCTURAL_ROLES and not el["editable"] and el["tag"] not in INTERACTIVE_TAGS:
        return False
    return (
        el["editable"]
        or el["tag"] in INTERACTIVE_TAGS
        or el["role"] in INTERACTIVE_ROLES
        or (el["clickable"] and bool(el["text"] or hint(el)))
    )


def is_native_control(el: Element) -> bool:
    """A control by its tag or role, not merely by a click handler."""
    return el["tag"] in INTERACTIVE_TAGS or el["role"] in INTERACTIVE_ROLES or el["editable"]


def kind_word(el: Element, interactive: bool = True) -> str:
    """What an element is, in one word: its role, else its tag; plain "text" for text."""
    if interactive:
        return str(el["tag"] if el["role"] in BLAND_ROLES else el["role"])
    return str(el["tag"] if el["tag"] in ("img", "svg") else "text")


def describe(el: Element, max_chars: int, interactive: bool = True) -> str:
    """One line for an element: id, state, kind, visible name or text (or a hint), and value::

        [12] focused textbox First name = "Kasey"
        [14] checked checkbox Remember me

    States come from a fixed few words and stand before the kind, as in English, so the name can
    go unquoted (it is the rest of the line up to a quoted value): quotes would cost two tokens on
    every line of every prompt.
    """
    label = " ".join((el["name"] or el["text"]).split())
    states = [state for state in ("focused", "checked", "selected") if el[state]]
    parts = [f"[{el['id']}]", *states, kind_word(el, interactive)]
    if label:
        parts.append(label[:max_chars])
    elif hint(el):
        parts.append(hint(el))
    value = " ".join(el["value"].split())
    if value and (el["editable"] or el["tag"] == "select"):
        parts.append(f'= "{value[:max_chars]}"')
    return " ".join(parts)
