"""A tool env's action errors in its tools' own terms.

A tool env's tool (``fill(element_id, text)``) writes an action string (``fill('12', 'hi')``) that
the environment's parser reads; when the parser refuses it, its message names the action and its
signature (``fill(): `text` must be a string, got 5. Usage: fill(id, text,
enable_autocomplete_menu=False)``), a call form the policy never saw and cannot make. `ToolForm`
says the same in the tool's terms: its name, its argument names, and a call it can copy
(``fill(): `text` must be a string, got 5. Usage: fill(element_id="12", text="hello")``). Errors
that are not about the call's form (no such element on the page) are the page's, left as they are.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from palaestra.whole_numbers import as_element_id

#: Where the parser's messages give the action's signature.
_USAGE = " Usage: "
#: An action's name at the start of a parser message (``fill(): ...``).
_NAMED = re.compile(r"^\w+\(\)")


@dataclass(frozen=True)
class ToolForm:
    """How one tool is called: ``usage``, a call to copy (``click(element_id="12")``), and
    ``names``, the action's argument names the tool's are written as (``{"id": "element_id"}``)."""

    usage: str
    names: Mapping[str, str] = field(default_factory=dict)

    @property
    def tool(self) -> str:
        return self.usage.partition("(")[0]

    def told(self, error: str) -> str:
        """``error`` as the tool's caller reads it: the parser's refusal of the call's form names
        the tool, its arguments and its usage; any other error is returned unchanged."""
        head, usage, _ = error.partition(_USAGE)
        named = _NAMED.match(head)
        if not usage and named is None:
            return error
        if named is not None:
            head = f"{self.tool}(){head[named.end() :]}"
        for action_name, tool_name in self.names.items():
            head = head.replace(f"`{action_name}`", f"`{tool_name}`")
        return f"{head.rstrip()} Usage: {self.usage}"


def id_text(value: Any) -> Any:
    """An element id as models write it (`as_element_id`); anything else as given, for the parser
    to refuse in its own words (then told in the tool's, `ToolForm.told`)."""
    found = as_element_id(value)
    return value if found is None else found
