"""OSWorld's metrics on what `chrome_profile` and `chrome_pages` read (extensions, desktop
shortcuts, a page's HTML, values parsed from a page or its URL), written afresh with OSWorld's names
and rules. Each scores 0 or 1; its rule is checked when the task file is loaded, so a rule OSWorld
would fail on at the verdict (an unknown type, a missing key) is refused with the file's name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from palaestra.tasks.desktop.osworld.errors import OSWorldTaskError

Rule = dict[str, Any]
#: What OSWorld's page getters put for a value they could not read; an expected value of it fails.
FAILED = "__EVALUATION_FAILED__"


def is_expected_installed_extensions(installed: Any, rule: Rule) -> float:
    """Every extension named in ``rule["expected"]`` is installed (others may be too)."""
    if not isinstance(installed, list) or not installed:
        return 0.0
    return float(set(rule["expected"]) <= set(installed))


def is_shortcut_on_desktop(shortcuts: Any, rule: Rule) -> float:
    """A desktop shortcut has the line ``Name=<rule["name"]>`` (rule type ``name``) or
    ``Exec=<rule["exec"]>`` (type ``exec``)."""
    if not isinstance(shortcuts, dict):
        return 0.0
    key = "Name" if rule["type"] == "name" else "Exec"
    line = f"{key}={rule[key.lower()]}"
    return float(any(line in str(text).splitlines() for text in shortcuts.values()))


def is_added_to_steam_cart(page: Any, rule: Rule) -> float:
    """Every one of ``rule["items"]`` appears in the page's HTML (OSWorld's Steam cart check, which
    reads as "these texts are on that page" for any page)."""
    content = page.get("content") if isinstance(page, dict) else None
    if not isinstance(content, str):
        return 0.0
    return float(all(str(item) in content for item in rule["items"]))


def is_expected_active_tab_approximate(active_tab: Any, rule: Rule) -> float:
    """The active tab shows ``rule["url"]``, whatever either URL's query."""
    url = active_tab.get("url") if isinstance(active_tab, dict) else active_tab
    if not isinstance(url, str) or not url:
        return 0.0
    return float(_without_query(url) == _without_query(str(rule["url"])))


def _without_query(url: str) -> str:
    return urlunsplit(urlsplit(url.strip())._replace(query=""))


def is_expected_search_query(active_tab: Any, rules: Rule) -> float:
    """The active tab's URL matches the regular expression ``rules["expect"]["pattern"]``."""
    url = active_tab.get("url") if isinstance(active_tab, dict) else None
    if not isinstance(url, str):
        return 0.0
    return float(re.search(rules["expect"]["pattern"], url) is not None)


def check_direct_json_object(result: Any, rules: Rule) -> float:
    """Each key of ``rules["expected"]`` has its expected value in ``result`` (an object, or its
    JSON text). With ``expect_in_result``, a text expected is enough as a part of the value found,
    and a list expected is met by any one of its items in the list found."""
    if isinstance(result, str):
        try:
            result = json.loads(result.strip().replace("'", '"'))
        except ValueError:
            return 0.0
    if not isinstance(result, dict):
        return 0.0
    expected = rules["expected"]
    if any(v == FAILED for v in expected.values()):
        return 0.0
    if not rules.get("expect_in_result", False):
        return float(all(result.get(k) == v for k, v in expected.items()))
    for key, wanted in expected.items():
        found = result.get(key)
        if isinstance(wanted, list):
            if not isinstance(found, list) or not any(w in found for w in wanted):
                return 0.0
        elif not isinstance(wanted, str) or not isinstance(found, str) or wanted not in found:
            return 0.0
    return 1.0


# -- rules, checked when the task file is loaded -------------------------------------------------


def _fail(source: str, where: str, metric: str, wants: str, rule: Any) -> OSWorldTaskError:
    return OSWorldTaskError(source, where, f"`{metric}` needs {wants}; got {rule!r}")


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def check_extensions_rule(rule: Any, source: str, where: str) -> None:
    if not isinstance(rule, dict) or not _strings(rule.get("expected")):
        raise _fail(source, where, "is_expected_installed_extensions", '"expected": [names]', rule)


def check_shortcut_rule(rule: Any, source: str, where: str) -> None:
    kind = rule.get("type") if isinstance(rule, dict) else None
    if kind not in ("name", "exec") or not isinstance(rule.get(str(kind)), str):
        raise _fail(
            source, where, "is_shortcut_on_desktop",
            'a rule {"type": "name", "name": ...} or {"type": "exec", "exec": ...}', rule,
        )  # fmt: skip


def check_cart_rule(rule: Any, source: str, where: str) -> None:
    if not isinstance(rule, dict) or not _strings(rule.get("items")):
        raise _fail(source, where, "is_added_to_steam_cart", '"items": [texts]', rule)


def check_approximate_rule(rule: Any, source: str, where: str) -> None:
    if not isinstance(rule, dict) or rule.get("type") != "url" or not isinstance(rule.get("url"), str):
        raise _fail(source, where, "is_expected_active_tab_approximate", '{"type": "url", "url": ...}', rule)


def check_search_rule(rule: Any, source: str, where: str) -> None:
    pattern = rule.get("expect", {}).get("pattern") if isinstance(rule, dict) else None
    if not isinstance(pattern, str):
        raise _fail(source, where, "is_expected_search_query", '"expect": {"pattern": regex}', rule)
    try:
        re.compile(pattern)
    except re.error as exc:
        raise OSWorldTaskError(source, where, f"{pattern!r} is not a regular expression: {exc}") from None


def check_json_object_rule(rule: Any, source: str, where: str) -> None:
    if not isinstance(rule, dict) or not isinstance(rule.get("expected"), dict):
        raise _fail(source, where, "check_direct_json_object", '"expected": {key: value}', rule)


#: Each metric and its load-time rule check.
METRICS: dict[Callable[..., float], Callable[[Any, str, str], None]] = {
    is_expected_installed_extensions: check_extensions_rule,
    is_shortcut_on_desktop: check_shortcut_rule,
    is_added_to_steam_cart: check_cart_rule,
    is_expected_active_tab_approximate: check_approximate_rule,
    is_expected_search_query: check_search_rule,
    check_direct_json_object: check_json_object_rule,
}
