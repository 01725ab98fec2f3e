"""Optional LLM re-ranking of the selector's best candidates.

A re-ranker sees the query and the top few fused candidates and proposes an order. It is advisory:
whatever it answers is validated (known positions only, no duplicates), candidates it leaves out
keep their fused order after the ones it named, and any failure (an LLM error, a timeout, an
answer we cannot read) leaves the fused order untouched. The model's text is parsed as data;
nothing it says is executed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from .records import NAMESPACE_SEPARATOR, ApiRecord
from .text import first_sentence, parameter_items

if TYPE_CHECKING:  # the LLM layer (and openai) is only needed by whoever builds an LLMReranker
    from palaestra.agents.llm import Model

_ARRAY = re.compile(r"\[[^\[\]]*\]")
_INT = re.compile(r"\d+")

SYSTEM_PROMPT = (
    "You choose which APIs can carry out a request. You get the request and numbered candidate APIs. "
    "Answer with only a JSON array of the candidate numbers that fit, best first, e.g. [3, 1]. "
    "Answer [] if none fits."
)


class RerankError(ValueError):
    """The re-ranker's answer could not be read as an order of candidates."""


@runtime_checkable
class ApiReranker(Protocol):
    """Reorders candidates for a query: returns 0-based positions into `candidates`, best first.

    It may return a subset; the selector appends the rest in fused order. Raising anything makes
    the selector keep its fused order.
    """

    async def rerank(self, query: str, candidates: Sequence[ApiRecord]) -> Sequence[int]: ...


def named_positions(proposed: Sequence[object], count: int) -> list[int]:
    """The valid positions (ints in [0, count)) among `proposed`, deduplicated, in their order."""
    seen: dict[int, None] = {}
    for item in proposed:
        if isinstance(item, int) and not isinstance(item, bool) and 0 <= item < count:
            seen.setdefault(item, None)
    return list(seen)


def merge_order(proposed: Sequence[object], count: int) -> list[int]:
    """A full order of `count` positions: valid proposed ones first (deduplicated), then the rest."""
    named = named_positions(proposed, count)
    return [*named, *(i for i in range(count) if i not in named)]


def parse_numbers(text: str, count: int, keys: Sequence[str] = ()) -> list[int]:
    """0-based positions from an answer that should be a JSON array of 1-based numbers.

    Accepts the array anywhere in the text (models add prose or code fences); falls back to the
    candidates' keys named in the text, then to the bare numbers in it. Models often answer with
    the APIs' names instead of their numbers, so an item may also be one of `keys` (the
    candidates' `namespace/name` keys, in order), its provider name or its bare name. Raises
    `RerankError` when the answer names no candidate: an answer naming only APIs that are not
    among the candidates is not an answer that none fits.
    """
    lookup = _names(keys)
    items = _first_array(text)
    if items is not None:
        positions = [p for p in (_position(item, count, lookup) for item in items) if p is not None]
        if items and not positions:
            raise RerankError(f"the answer names no candidate between 1 and {count}: {text[:200]!r}")
        return positions
    mentioned = _keys_in_prose(text, lookup)
    if mentioned:
        return mentioned
    numbers = [int(m) for m in _INT.findall(text)]
    if not numbers:
        if text.strip().strip(".").lower() in ("none", "none fits"):
            return []
        raise RerankError(f"no candidate numbers in the answer: {text[:200]!r}")
    positions = [n - 1 for n in numbers if 1 <= n <= count]
    if not positions:
        raise RerankError(f"the answer names no candidate between 1 and {count}: {text[:200]!r}")
    return positions


def _first_array(text: str) -> list[object] | None:
    for match in _ARRAY.finditer(text):
        try:
            parsed = json.loads(match.group(0))
        except ValueError:
            continue
        if isinstance(parsed, list):
            return parsed
    return None


def _names(keys: Sequence[str]) -> dict[str, int]:
    """Lower-cased spellings of each candidate's key -> its position: the key, the provider name
    (`namespace__name`) and, when no other candidate shares it, the bare name."""
    lookup: dict[str, int] = {}
    bare: dict[str, list[int]] = {}
    for position, key in enumerate(keys):
        namespace, _, name = key.partition(NAMESPACE_SEPARATOR)
        lookup[key.lower()] = position
        lookup[f"{namespace}__{name}".lower()] = position
        bare.setdefault(name.lower(), []).append(position)
    for name, positions in bare.items():
        if len(positions) == 1:
            lookup.setdefault(name, positions[0])
    return lookup


def _position(item: object, count: int, lookup: dict[str, int]) -> int | None:
    """The 0-based position an array item names (a 1-based number or a candidate's name), or None."""
    if _is_number(item):
        number = int(str(item).strip())
        return number - 1 if 1 <= number <= count else None
    return lookup.get(item.strip().lower()) if isinstance(item, str) else None


def _is_number(value: object) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit())


def _keys_in_prose(text: str, lookup: dict[str, int]) -> list[int]:
    """Positions of the candidates whose full key or provider name the text mentions, in the order
    they are mentioned (bare names are left out: prose is full of ordinary words)."""
    lowered = text.lower()
    found: dict[int, int] = {}
    for name, position in lookup.items():
        if NAMESPACE_SEPARATOR not in name and "__" not in name:
            continue
        at = lowered.find(name)
        if at >= 0:
            found[position] = min(at, found.get(position, at))
    return sorted(found, key=found.__getitem__)


def describe(record: ApiRecord, chars: int = 200) -> str:
    """One compact line per candidate for the prompt."""
    params = ", ".join(name for name, _ in parameter_items(record.parameters)[:10])
    line = f"{record.key} — {first_sentence(record.description, chars)}"
    return f"{line} (parameters: {params})" if params else line


class LLMReranker:
    """An `ApiReranker` over any `Model` (one short request per query).

    A chat model gets a system and a user message; a model that continues text (the embedded one)
    gets the same text as a prompt that opens the answer's JSON array for it, which a small
    pretrained model follows where it would not follow an instruction.
    """

    def __init__(self, model: Model | None = None, *, description_chars: int = 200) -> None:
        """``model`` None: the configured ``PALAESTRA_LLM_*`` endpoint, else the embedded LLM."""
        from palaestra.agents.llm import default_model, prompt_style

        self.model = model if model is not None else default_model()
        self.description_chars = description_chars
        self.style = prompt_style(self.model)

    def messages(self, query: str, candidates: Sequence[ApiRecord]) -> list[dict[str, str]]:
        chars = self.description_chars
        listing = "\n".join(f"{i}. {describe(r, chars)}" for i, r in enumerate(candidates, 1))
        return [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": f"Request: {query}\n\nCandidates:\n{listing}"},
        ]

    async def rerank(self, query: str, candidates: Sequence[ApiRecord]) -> list[int]:
        messages = self.messages(query, candidates)
        if self.style == "chat":
            completion = await self.model.complete(messages)
            return parse_numbers(completion.text or "", len(candidates), [r.key for r in candidates])
        prompt = f"{messages[0]['content']}\n\n{messages[1]['content']}\n\nAnswer: ["
        completion = await self.model.complete_text(prompt, stop=["]", "\n"], max_tokens=24)
        return parse_numbers(f"[{completion.text}]", len(candidates), [r.key for r in candidates])
