"""OSWorld's ``compare_conference_city_in_order`` (a multi_apps task: fill in each conference's host
city in a Calc sheet), written afresh with its name, arguments and semantics: the active sheet's
cells C2 to C22, in order, each hold the expected city of its row (or one of several spellings).

OSWorld reads the expected cities with its ``conference_city_in_order`` getter from a CSV on the
machine that judges; here they are the ``expected`` list of a ``rule`` getter, checked at load.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from palaestra.tasks.desktop.osworld.calc_books import UnreadableBook, load_book
from palaestra.tasks.desktop.osworld.errors import OSWorldTaskError

#: The cells OSWorld reads: column C, rows 2 to 22 (a header row, then 21 conferences).
CITY_CELLS = "C2:C22"


def compare_conference_city_in_order(book: Any, rules: dict[str, Any]) -> float:
    """Each of C2..C22 contains its row's expected text (``rules["expected"][i]``, a string or a
    list of accepted strings, any one of which will do); an empty cell, or fewer expected entries
    than cells, scores 0, as in OSWorld. Cells are read as saved (a formula as its text)."""
    if not book or not Path(str(book)).is_file():
        return 0.0
    try:
        sheet = load_book(Path(str(book)), formulas=True).active
    except UnreadableBook:
        return 0.0
    if sheet is None:
        return 0.0
    cities = [row[0].value for row in sheet[CITY_CELLS]]
    expected = rules["expected"]
    if len(expected) < len(cities):
        return 0.0
    for city, wanted in zip(cities, expected, strict=False):
        accepted = wanted if isinstance(wanted, list) else [wanted]
        if not isinstance(city, str) or not any(name in city for name in accepted):
            return 0.0
    return 1.0


def check_city_rules(rules: Any, source: str, where: str) -> None:
    """``{"expected": [a city, or a list of its accepted spellings, per row]}``."""
    expected = rules.get("expected") if isinstance(rules, dict) else None
    ok = isinstance(expected, list) and all(
        isinstance(e, str) or (isinstance(e, list) and e and all(isinstance(s, str) for s in e))
        for e in expected
    )
    if not ok:
        raise OSWorldTaskError(
            source,
            where,
            "`compare_conference_city_in_order` needs rules "
            f'{{"expected": [city or [spellings], ...]}}, got {rules!r}',
        )
