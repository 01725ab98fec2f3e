"""OSWorld's Chrome getters, reading the episode's Chromium: its profile's files (Preferences, Local
State, Bookmarks, the History and Cookies databases) and, for its tabs, what the session read over
the browser's DevTools pipe (``outcome.browser_tabs``: only the session holds that pipe, so a task
with a getter of `LIVE` asks it for them before its verdict).

OSWorld reads ``~/.config/google-chrome``; Chromium keeps the same files under
``~/.config/chromium`` (`palaestra.envs.desktop.browser_app`), which is where these look. Chromium
writes its settings to disk some seconds after a change (and at exit): OSWorld's tasks that read
them quit the browser in their ``postconfig`` first (``pkill chrome``, a `QuitBrowser` here).
A file that is missing or unreadable gives OSWorld's default for the setting (a fresh profile's),
or None where OSWorld gives None, which scores 0.

Pages in HOME are ``file://`` URLs of the episode's real HOME in the browser; the URLs these getters
give name them under OSWorld's ``/home/user`` instead, as the task files do.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlparse

from palaestra.tasks.desktop.base import DesktopOutcome
from palaestra.tasks.desktop.osworld.errors import OSWorldTaskError
from palaestra.tasks.desktop.osworld.paths import VM_HOME
from palaestra.tasks.desktop.osworld.sqlite_copy import query_copy

#: Chromium's profile folder in HOME, and its one profile in it.
PROFILE = ".config/chromium"
DEFAULT = f"{PROFILE}/Default"
#: A fresh profile's font sizes (what OSWorld assumes when Preferences has none).
FONT_SIZES = {"default_fixed_font_size": 13, "default_font_size": 16, "minimum_font_size": 13}
#: Chromium's ``session.restore_on_startup`` value for "Open the New Tab page".
STARTUP_NEW_TAB = 5

Spec = dict[str, Any]
Read = Callable[[DesktopOutcome], Any]


def aliased(outcome: DesktopOutcome, text: str) -> str:
    """``text`` with the episode's HOME in ``file://`` URLs said as OSWorld's ``/home/user``."""
    return text.replace(f"file://{outcome.home}/", f"file://{VM_HOME}/")


def profile_json(outcome: DesktopOutcome, relative: str) -> dict[str, Any] | None:
    """A JSON file of HOME (a profile's Preferences...) as an object, pages in HOME said as
    OSWorld's; None when it is missing or no JSON object."""
    try:
        data = json.loads(aliased(outcome, outcome.path(relative).read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def dig(data: dict[str, Any] | None, *keys: str, default: Any = None) -> Any:
    """The value under ``keys``, one level each, or ``default`` where one is missing."""
    for key in keys:
        if not isinstance(data, dict) or key not in data:
            return default
        data = data[key]
    return data


def preference(*keys: str, default: Any = None, local_state: bool = False) -> Read:
    """A value of the profile's Preferences (or of Local State) by its keys, else ``default``."""
    relative = f"{PROFILE}/Local State" if local_state else f"{DEFAULT}/Preferences"
    return lambda outcome: dig(profile_json(outcome, relative), *keys, default=default)


def enable_do_not_track(outcome: DesktopOutcome) -> str:
    """ "true" or "false", as OSWorld compares it."""
    return "true" if dig(profile_json(outcome, f"{DEFAULT}/Preferences"), "enable_do_not_track") else "false"


def chrome_font_size(outcome: DesktopOutcome) -> dict[str, Any]:
    """The font sizes set in Settings > Appearance, over a fresh profile's for those never set."""
    webprefs = dig(profile_json(outcome, f"{DEFAULT}/Preferences"), "webkit", "webprefs", default={})
    sizes = {k: v for k, v in webprefs.items() if k in FONT_SIZES} if isinstance(webprefs, dict) else {}
    return {**FONT_SIZES, **sizes}


def new_startup_page(outcome: DesktopOutcome) -> str:
    """ "true" when the browser opens the New Tab page at startup (a fresh profile's choice)."""
    prefs = profile_json(outcome, f"{DEFAULT}/Preferences")
    chosen = dig(prefs, "session", "restore_on_startup", default=STARTUP_NEW_TAB)
    return "true" if chosen == STARTUP_NEW_TAB else "false"


def bookmarks(outcome: DesktopOutcome) -> dict[str, Any] | None:
    """The Bookmarks file's ``roots`` (``bookmark_bar``, ``other``, ``synced``); None before the
    browser saved any bookmark."""
    roots = dig(profile_json(outcome, f"{DEFAULT}/Bookmarks"), "roots")
    return roots if isinstance(roots, dict) else None


def _rows(outcome: DesktopOutcome, name: str, query: str) -> list[tuple[Any, ...]] | None:
    """The rows of ``query`` on one of the profile's SQLite databases, read from a copy
    (`sqlite_copy`); None when it is missing or unreadable: a score of 0, not a failed verdict."""
    try:
        source = outcome.path(f"{DEFAULT}/{name}")
    except ValueError:
        return None
    rows = query_copy(source, outcome.home, query)
    if rows is None:
        return None
    return [tuple(aliased(outcome, v) if isinstance(v, str) else v for v in row) for row in rows]


def history(outcome: DesktopOutcome) -> list[tuple[Any, ...]] | None:
    """(url, title, last_visit_time) of every page in the History database."""
    return _rows(outcome, "History", "SELECT url, title, last_visit_time FROM urls")


def cookie_data(outcome: DesktopOutcome) -> list[tuple[Any, ...]] | None:
    """Every row of the Cookies database (its second column is the cookie's host)."""
    return _rows(outcome, "Cookies", "SELECT * FROM cookies")


# -- the live browser, through the session's DevTools pipe ------------------------------------


def tab_info(outcome: DesktopOutcome, target: dict[str, Any]) -> dict[str, str]:
    """A tab's ``title`` and ``url`` as the getters give them (a page in HOME as OSWorld's)."""
    return {"title": str(target.get("title", "")), "url": aliased(outcome, str(target.get("url", "")))}


def open_tabs_info(outcome: DesktopOutcome) -> list[dict[str, str]] | None:
    """Every open tab's ``title`` and ``url`` (in no order OSWorld's metrics rely on); None when
    no browser of the episode answers."""
    tabs = outcome.browser_tabs
    return None if tabs is None else [tab_info(outcome, t) for t in tabs]


def active_tab_info(outcome: DesktopOutcome) -> dict[str, str] | None:
    """The active tab's ``title`` and ``url``: the tab whose page is visible, the focused one
    first when several windows show one each."""
    shown = [t for t in outcome.browser_tabs or [] if t.get("visible")]
    shown.sort(key=lambda t: not t.get("focused"))
    return tab_info(outcome, shown[0]) if shown else None


def active_tab_url_parse(spec: Spec, source: str, where: str) -> Read:
    """The active tab's URL's query parameters named by ``parse_keys`` (renamed by ``replace``)."""
    keys, renames = spec.get("parse_keys"), spec.get("replace") or {}
    if (
        not isinstance(keys, list)
        or not all(isinstance(k, str) for k in keys)
        or not isinstance(renames, dict)
    ):
        raise OSWorldTaskError(source, where, '`active_tab_url_parse` needs "parse_keys": [names]')

    def read(outcome: DesktopOutcome) -> dict[str, Any] | None:
        tab = active_tab_info(outcome)
        if tab is None:
            return None
        query = parse_qs(urlparse(tab["url"]).query)
        found = {k: query[k][0] for k in keys if k in query}
        return {renames.get(k, k): v for k, v in found.items()}

    return read


#: The accessible name of Chromium's address bar.
OMNIBOX = "Address and search bar"


def active_url_from_access_tree(spec: Spec, source: str, where: str) -> Read:
    """The address bar's text, as the screen shows it; with the ``goto_prefix`` OSWorld adds
    (``https://`` unless the spec says otherwise) when it shows no scheme (``file://`` before a
    path)."""
    prefix = spec.get("goto_prefix", "https://")
    if not isinstance(prefix, str):
        raise OSWorldTaskError(source, where, f"`goto_prefix` must be text, got {prefix!r}")

    def read(outcome: DesktopOutcome) -> str | None:
        shown = next(
            (
                str(e.get("value") or e.get("text") or "")
                for e in outcome.elements
                if e.get("name") == OMNIBOX
            ),
            "",
        )
        if not shown:
            return None
        if shown.startswith("/"):  # a file's page: Chromium shows its path without file://
            return aliased(outcome, f"file://{shown}")
        return shown if "://" in shown or shown.startswith(("about:", "chrome:")) else prefix + shown

    return read


#: Getters that read the live browser's tabs (`DesktopOutcome.browser_tabs`).
LIVE = frozenset({"open_tabs_info", "active_tab_info", "active_tab_url_parse"})
#: Getters that need nothing of their spec, by OSWorld's name.
PLAIN: dict[str, Read] = {
    "enable_do_not_track": enable_do_not_track,
    "chrome_font_size": chrome_font_size,
    "new_startup_page": new_startup_page,
    "bookmarks": bookmarks,
    "history": history,
    "cookie_data": cookie_data,
    "open_tabs_info": open_tabs_info,
    "active_tab_info": active_tab_info,
    "default_search_engine": preference(
        "default_search_provider_data", "template_url_data", "short_name", default="Google"
    ),
    "profile_name": preference("profile", "name"),
    "chrome_language": preference("intl", "app_locale", default="en-US", local_state=True),
    "enabled_experiments": preference("browser", "enabled_labs_experiments", default=[], local_state=True),
}
#: Getters that read options of their spec.
WITH_SPEC: dict[str, Callable[[Spec, str, str], Read]] = {
    "active_tab_url_parse": active_tab_url_parse,
    "active_url_from_accessTree": active_url_from_access_tree,
}
