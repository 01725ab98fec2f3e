"""WebArena's early stops: an agent that repeats itself, or whose answers do not parse, is stopped
before the step limit and its episode judged as it stands.

WebArena's ``run.py`` ends an episode when the same action came ``--repeating_action_failure_th``
times in a row (for a typing action: that many times anywhere in the episode, since typing the
same text into another field is rarely progress) or when ``--parsing_failure_th`` answers in a row
did not parse, both 3 by default, and judges it with the answer "Early stop: <why>". Runs do the
same with ``--repeat-stop N`` and ``--parse-stop N`` (off by default: 0), so that steps, tokens
and costs of looping agents compare with WebArena's. Actions are the same when their text is, up
to whitespace (WebArena compares its parsed actions: type, element and text).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from palaestra.envs.actions.action_set import ActionSet
from palaestra.errors import ActionError

#: Actions that type text (WebArena's ``type``), counted over the whole episode.
TYPING = ("fill(", "type(")


@dataclass
class EarlyStops:
    """One episode's watch for repeated and unparsable answers (0: that stop is off)."""

    repeat: int = 0
    parse: int = 0
    actions: list[str] = field(default_factory=list)
    unparsed: int = 0

    def after(self, action: str, action_set: ActionSet) -> str:
        """The reason to stop after ``action`` ran ("" to go on), in WebArena's words."""
        text = " ".join(action.split())
        self.actions.append(text)
        if self.parse:
            self.unparsed = self.unparsed + 1 if not _parses(action, action_set) else 0
            if self.unparsed >= self.parse:
                return f"Failed to parse actions for {self.parse} times"
        if not self.repeat:
            return ""
        if text.startswith(TYPING):
            if self.actions.count(text) >= self.repeat:
                return f"Same typing action for {self.repeat} times"
        elif len(self.actions) >= self.repeat and len(set(self.actions[-self.repeat :])) == 1:
            return f"Same action for {self.repeat} times"
        return ""


def _parses(action: str, action_set: ActionSet) -> bool:
    if not action.strip():
        return False
    try:
        action_set.parse(action)
    except ActionError:
        return False
    return True
