"""OSWorld's Thunderbird metrics, written afresh with its names and arguments, on the files of the
episode's profile (read by ``vm_file``: ``prefs.js``, a ``msgFilterRules.dat``, a folder's mbox file).

- ``check_thunderbird_prefs``: ``prefs.js`` against ``{"expect": {pref: rule}, "unexpect": {pref:
  rule}}`` (rules as `calc_match` reads them, ``{"method": "eq", "ref": false}``). Every expected
  pref must be written in the file and match; no unexpected one may match. Thunderbird writes only
  prefs that differ from its defaults, so a pref set back to its default is absent, as on OSWorld.
- ``check_thunderbird_filter``: a filter file against ``{"expect": [record], "unexpect": [record]}``,
  each record a dict of a filter's fields (``name``, ``enabled``, ``type``, ``action``,
  ``actionValue``, ``condition``: its conditions as a list such as ``["AND (subject,contains,sale)"]``)
  that must equal the filter's. Each expected record must match some filter, no unexpected one any.
- ``check_thunderbird_folder``: mbox files (one, or lists of them pairwise) hold the same messages.
  OSWorld's version splits the file at ``"FROM - "`` (Thunderbird writes ``"From - "``) and then
  skips every message that is not empty, so it scores any two files alike; this one does what its
  docstring and options say: it compares the messages, with ``ignore_status`` (drop the
  ``X-Mozilla-Status`` headers), ``ignore_keys`` (drop ``X-Mozilla-Keys``, Thunderbird's tags),
  ``remove_deleted`` (drop messages marked deleted, default on) and ``remove_duplicate`` (compare
  them as a set, default on).
"""

from __future__ import annotations

import json
import re
from typing import Any

from palaestra.tasks.desktop.osworld.calc_match import match_value, method_ok
from palaestra.tasks.desktop.osworld.errors import OSWorldTaskError

#: A line of prefs.js: ``user_pref("key", value);`` (the value is JSON: a string, number or bool).
PREF_LINE = re.compile(r'^user_pref\("((?:[^"\\]|\\.)+)", (.+)\);$')
#: A filter's fields in msgFilterRules.dat, each on a line ``field="value"``.
FILTER_FIELDS = ("name", "enabled", "type", "action", "actionValue", "condition")
#: One condition of a filter's ``condition`` line: ``AND (subject,contains,sale)`` or ``ALL``.
CONDITION = re.compile(r'\b(?:AND|OR) \([\w ]+,[\w \']+,(?:"(?:[^"]|\\")+"|[^)]+)\)|\bALL\b')
#: The line that starts a message in Thunderbird's mbox files.
SEPARATOR = re.compile(r"^From - ", re.MULTILINE)
#: X-Mozilla-Status flags of a message that is deleted (expunged by the next compaction).
DELETED = re.compile(r"^X-Mozilla-Status: 000[89]", re.MULTILINE)
FOLDER_OPTIONS = ("ignore_status", "ignore_keys", "remove_deleted", "remove_duplicate")


def _text(path: Any) -> str | None:
    if path is None:
        return None
    try:
        with open(path, encoding="utf-8", errors="replace") as file:
            return file.read()
    except OSError:
        return None


def read_prefs(text: str) -> dict[str, Any]:
    """The prefs a prefs.js sets (a line that is not valid JSON is skipped)."""
    prefs: dict[str, Any] = {}
    for line in text.splitlines():
        found = PREF_LINE.match(line.strip())
        if found is None:
            continue
        try:
            prefs[json.loads(f'"{found.group(1)}"')] = json.loads(found.group(2))
        except ValueError:
            continue
    return prefs


def check_thunderbird_prefs(result: Any, rule: dict[str, Any]) -> float:
    text = _text(result)
    if text is None:
        return 0.0
    prefs = read_prefs(text)
    expect, unexpect = rule.get("expect", {}), rule.get("unexpect", {})
    found = all(key in prefs and match_value(prefs[key], wanted) for key, wanted in expect.items())
    return float(
        found and not any(key in prefs and match_value(prefs[key], r) for key, r in unexpect.items())
    )


def _unquote(value: str) -> str:
    """A field's value: the text between its quotes, with Thunderbird's escapes undone."""
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    return value.replace('\\"', '"').replace("\\\\", "\\")


def read_filters(text: str) -> list[dict[str, Any]]:
    """The filters of a msgFilterRules.dat, each a dict of `FILTER_FIELDS` (the last action of a
    filter with several, as OSWorld reads it); a filter is complete at its ``condition`` line."""
    filters: list[dict[str, Any]] = []
    current: dict[str, Any] = {}
    for line in text.splitlines():
        field, sep, value = line.partition("=")
        if not sep or field not in FILTER_FIELDS:
            continue
        if field == "name":
            current = {}
        if field == "condition":
            current["condition"] = CONDITION.findall(_unquote(value))
            filters.append(current)
        else:
            current[field] = _unquote(value)
    return filters


def _record_matches(record: dict[str, Any], item: dict[str, Any]) -> bool:
    return all(key in item and item[key] == wanted for key, wanted in record.items())


def check_thunderbird_filter(result: Any, rules: dict[str, Any]) -> float:
    text = _text(result)
    if text is None:
        return 0.0
    filters = read_filters(text)
    expect, unexpect = rules.get("expect", []), rules.get("unexpect", [])
    found = all(any(_record_matches(r, f) for f in filters) for r in expect)
    return float(found and not any(_record_matches(r, f) for r in unexpect for f in filters))


def read_messages(text: str, options: dict[str, Any]) -> list[str]:
    """The messages of an mbox text, normalised as ``options`` ask (see the module's docstring)."""
    starts = [m.start() for m in SEPARATOR.finditer(text)]
    messages = []
    for begin, end in zip(starts, [*starts[1:], len(text)][: len(starts)], strict=True):
        message = text[begin:end]
        if options.get("remove_deleted", True) and DELETED.search(message):
            continue
        if options.get("ignore_status", False):
            message = re.sub(r"^X-Mozilla-Status\d?:.*\n", "", message, flags=re.MULTILINE)
        if options.get("ignore_keys", False):
            message = re.sub(r"^X-Mozilla-Keys:.*\n", "", message, flags=re.MULTILINE)
        messages.append(message.strip())
    if options.get("remove_duplicate", True):
        messages = list(set(messages))
    return sorted(messages)


def check_thunderbird_folder(result: Any, reference: Any, **options: Any) -> float:
    pairs = (
        list(zip(result, reference, strict=False)) if isinstance(reference, list) else [(result, reference)]
    )
    if isinstance(reference, list) and (not isinstance(result, list) or len(result) != len(reference)):
        return 0.0
    for actual, expected in pairs:
        mine, theirs = _text(actual), _text(expected)
        if mine is None or theirs is None or read_messages(mine, options) != read_messages(theirs, options):
            return 0.0
    return 1.0


# -- the rules' shapes, checked when a task file is loaded ----------------------------------------


def check_pref_rules(rules: Any, source: str, where: str) -> None:
    """``{"expect": {pref: {"method", "ref"}}, "unexpect": {...}}``."""
    if not isinstance(rules, dict) or not set(rules) <= {"expect", "unexpect"}:
        raise OSWorldTaskError(
            source, where, 'the rules are {"expect": {PREF: RULE}, "unexpect": {PREF: RULE}}'
        )
    for part in ("expect", "unexpect"):
        prefs = rules.get(part, {})
        if not isinstance(prefs, dict):
            raise OSWorldTaskError(source, where, f"`{part}` must map prefs to rules, got {prefs!r}")
        for pref, rule in prefs.items():
            if (
                not isinstance(rule, dict)
                or "ref" not in rule
                or not method_ok(rule.get("method"), rule["ref"])
            ):
                raise OSWorldTaskError(
                    source,
                    where,
                    f'`{part}` {pref!r}: a rule is {{"method": "eq", "ref": VALUE}}, got {rule!r}',
                )


def check_filter_rules(rules: Any, source: str, where: str) -> None:
    """``{"expect": [record], "unexpect": [record]}``, records of `FILTER_FIELDS`."""
    if not isinstance(rules, dict) or not set(rules) <= {"expect", "unexpect"}:
        raise OSWorldTaskError(source, where, 'the rules are {"expect": [FILTER], "unexpect": [FILTER]}')
    for part in ("expect", "unexpect"):
        records = rules.get(part, [])
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise OSWorldTaskError(
                source, where, f"`{part}` must be a list of filters' fields, got {records!r}"
            )
        for record in records:
            unknown = sorted(set(record) - set(FILTER_FIELDS))
            if unknown:
                raise OSWorldTaskError(
                    source,
                    where,
                    f"`{part}`: unknown filter field {unknown[0]!r}; the fields: {', '.join(FILTER_FIELDS)}",
                )
