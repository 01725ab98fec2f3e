"""A small Google-style docstring reader for describing Python callables as APIs.

Only what routing needs: the lead text (the API's description, whose first sentence says when to
use it), one description per argument from `Args:`, the `Returns:` text, and `Examples:` lines.
Anything else (Raises, Notes, ...) is ignored rather than leaking into the description.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_SECTION = re.compile(
    r"^(Args|Arguments|Parameters|Params|Keyword Args|Keyword Arguments|Returns|Return|Yields|Raises|"
    r"Examples|Example|Notes|Note|See Also|Attributes|Warnings|Warning|Todo|References):\s*$"
)
_ARG_LINE = re.compile(r"^\*{0,2}(?P<name>[A-Za-z_]\w*)\s*(?:\([^)]*\))?\s*:\s*(?P<text>.*)$")
_ARG_SECTIONS = frozenset({"Args", "Arguments", "Parameters", "Params", "Keyword Args", "Keyword Arguments"})


@dataclass
class Docstring:
    """The parts of a docstring that routing uses."""

    description: str = ""
    params: dict[str, str] = field(default_factory=dict)
    returns: str = ""
    examples: list[str] = field(default_factory=list)


def parse_docstring(doc: str | None) -> Docstring:
    """Split a cleaned (`inspect.getdoc`) Google-style docstring into its parts."""
    parsed = Docstring()
    if not doc:
        return parsed
    lead: list[str] = []
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in doc.splitlines():
        match = _SECTION.match(line.strip()) if not line.startswith((" ", "\t")) else None
        if match:
            current = sections.setdefault(match.group(1), [])
        elif current is None:
            lead.append(line)
        else:
            current.append(line)
    parsed.description = _paragraphs(lead)
    for name, lines in sections.items():
        if name in _ARG_SECTIONS:
            parsed.params.update(_args(lines))
        elif name in ("Returns", "Return", "Yields"):
            parsed.returns = _paragraphs([ln.strip() for ln in lines])
        elif name in ("Examples", "Example"):
            parsed.examples.extend(ln.strip() for ln in lines if ln.strip())
    return parsed


def _paragraphs(lines: list[str]) -> str:
    """Join wrapped lines into paragraphs; keep blank-line paragraph breaks."""
    paragraphs: list[str] = []
    current: list[str] = []
    for line in [*lines, ""]:
        if line.strip():
            current.append(line.strip())
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    return "\n\n".join(paragraphs)


def _args(lines: list[str]) -> dict[str, str]:
    """Read `name (type): text` entries; deeper-indented lines continue the previous entry."""
    found: dict[str, list[str]] = {}
    indents = [len(ln) - len(ln.lstrip()) for ln in lines if ln.strip()]
    if not indents:
        return {}
    base = min(indents)
    last: str | None = None
    for line in lines:
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        match = _ARG_LINE.match(line.strip()) if indent == base else None
        if match:
            last = match.group("name")
            found[last] = [match.group("text").strip()]
        elif last is not None:
            found[last].append(line.strip())
    return {name: " ".join(p for p in parts if p) for name, parts in found.items()}
