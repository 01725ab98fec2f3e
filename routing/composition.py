"""What comes before a tool: the APIs whose output a tool's parameters are documented to come from.

TaskMatrix's API documents say which APIs usually come before and after one; registries say it in
prose: "`hotel_id` can be retrieved from ...(Search Hotels) endpoint", "The originSkyId code can be
extracted from the Search Airport API". A request to "compare hotel policies" needs the hotel
search first even though it never says so. `CompositionGraph` reads those sentences (in parameter
descriptions and in `ApiRecord.composition`) and links each tool to the registry's tools they name,
by their name's words ("Search Hotels" names `Search_Hotels`; "Search Airport API" names
`SkyScrapperSearchAirport` through its last words), within the tool's own namespace (one server's
or collection's documents name its own APIs). Only required parameters count: an optional filter's
source is not a step the task needs. `expand` then puts a selected tool's
prerequisites right after it, so a multi-step task's top five hold the chain it needs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from .records import ApiRecord
from .text import parameter_items, split_identifier

#: The phrases that say where a value comes from; what follows them (to the sentence's end) is read.
_SOURCE = re.compile(
    r"\b(?:retrieved|obtained|extracted|returned|taken|comes?|got|fetched)\s+(?:from|by|through|via|with|using)\b"
    r"(.{0,400}?)(?:[.;](?:\s|$)|$)",
    re.IGNORECASE | re.DOTALL,
)
_PATH = re.compile(r"[\w.{}-]*/[\w/.{}-]*")
#: A name's shortest tail that may stand for it ("search airport" for SkyScrapperSearchAirport).
MIN_TAIL_WORDS = 2


class CompositionGraph:
    """Each record's prerequisites (keys of the records its parameters' values come from)."""

    def __init__(self, records: Iterable[ApiRecord]) -> None:
        self.records = {r.key: r for r in records}
        phrases: dict[str, list[str]] = {}
        for key, record in self.records.items():
            words = split_identifier(record.name)
            for start in range(0, max(1, len(words) - MIN_TAIL_WORDS + 1)):
                phrases.setdefault(" ".join(words[start:]), []).append(key)
        self._phrases = sorted(phrases.items(), key=lambda item: -len(item[0]))  # longest first
        self.before: dict[str, list[str]] = {}
        for key, record in self.records.items():
            found = self._named(source_clauses(record))
            found = [k for k in found if k != key and self.records[k].namespace == record.namespace]
            if found:
                self.before[key] = found

    def _named(self, clauses: Sequence[str]) -> list[str]:
        """Keys of the records the clauses name, each once, the longest name matched first."""
        out: dict[str, None] = {}
        for clause in clauses:
            clause = _PATH.sub(" ", clause)  # `api/v1/hotels/searchHotels` is a route, not a name
            text = f" {' '.join(split_identifier(clause))} "
            for phrase, keys in self._phrases:
                if f" {phrase} " in text:
                    out.update(dict.fromkeys(keys))
                    text = text.replace(f" {phrase} ", " | ")  # a shorter tail of it is not another name
        return list(out)

    def prerequisites(self, key: str) -> list[str]:
        return self.before.get(key, [])

    def expand(self, keys: Sequence[str], k: int) -> list[str]:
        """`keys` in order, each followed by its prerequisites (and theirs) not yet listed; the
        first `k`."""
        out: dict[str, None] = {}

        def visit(key: str) -> None:
            if key in out:
                return
            out[key] = None
            for before in self.prerequisites(key):
                visit(before)

        for key in keys:
            visit(key)
            if len(out) >= k:
                break
        return list(out)[:k]


def source_clauses(record: ApiRecord) -> list[str]:
    """The text after "retrieved from", "obtained through"... in the descriptions of the record's
    required parameters (all of them when it marks none) and in its composition notes."""
    required = record.parameters.get("required") or []
    items = parameter_items(record.parameters)
    texts = [text for name, text in items if not required or name in required] + [record.composition]
    return [m.group(1) for text in texts if text for m in _SOURCE.finditer(text)]
