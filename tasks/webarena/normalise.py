"""The deterministic stand-in for WebArena's LLM fuzzy match, and its text normaliser.

``normalise`` puts an answer and a reference into one canonical form: lower case, one space between
words, punctuation around words dropped, numbers without thousands separators, currency signs or
trailing zeros ("$1,299.50" -> "1299.5"), small number words as digits ("three" -> "3"), dates as
ISO ("March 5, 2025", "5 Mar 2025", "5 Mar '25", "03/05/2025" -> "2025-03-05"; slashes read month first, as in
the United States), and unit spellings as one symbol ("lbs", "pounds" -> "lb"). ``fuzzy_match``
then accepts an answer whose canonical words contain the reference's as a run of whole words, so
"The total was $1,299.50." matches "1299.50", but "12" does not match "120".
"""

from __future__ import annotations

import datetime as dt
import re

MONTHS = {
    name: number
    for number, names in enumerate(
        [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
         ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
         ("october", "oct"), ("november", "nov"), ("december", "dec")],
        start=1,
    )
    for name in names
}  # fmt: skip
NUMBER_WORDS = {
    w: str(i)
    for i, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        ]
    )
}
UNITS = {
    "lbs": "lb", "pound": "lb", "pounds": "lb", "ounces": "oz", "ounce": "oz", "inches": "in", "inch": "in",
    "feet": "ft", "foot": "ft", "kilograms": "kg", "kilogram": "kg", "kgs": "kg", "grams": "g", "gram": "g",
    "meters": "m", "metres": "m", "meter": "m", "centimeters": "cm", "miles": "mi", "mile": "mi",
    "minutes": "min", "mins": "min", "hours": "h", "hrs": "h", "hr": "h", "dollars": "usd", "dollar": "usd",
    "percent": "%", "pct": "%",
}  # fmt: skip
NOT_APPLICABLE = {
    "n/a",
    "na",
    "n.a.",
    "not applicable",
    "none",
    "not available",
    "unanswerable",
    "infeasible",
}

_ISO = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_US = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
_MONTH_FIRST = re.compile(r"\b([a-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b")
_DAY_FIRST = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]{3,9})\.?,?\s+(\d{4}|'\d{2})(?!\d)")
_ISO_WORD = re.compile(r"\d{4}-\d{2}-\d{2}")
_NUMBER = re.compile(r"(?<![\w.])[-+]?\$?\d[\d,]*(?:\.\d+)?(?![\w.]*\d)")


def _date(year: int, month: int, day: int) -> str | None:
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def _dates(text: str) -> str:
    def iso(m: re.Match[str]) -> str:
        return _date(int(m[1]), int(m[2]), int(m[3])) or m[0]

    def us(m: re.Match[str]) -> str:
        return _date(int(m[3]), int(m[1]), int(m[2])) or m[0]

    def month_first(m: re.Match[str]) -> str:
        month = MONTHS.get(m[1])
        return (_date(int(m[3]), month, int(m[2])) if month else None) or m[0]

    def day_first(m: re.Match[str]) -> str:  # also forum style: "5 Jul '21"
        month = MONTHS.get(m[2])
        year = 2000 + int(m[3][1:]) if m[3].startswith("'") else int(m[3])
        return (_date(year, month, int(m[1])) if month else None) or m[0]

    for pattern, fix in ((_ISO, iso), (_US, us), (_MONTH_FIRST, month_first), (_DAY_FIRST, day_first)):
        text = pattern.sub(fix, text)
    return text


def _number(token: str) -> str:
    raw = token.replace("$", "").replace(",", "")
    try:
        value = float(raw)
    except ValueError:
        return token
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.6f}".rstrip("0").rstrip(".")


def normalise(text: str) -> str:
    text = " ".join(str(text).lower().split())
    text = _dates(text)
    words = []
    for word in re.split(r"\s+", text):
        word = word.strip(".,;:!?\"'()[]{}")
        word = word.removeprefix("@")  # a mention ("@byteblaze") names the user ("byteblaze")
        if not word:
            continue
        if word.startswith("$"):
            word = word[1:]
        if not _ISO_WORD.fullmatch(word):
            word = _NUMBER.sub(lambda m: _number(m[0]), word)
        number = re.fullmatch(r"(\d+(?:\.\d+)?)([a-z%]+)", word)  # "5lbs", "20%"
        if number:
            words.extend([number[1], UNITS.get(number[2], number[2])])
            continue
        words.append(NUMBER_WORDS.get(word, UNITS.get(word, word)))
    return " ".join(words)


def contains_words(haystack: str, needle: str) -> bool:
    """Whether the canonical ``needle`` occurs in the canonical ``haystack`` as whole words."""
    if not needle:
        return True
    return f" {needle} " in f" {haystack} "


def fuzzy_match(answer: str, reference: str) -> bool:
    """The deterministic fuzzy match (see the module's doc); "N/A" references match N/A answers."""
    ref, ans = normalise(reference), normalise(answer)
    if ref in {normalise(x) for x in NOT_APPLICABLE}:
        return is_not_applicable(answer)
    return contains_words(ans, ref)


def is_not_applicable(answer: str) -> bool:
    ans = normalise(answer)
    return ans in {normalise(x) for x in NOT_APPLICABLE} or ans.startswith(("n/a ", "na "))
