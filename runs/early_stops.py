"""WebArena's early stops: an agent that repeats itself, or whose answers do not parse, is stopped
before the step limit and its episode judged as it stands.

WebArena's ``run.py`` ends an episode when the same action came ``--repeating_action_failure_th``
times in a row (for a typing action: that many times anywhere in the episode, since typing the
same text into another field is rarely progress) or when ``--parsing_failure_th`` answers in a row
did not parse, both 3 by default, and judges it with the answer "Early stop: <why>". Runs do the
same with ``--repeat-stop N`` and ``--parse-stop N`` (off by default: 0), so that steps, tokens
and costs of looping agents compare with WebArena's. Actions are compared as WebArena compares
them, parsed: the same kind, element and text, however written (``click('4')``, ``click("4")``
and ``click(bid='4')`` are one action). An answer that does not parse is compared by its text, up
to whitespace.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field

from palaestra.envs.actions.action_set import ActionSet
from palaestra.envs.actions.types import Action
from palaestra.errors import ActionError

#: Actions that type text (WebArena's ``type``), counted over the whole episode.
TYPING = frozenset({"fill", "keyboard_type", "keyboard_insert_text"})


@dataclass
class EarlyStops:
    """One episode's watch for repeated and unparsable answers (0: that stop is off)."""

    repeat: int = 0
    parse: int = 0
    actions: list[Hashable] = field(default_factory=list)
    unparsed: int = 0

    def after(self, action: str, action_set: ActionSet) -> str:
        """The reason to stop after ``action`` ran ("" to go on), in WebArena's words."""
        if not (self.repeat or self.parse):
            return ""
        parsed = _parsed(action, action_set)
        key: Hashable = tuple(parsed) if parsed else " ".join(action.split())
        self.actions.append(key)
        if self.parse:
            self.unparsed = 0 if parsed else self.unparsed + 1
            if self.unparsed >= self.parse:
                return f"Failed to parse actions for {self.parse} times"
        if not self.repeat:
            return ""
        if parsed and any(one.name in TYPING for one in parsed):
            if self.actions.count(key) >= self.repeat:
                return f"Same typing action for {self.repeat} times"
        elif len(self.actions) >= self.repeat and len(set(self.actions[-self.repeat :])) == 1:
            return f"Same action for {self.repeat} times"
        return ""


def _parsed(action: str, action_set: ActionSet) -> list[Action]:
    """The answer's actions, or none when it has none or does not parse."""
    if not action.strip():
        return []
    try:
        return action_set.parse(action)
    except ActionError:
        return []
