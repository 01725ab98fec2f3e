"""Elements named by what they say, not by their ids, for small models; and a grammar over them.

A 270M model continuing a Synapse trajectory copies its exemplar well and looks things up badly:
given ``Task: Click on the "Yes" button.`` and the lines ``[14] button No`` / ``[15] button Yes``,
it must find the line that carries the goal's word and then copy *that line's* id, and it mostly
copies the exemplar's id instead. Naming each element by its line (``click([button Yes])``) turns
the look-up into a copy of the goal's word, which the exemplars show next to their own goals.

* ``refer_state`` rewrites an abstract state (``palaestra.agents.abstraction``): every element
  line ``[15] button Yes`` becomes ``[button Yes]``; a line that stands for several elements
  (``[14,15,16] textbox``) becomes one line per element (``[textbox #1]``...), and descriptions
  that repeat get the same ordinal suffix, so every reference names exactly one id.
* ``to_refs`` / ``from_refs`` translate action strings between ids and references.
* ``action_grammar`` is a llama.cpp GBNF grammar whose sentences are calls over the state's
  references only, so a model that decodes under it always answers something that parses and
  names an element on the page.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import MISSING, dataclass, fields

from palaestra.envs.actions.action_set import ActionSet
from palaestra.envs.actions.parser import ID_FIELDS
from palaestra.envs.actions.types import Action
from palaestra.errors import ActionError

ELEMENT_LINE = re.compile(r"^\[([A-Za-z0-9_,]+)\] ?(.*)$")
#: The states an element line starts with (``palaestra.agents.page_text.describe``).
STATES = ("focused", "checked", "selected")
#: Calls a model may write in one answer under the grammar.
MAX_CALLS = 6


@dataclass(frozen=True)
class RefState:
    """A state as shown with references, and the id each reference names."""

    text: str
    ids: dict[str, str]  # reference (without brackets) -> element id

    def reference(self, element_id: str) -> str | None:
        for ref, eid in self.ids.items():
            if eid == element_id:
                return ref
        return None


def _clean(description: str) -> str:
    """A description that can sit between brackets: no brackets or line breaks inside."""
    return " ".join(description.replace("[", "(").replace("]", ")").split()) or "element"


def refer_state(state: str) -> RefState:
    """``[15] button Yes`` lines as ``[button Yes]``; other lines (text the tools add) unchanged."""
    rows: list[tuple[str, str, str] | str] = []  # (description, id, rest) per element, or a line
    for line in state.splitlines():
        match = ELEMENT_LINE.match(line)
        if match is None:
            rows.append(line)
            continue
        element_ids = [i for i in match.group(1).split(",") if i]
        description, rest = split_description(match.group(2))
        rows += [(description, element_id, rest) for element_id in element_ids]
    repeats = Counter(row[0] for row in rows if isinstance(row, tuple))
    seen: Counter[str] = Counter()
    lines, ids = [], {}
    for row in rows:
        if isinstance(row, str):
            lines.append(row)
            continue
        description, element_id, rest = row
        if repeats[description] > 1:
            seen[description] += 1
            description = f"{description} ({seen[description]})"
        ids[description] = element_id
        lines.append(f"[{description}]{rest}")
    return RefState("\n".join(lines), ids)


def split_description(line: str) -> tuple[str, str]:
    """An element line's lasting description (kind and label), and what changes as the agent
    acts (the leading states ``focused checked selected``, a trailing value ``= "Kasey"``), which
    follows the reference: ``[textbox First name] focused = "Kasey"``."""
    words = line.split(" ")
    flags = list(itertools.takewhile(lambda w: w in STATES, words))
    core = " ".join(words[len(flags) :])
    value = ""
    if ' = "' in core:
        core, value = core.split(' = "', 1)
        value = f' = "{value}'
    rest = (" " + " ".join(flags) if flags else "") + value
    return _clean(core), rest


def _render(action: Action, state: RefState) -> str | None:
    values = [getattr(action, f.name) for f in fields(action)]
    defaults = [f.default for f in fields(action)]
    while values and values[-1] == defaults[len(values) - 1]:
        values.pop()
    shown = []
    for f, value in zip(fields(action), values, strict=False):
        if f.name in ID_FIELDS and value is None:
            continue
        if f.name in ID_FIELDS:
            ref = state.reference(str(value))
            if ref is None:
                return None
            shown.append(f"[{ref}]")
        else:
            shown.append(repr(list(value) if isinstance(value, tuple) else value))
    return f"{action.name}({', '.join(shown)})"


def to_refs(action_text: str, state: RefState, action_set: ActionSet) -> str | None:
    """An action string with ids as one with references; None when it cannot be said so (it names
    an element the state does not show, or does not parse)."""
    try:
        actions = action_set.parse(action_text)
    except ActionError:
        return None
    rendered = [_render(action, state) for action in actions]
    if any(r is None for r in rendered):
        return None
    return "\n".join(r for r in rendered if r is not None)


def from_refs(text: str, state: RefState) -> str:
    """References back to ids: ``click([button Yes])`` -> ``click('15')``. A reference the state
    does not have stays as it is, for the parser to reject with its own message."""
    for ref in sorted(state.ids, key=len, reverse=True):  # "textbox #1" before "textbox"
        text = text.replace(f"[{ref}]", repr(state.ids[ref]))
    return text


def _literal(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _call_rules(cls: type[Action]) -> list[str]:
    """The argument lists a call may have: required fields in order (an element, a quoted string
    or a number), then an optional trailing element; an element that may be None may be left out."""
    variants: list[list[str]] = [[]]
    optional_tail = ""
    for f in fields(cls):
        kind = "el" if f.name in ID_FIELDS else "num" if str(f.type).startswith(("float", "int")) else "str"
        if f.default is not MISSING or f.default_factory is not MISSING:
            if kind == "el":
                optional_tail = ' (", " el)?'
            break
        if kind == "el" and "None" in str(f.type):
            variants = [*variants, *[[*v, kind] for v in variants]]
            continue
        variants = [[*v, kind] for v in variants]
    rules = []
    for args in variants:
        inner = ' ", " '.join(args)
        rules.append(f'"{cls.name}(" {inner}{optional_tail} ")"' if inner else f'"{cls.name}()"')
    return rules


def action_grammar(
    state: RefState, action_set: ActionSet, names: list[str] | None = None, avoid: str | None = None
) -> str:
    """GBNF for one to ``MAX_CALLS`` calls, one per line, of the actions ``names`` (default: all
    of the set's), over the state's references. An answer may end with the start of the next
    ``State:`` or a blank line, which the caller's stop strings cut (without those endings a model
    that wants to stop is forced to write another call).

    ``avoid`` is a one-element call (``click([tab Section #8])``) the answer may not start with: a
    small model's strongest habit is to repeat its last action, and one that just ran without error
    rarely needs doing again at once."""
    chosen = [action_set.actions[n] for n in (names or action_set.actions) if n in action_set.actions]
    calls = [rule for cls in chosen for rule in _call_rules(cls)]
    refs = [_literal(f"[{ref}]") for ref in state.ids] or ['"[none]"']
    more = " ".join(['("\\n" call)?'] * (MAX_CALLS - 1))
    first, extra = "call", []
    match = re.fullmatch(r"([a-z_]+)\((\[.*\])\)", avoid or "")
    if match and match.group(1) in {cls.name for cls in chosen} and _literal(match.group(2)) in refs:
        others = [r for r in refs if r != _literal(match.group(2))] or ['"[none]"']
        name = match.group(1)
        alone = [rule for rule in calls if not rule.startswith(f'"{name}(" el ")"')]
        first = "first"
        again = f'"{name}(" other ")"'
        extra = [f"first ::= {' | '.join([*alone, again])}", f"other ::= {' | '.join(others)}"]
    return "\n".join([
        f'root ::= " "? {first} {more} ("\\nState:" | "\\n\\n")?',
        f"call ::= {' | '.join(calls)}",
        *extra,
        f"el ::= {' | '.join(refs)}",
        "str ::= \"'\" [^'\\\\\\n]{0,80} \"'\"",
        'num ::= "-"? [0-9]{1,5} ("." [0-9]{1,2})?',
    ])  # fmt: skip


def _point_reference(point: dict[str, object], state: RefState) -> str | None:
    """The one reference a recorded click point's element has in the state, when the point is the
    element's centre (so clicking the element is the same act), else None."""
    element = point.get("element")
    offset = point.get("offset") or [0.0, 0.0]
    if not isinstance(element, dict) or not isinstance(offset, list):
        return None
    if any(abs(float(o) - 0.5) > 0.2 for o in offset):
        return None
    label = " ".join(str(element.get("name") or element.get("text") or "").split())
    kinds = {str(element.get("role") or ""), str(element.get("tag") or "")} - {""}
    found = [ref for ref in state.ids if label and label in ref and ref.split(" ", 1)[0] in kinds]
    return found[0] if len(found) == 1 else None


def exemplar_step(step: dict[str, object], action_set: ActionSet) -> tuple[str, str]:
    """A recorded step (state and action with ids) as shown with references. A click at the centre
    of an element (``mouse_click(24.0, 80.0)``) is shown as a click on it; an action that names an
    element the state does not show stays as recorded."""
    state = refer_state(str(step.get("state", "")))
    lines = str(step.get("action", "")).splitlines()
    points = [p for p in (step.get("points") or []) if isinstance(p, dict)]  # type: ignore[attr-defined]
    shown, point_index = [], 0
    for line in lines:
        if line.startswith("mouse_click(") and point_index < len(points):
            ref = _point_reference(points[point_index], state)
            point_index += 1
            if ref is not None:
                shown.append(f"click([{ref}])")
                continue
        shown.append(to_refs(line, state, action_set) or line)
    return state.text, "\n".join(shown)
