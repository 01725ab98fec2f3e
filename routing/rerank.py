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

from .records import ApiRecord
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


def parse_numbers(text: str, count: int) -> list[int]:
    """0-based positions from an answer that should be a JSON array of 1-based numbers.

    Accepts the array anywhere in the text (models add prose or code fences); falls back to the
    bare numbers in the text. Raises `RerankError` when no candidate number can be found.
    """
    numbers: list[int] | None = None
    for match in _ARRAY.finditer(text):
        try:
            parsed = json.loads(match.group(0))
        except ValueError:
            continue
        if isinstance(parsed, list):
            numbers = [int(str(v).strip()) for v in parsed if _is_number(v)]
            break
    if numbers is None:
        numbers = [int(m) for m in _INT.findall(text)]
        if not numbers:
            if text.strip().strip(".").lower() in ("none", "none fits"):
                return []
            raise RerankError(f"no candidate numbers in the answer: {text[:200]!r}")
    positions = [n - 1 for n in numbers if 1 <= n <= count]
    if numbers and not positions:
        raise RerankError(f"the answer names no candidate between 1 and {count}: {text[:200]!r}")
    return positions


def _is_number(value: object) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit())


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
            return parse_numbers(completion.text or "", len(candidates))
        prompt = f"{messages[0]['content']}\n\n{messages[1]['content']}\n\nAnswer: ["
        completion = await self.model.complete_text(prompt, stop=["]", "\n"], max_tokens=24)
        return parse_numbers(f"[{completion.text}]", len(candidates))
