"""OSWorld's Chrome metrics, written afresh with the same names and rules: each takes what a
`chrome_getters` getter read and the task's ``rule`` (``{"type": ..., ...}``), and scores 0 or 1.
A rule of a type a metric does not know is refused when the task file is loaded (`check_rule`).

URLs are compared as OSWorld compares them: the same page whatever the case of the scheme and host,
a leading ``www.``, the default port or a trailing slash.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from palaestra.tasks.desktop.osworld.errors import OSWorldTaskError

Rule = dict[str, Any]
DEFAULT_PORTS = {"http": 80, "https": 443}


def same_url(a: str, b: str) -> bool:
    """Whether two URLs name the same page (see the module's docstring)."""
    return _normal(a) == _normal(b)


def _normal(url: str) -> tuple[str, ...]:
    parts = urlsplit(str(url).strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    port = parts.port if parts.port not in (None, DEFAULT_PORTS.get(parts.scheme.lower())) else None
    return (parts.scheme.lower(), host, str(port or ""), parts.path.rstrip("/"), parts.query, parts.fragment)


def _url_of(found: Any) -> str | None:
    """A getter's tab (``{"url": ...}``) or URL (text) as a URL."""
    url = found.get("url") if isinstance(found, dict) else found
    return url if isinstance(url, str) and url else None


def is_expected_active_tab(active_tab: Any, rule: Rule, prefix: bool = False) -> float:
    """The active tab shows ``rule["url"]`` (or, with ``prefix``, a URL starting with it)."""
    url = _url_of(active_tab)
    if url is None:
        return 0.0
    return float(url.startswith(rule["url"]) if prefix else same_url(url, rule["url"]))


def is_expected_url_pattern_match(found: Any, rules: Rule) -> float:
    """Every regular expression of ``rules["expected"]`` is found in the tab's URL."""
    url = _url_of(found)
    if url is None:
        return 0.0
    return float(all(re.search(pattern, url) for pattern in rules["expected"]))


def check_url_patterns(rules: Any, source: str, where: str) -> None:
    """`is_expected_url_pattern_match`'s rules checked when the file is loaded: ``expected`` is a
    list of regular expressions that compile (one that does not would fail the verdict; a bare
    string would be read as one pattern per character)."""
    patterns = rules.get("expected") if isinstance(rules, dict) else None
    if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
        raise OSWorldTaskError(
            source,
            where,
            f'`is_expected_url_pattern_match` needs "expected": [regular expressions], got {rules!r}',
        )
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise OSWorldTaskError(source, where, f"{pattern!r} is not a regular expression: {exc}") from None


def is_expected_tabs(open_tabs: Any, rule: Rule) -> float:
    """The open tabs show exactly ``rule["urls"]``, in any order."""
    if not isinstance(open_tabs, list):
        return 0.0
    actual = [str(t.get("url", "")) for t in open_tabs]
    expected = [str(u) for u in rule["urls"]]
    return float(sorted(map(_normal, actual)) == sorted(map(_normal, expected)))


def _children(roots: Any, root: str = "bookmark_bar") -> list[dict[str, Any]]:
    children = roots.get(root, {}).get("children", []) if isinstance(roots, dict) else []
    return [c for c in children if isinstance(c, dict)]


def is_expected_bookmarks(roots: Any, rule: Rule) -> float:
    """The bookmarks bar holds exactly the folders named ``rule["names"]``
    (``bookmark_bar_folders_names``) or the pages ``rule["urls"]`` (``bookmark_bar_websites_urls``),
    in any order; or its "Liked Authors" folder holds one page of each ``rule["urls"]`` entry (a URL
    or a list of URLs that would each do: ``liked_authors_websites_urls``)."""
    if not roots:
        return 0.0
    bar = _children(roots)
    if rule["type"] == "bookmark_bar_folders_names":
        return float({c.get("name") for c in bar if c.get("type") == "folder"} == set(rule["names"]))
    if rule["type"] == "bookmark_bar_websites_urls":
        return float({c.get("url") for c in bar if c.get("type") == "url"} == set(rule["urls"]))
    folder = next((c for c in bar if c.get("type") == "folder" and c.get("name") == "Liked Authors"), None)
    if folder is None:
        return 0.0
    saved = {c.get("url") for c in folder.get("children", []) if c.get("type") == "url"}
    choices = [{u} if isinstance(u, str) else set(u) for u in rule["urls"]]
    return float(len(saved) == len(choices) and _matched(saved, choices))


def _matched(saved: set[Any], choices: list[set[Any]]) -> bool:
    """Whether each choice can take a different saved URL (a matching, found by trying each)."""
    if not choices:
        return True
    first, rest = choices[0], choices[1:]
    return any(_matched(saved - {url}, rest) for url in saved & first)


def check_history_deleted(rows: Any, rule: Rule) -> float:
    """No page of the history has a URL containing one of ``rule["keywords"]``."""
    if rows is None:
        return 0.0
    urls = [str(row[0]) for row in rows]
    return float(not any(k in url for k in rule["keywords"] for url in urls))


def is_cookie_deleted(rows: Any, rule: Rule) -> float:
    """No cookie is left for one of ``rule["domains"]`` (a cookie's host is its second column)."""
    if rows is None:
        return 0.0
    hosts = [str(row[1]) for row in rows]
    return float(not any(_same_domain(d, h) for d in rule["domains"] for h in hosts))


def _same_domain(domain: str, host: str) -> bool:
    return host.lstrip(".").lower().removeprefix("www.") == domain.lstrip(".").lower().removeprefix("www.")


def check_enabled_experiments(enabled: Any, rule: Rule) -> float:
    """The flags turned on in chrome://flags are ``rule["names"]``, in that order (a flag's
    ``@N`` option suffix aside)."""
    if not isinstance(enabled, list):
        return 0.0
    return float([str(e).split("@")[0] for e in enabled] == list(rule["names"]))


def check_font_size(sizes: Any, rule: Rule) -> float:
    """The default font size is ``rule["value"]`` (``value``), or strictly between ``rule["min"]``
    and ``rule["max"]`` (``range``)."""
    size = sizes.get("default_font_size") if isinstance(sizes, dict) else None
    if not isinstance(size, int | float):
        return 0.0
    if rule["type"] == "value":
        return float(size == rule["value"])
    return float(rule["min"] < size < rule["max"])


#: Each metric's rule types and the keys each type needs.
RULES: dict[Callable[..., float], dict[str, tuple[str, ...]]] = {
    is_expected_active_tab: {"url": ("url",)},
    is_expected_tabs: {"url": ("urls",)},
    is_expected_bookmarks: {
        "bookmark_bar_folders_names": ("names",),
        "bookmark_bar_websites_urls": ("urls",),
        "liked_authors_websites_urls": ("urls",),
    },
    check_history_deleted: {"keywords": ("keywords",)},
    is_cookie_deleted: {"domains": ("domains",)},
    check_enabled_experiments: {"names": ("names",)},
    check_font_size: {"value": ("value",), "range": ("min", "max")},
}


def rule_checker(metric: Callable[..., float]) -> Callable[[Any, str, str], None]:
    """A load-time check of ``metric``'s rule: a type it knows, with the keys that type needs."""
    types = RULES[metric]

    def check(rule: Any, source: str, where: str) -> None:
        if not isinstance(rule, dict) or rule.get("type") not in types:
            shown = ", ".join(sorted(types))
            raise OSWorldTaskError(
                source, where, f"`{metric.__name__}` needs a rule of type {shown}; got {rule!r}"
            )
        missing = [k for k in types[rule["type"]] if k not in rule]
        if missing:
            raise OSWorldTaskError(source, where, f"a {rule['type']!r} rule needs {missing}")

    return check
