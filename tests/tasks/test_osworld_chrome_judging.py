"""OSWorld's Chrome getters and metrics over profile files in Chromium's formats (Preferences and
Local State JSON, the Bookmarks file, real SQLite History and Cookies databases), and what the
loader makes of a Chrome task: the browser's launch, tab steps and helpers mapped onto this
desktop, internet pages and getters not read here refused when the file is loaded."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from palaestra.tasks.desktop.base import DesktopOutcome
from palaestra.tasks.desktop.live_steps import BrowserTabs, LaunchApp, Pause, QuitBrowser, WindowStep
from palaestra.tasks.desktop.osworld import (
    OfflineURLError,
    OSWorldTaskError,
    PathOutsideHomeError,
    UnsupportedAppError,
    UnsupportedEvaluatorError,
    load_task,
)
from palaestra.tasks.desktop.osworld import chrome_getters as g
from palaestra.tasks.desktop.osworld import chrome_metrics as m

PROFILE = Path(".config/chromium")


def write_json(home: Path, relative: str, data: Any) -> None:
    path = home / PROFILE / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))


def outcome(home: Path, elements: list[dict[str, Any]] | None = None) -> DesktopOutcome:
    return DesktopOutcome(home=home, elements=elements or [], windows=[], messages=[])


def test_settings_are_read_from_preferences_and_local_state(tmp_path: Path) -> None:
    fresh = outcome(tmp_path)  # no profile yet: a fresh profile's settings, as OSWorld assumes
    assert g.enable_do_not_track(fresh) == "false" and g.new_startup_page(fresh) == "true"
    assert g.chrome_font_size(fresh)["default_font_size"] == 16
    assert g.PLAIN["default_search_engine"](fresh) == "Google"
    assert g.PLAIN["chrome_language"](fresh) == "en-US" and g.PLAIN["enabled_experiments"](fresh) == []
    write_json(
        tmp_path,
        "Default/Preferences",
        {
            "enable_do_not_track": True,
            "webkit": {"webprefs": {"default_font_size": 20}},
            "profile": {"name": "Work"},
            "session": {"restore_on_startup": 1},
            "default_search_provider_data": {"template_url_data": {"short_name": "DuckDuckGo"}},
        },
    )
    write_json(
        tmp_path,
        "Local State",
        {"intl": {"app_locale": "fr"}, "browser": {"enabled_labs_experiments": ["a@1", "b"]}},
    )
    got = outcome(tmp_path)
    assert g.enable_do_not_track(got) == "true" and g.new_startup_page(got) == "false"
    assert g.chrome_font_size(got) == {
        "default_font_size": 20,
        "default_fixed_font_size": 13,
        "minimum_font_size": 13,
    }
    assert g.PLAIN["profile_name"](got) == "Work" and g.PLAIN["default_search_engine"](got) == "DuckDuckGo"
    assert g.PLAIN["chrome_language"](got) == "fr"
    assert (
        m.check_enabled_experiments(
            g.PLAIN["enabled_experiments"](got), {"type": "names", "names": ["a", "b"]}
        )
        == 1
    )
    assert m.check_enabled_experiments(["b", "a"], {"type": "names", "names": ["a", "b"]}) == 0
    assert m.check_font_size(g.chrome_font_size(got), {"type": "value", "value": 20}) == 1
    assert m.check_font_size(g.chrome_font_size(got), {"type": "range", "min": 16, "max": 20}) == 0
    assert m.check_font_size(g.chrome_font_size(got), {"type": "range", "min": 16, "max": 24}) == 1


def test_bookmarks_are_the_files_roots_with_pages_in_home_said_as_osworlds(tmp_path: Path) -> None:
    assert g.bookmarks(outcome(tmp_path)) is None
    assert m.is_expected_bookmarks(None, {"type": "bookmark_bar_websites_urls", "urls": []}) == 0
    page = f"file://{tmp_path}/pages/a.html"
    bar = [
        {"type": "url", "name": "A", "url": page},
        {
            "type": "folder",
            "name": "Liked Authors",
            "children": [{"type": "url", "url": "http://127.0.0.1/x"}],
        },
    ]
    roots = {"bookmark_bar": {"children": bar, "type": "folder"}, "other": {"children": []}}
    write_json(tmp_path, "Default/Bookmarks", {"checksum": "0", "roots": roots, "version": 1})
    read = g.bookmarks(outcome(tmp_path))
    urls = {"type": "bookmark_bar_websites_urls", "urls": ["file:///home/user/pages/a.html"]}
    assert m.is_expected_bookmarks(read, urls) == 1
    assert m.is_expected_bookmarks(read, dict(urls, urls=[page])) == 0  # the real HOME is not named
    folders = {"type": "bookmark_bar_folders_names", "names": ["Liked Authors"]}
    assert m.is_expected_bookmarks(read, folders) == 1
    liked = {"type": "liked_authors_websites_urls", "urls": [["http://127.0.0.1/y", "http://127.0.0.1/x"]]}
    assert m.is_expected_bookmarks(read, liked) == 1
    assert m.is_expected_bookmarks(read, dict(liked, urls=["http://127.0.0.1/x", "http://127.0.0.1/z"])) == 0


def make_db(path: Path, schema: str, rows: list[tuple[Any, ...]]) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    db.execute(schema)
    if rows:
        marks = ",".join("?" * len(rows[0]))
        db.executemany(f"INSERT INTO {schema.split()[2]} VALUES ({marks})", rows)
    db.commit()
    return db


HISTORY = (
    "CREATE TABLE urls (id INTEGER PRIMARY KEY, url LONGVARCHAR, title LONGVARCHAR, visit_count INTEGER, "
    "typed_count INTEGER, last_visit_time INTEGER NOT NULL, hidden INTEGER)"
)
COOKIES = (
    "CREATE TABLE cookies (creation_utc INTEGER NOT NULL, host_key TEXT NOT NULL, top_frame_site_key TEXT, "
    "name TEXT NOT NULL, value TEXT NOT NULL, path TEXT NOT NULL)"
)


def test_history_is_read_from_a_copy_while_the_browser_holds_it_locked(tmp_path: Path) -> None:
    assert g.history(outcome(tmp_path)) is None
    rows = [(1, "http://127.0.0.1:8000/shop", "Shop", 1, 0, 13_300_000, 0)]
    rows.append((2, f"file://{tmp_path}/pages/a.html", "A", 1, 0, 13_300_001, 0))
    db = make_db(tmp_path / PROFILE / "Default" / "History", HISTORY, rows)
    db.execute("BEGIN EXCLUSIVE")  # as a running browser holds it: direct readers get "locked"
    try:
        read = g.history(outcome(tmp_path))
    finally:
        db.rollback()
        db.close()
    assert read == [
        ("http://127.0.0.1:8000/shop", "Shop", 13_300_000),
        ("file:///home/user/pages/a.html", "A", 13_300_001),
    ]
    assert m.check_history_deleted(read, {"type": "keywords", "keywords": ["shop"]}) == 0
    assert m.check_history_deleted(read, {"type": "keywords", "keywords": ["news"]}) == 1
    assert m.check_history_deleted(None, {"type": "keywords", "keywords": ["news"]}) == 0


def test_a_history_that_leads_out_of_home_or_cannot_be_read_scores_zero(tmp_path: Path) -> None:
    """The agent owns HOME: a History that is a link out of it, or a folder, reads as no history
    (a score of 0), never as the file it points to, nor as an error that fails the verdict."""
    home, outside = tmp_path / "home", tmp_path / "outside"
    make_db(outside / "History", HISTORY, [(1, "http://127.0.0.1/x", "X", 1, 0, 1, 0)]).close()
    default = home / PROFILE / "Default"
    default.mkdir(parents=True)
    (default / "History").symlink_to(outside / "History")
    assert g.history(outcome(home)) is None
    (default / "History").unlink()
    make_db(default / "History", HISTORY, []).close()
    (default / "History-journal").symlink_to(outside / "History")  # a journal out of HOME
    assert g.history(outcome(home)) is None
    (default / "History-journal").unlink()
    assert g.history(outcome(home)) == []


def test_history_commits_still_in_the_write_ahead_log_are_read(tmp_path: Path) -> None:
    db = make_db(tmp_path / PROFILE / "Default" / "History", HISTORY, [])
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA wal_autocheckpoint=0")
    db.execute("INSERT INTO urls VALUES (1, 'http://127.0.0.1/late', 'Late', 1, 0, 5, 0)")
    db.commit()
    try:
        assert (tmp_path / PROFILE / "Default" / "History-wal").stat().st_size > 0
        assert g.history(outcome(tmp_path)) == [("http://127.0.0.1/late", "Late", 5)]
    finally:
        db.close()


def test_cookies_are_deleted_when_no_row_is_left_for_the_domain(tmp_path: Path) -> None:
    rows = [(1, ".www.example.test", "", "sid", "x", "/"), (2, "127.0.0.1", "", "a", "b", "/")]
    make_db(tmp_path / PROFILE / "Default" / "Cookies", COOKIES, rows).close()
    read = g.cookie_data(outcome(tmp_path))
    assert read is not None and len(read) == 2
    assert m.is_cookie_deleted(read, {"type": "domains", "domains": ["example.test"]}) == 0
    assert m.is_cookie_deleted(read, {"type": "domains", "domains": ["other.test"]}) == 1


def test_tab_metrics_compare_urls_as_osworld_does() -> None:
    tab = {"title": "Shop", "url": "http://WWW.127.0.0.1:80/shop/?q=1"}
    assert m.is_expected_active_tab(tab, {"type": "url", "url": "http://127.0.0.1/shop?q=1"}) == 1
    assert m.is_expected_active_tab(tab, {"type": "url", "url": "http://127.0.0.1/shop?q=2"}) == 0
    assert (
        m.is_expected_active_tab("http://a.test/x/y", {"type": "url", "url": "http://a.test/x"}, prefix=True)
        == 1
    )
    assert m.is_expected_active_tab(None, {"type": "url", "url": "http://a.test"}) == 0
    assert m.is_expected_url_pattern_match(tab, {"expected": [r"/shop", r"q=\d"]}) == 1
    assert m.is_expected_url_pattern_match(tab, {"expected": [r"/shop", r"q=[a-z]"]}) == 0
    tabs = [{"url": "http://127.0.0.1/b"}, {"url": "http://127.0.0.1/a/"}]
    assert (
        m.is_expected_tabs(tabs, {"type": "url", "urls": ["http://127.0.0.1/a", "http://127.0.0.1/b"]}) == 1
    )
    assert m.is_expected_tabs(tabs, {"type": "url", "urls": ["http://127.0.0.1/a"]}) == 0


def test_the_address_bar_is_read_from_the_tree(tmp_path: Path) -> None:
    spec: dict[str, Any] = {"type": "active_url_from_accessTree"}
    read = g.active_url_from_access_tree(spec, "t.json", "evaluator.result")

    def bar(text: str) -> list[dict[str, Any]]:
        return [{"role": "entry", "name": g.OMNIBOX, "value": text, "text": text}]

    assert read(outcome(tmp_path, bar("127.0.0.1:8000/a"))) == "https://127.0.0.1:8000/a"
    assert read(outcome(tmp_path, bar(f"{tmp_path}/pages/a.html"))) == "file:///home/user/pages/a.html"
    assert read(outcome(tmp_path, bar("chrome://settings"))) == "chrome://settings"
    assert read(outcome(tmp_path)) is None
    custom = g.active_url_from_access_tree(dict(spec, goto_prefix="http://"), "t.json", "here")
    assert custom(outcome(tmp_path, bar("localhost/x"))) == "http://localhost/x"


# -- loading Chrome tasks ---------------------------------------------------------------------

LAUNCH = {"type": "launch", "parameters": {"command": ["google-chrome", "--remote-debugging-port=1337"]}}
SOCAT = {"type": "launch", "parameters": {"command": ["socat", "tcp-listen:9222,fork", "tcp:localhost:1337"]}}
DNT = {
    "func": "exact_match",
    "result": {"type": "enable_do_not_track"},
    "expected": {"type": "rule", "rules": {"expected": "true"}},
}


def task(folder: Path, config: list[Any], evaluator: dict[str, Any] | None = None) -> Path:
    data = {
        "id": "c1",
        "snapshot": "chrome",
        "instruction": "Do it in Chrome.",
        "config": config,
        "related_apps": ["chrome"],
        "evaluator": evaluator or DNT,
    }
    path = folder / "c1.json"
    path.write_text(json.dumps(data))
    return path


def tabs(*urls: str, kind: str = "chrome_open_tabs", key: str = "urls_to_open") -> dict[str, Any]:
    return {"type": kind, "parameters": {key: list(urls)}}


def test_a_chrome_task_maps_onto_chromium_and_its_helpers(tmp_path: Path) -> None:
    close = tabs("chrome://newtab/", kind="chrome_close_tabs", key="urls_to_close")
    activate = {"type": "activate_window", "parameters": {"window_name": "Google Chrome"}}
    pages = ("http://127.0.0.1:8000/a", "http://localhost:9/b", "file:///home/user/c.html", "about:blank")
    evaluator = dict(
        DNT,
        postconfig=[
            {"type": "launch", "parameters": {"command": ["pkill", "chrome"]}},
            LAUNCH,
            {"type": "sleep", "parameters": {"seconds": 3}},
        ],
    )
    plan = load_task(task(tmp_path, [LAUNCH, SOCAT, tabs(*pages), close, activate], evaluator)).spec
    assert plan.plan.apps == [("chromium", "--remote-debugging-port=1337")]  # socat is dropped
    assert plan.plan.after_apps == [
        BrowserTabs("open", pages),
        BrowserTabs("close", ("chrome://newtab/",)),
        WindowStep("activate", "Chromium"),
    ]
    assert plan.judge.final_steps == (
        QuitBrowser(),
        LaunchApp(("chromium", "--remote-debugging-port=1337")),
        Pause(3.0),
    )
    # A shell line that only kills the browser is the same quit; one that does more is refused
    # (as the shared desktop user it would end other sessions' browsers too).
    shell = {"type": "execute", "parameters": {"command": "pkill -f chrome", "shell": True}}
    assert load_task(task(tmp_path, [LAUNCH], dict(DNT, postconfig=[shell]))).spec.judge.final_steps == (
        QuitBrowser(),
    )
    shell["parameters"]["command"] = "pkill chrome; sleep 1"
    with pytest.raises(OSWorldTaskError, match="kills the browser among other commands"):
        load_task(task(tmp_path, [LAUNCH], dict(DNT, postconfig=[shell])))
    # A kill of the browser with option values or other targets would run as written, ending
    # every session's browser: refused, shell line or not.
    for command in (["killall", "-s", "KILL", "chrome"], ["pkill", "-u", "user", "google-chrome"]):
        kill = {"type": "execute", "parameters": {"command": command}}
        with pytest.raises(OSWorldTaskError, match="kills the browser with other targets"):
            load_task(task(tmp_path, [LAUNCH], dict(DNT, postconfig=[kill])))
        kill["parameters"] = {"command": " ".join(command), "shell": True}
        with pytest.raises(OSWorldTaskError, match="kills the browser"):
            load_task(task(tmp_path, [LAUNCH], dict(DNT, postconfig=[kill])))
    # A tab step before any launch starts the browser first, as OSWorld's does.
    assert load_task(task(tmp_path, [tabs("http://127.0.0.1/x")])).spec.plan.apps == [("chromium",)]


@pytest.mark.parametrize(
    ("config", "error", "message"),
    [
        (
            [LAUNCH, tabs("https://www.example.com/")],
            OfflineURLError,
            r"on the internet \(www.example.com\).*127.0.0.1",
        ),
        ([tabs("http://10.0.0.5/")], OfflineURLError, "on the internet"),
        (
            [{"type": "launch", "parameters": {"command": ["google-chrome", "example.com"]}}],
            OfflineURLError,
            "example.com",
        ),
        ([tabs("file:///etc/passwd")], PathOutsideHomeError, "outside the home folder"),
        # What Python's parser and the browser's read differently is refused, not guessed at:
        # to the browser these are evil.com's page, /etc/passwd and a network share's file.
        ([tabs("http://evil.com\\@127.0.0.1/")], OSWorldTaskError, "backslash"),
        (
            [{"type": "launch", "parameters": {"command": ["chromium", "evil.com\\@localhost"]}}],
            OSWorldTaskError,
            "backslash",
        ),
        ([tabs("http://127.0.0.1/\n.evil.com")], OSWorldTaskError, "control character"),
        ([tabs("file:etc/passwd")], PathOutsideHomeError, "not a page in HOME"),
        ([tabs("file://evil.com/home/user/a.html")], PathOutsideHomeError, "not a page in HOME"),
        ([tabs()], OSWorldTaskError, '"urls_to_open": a list of URLs'),
    ],
)
def test_pages_off_this_machine_are_refused_when_the_file_is_loaded(
    tmp_path: Path, config: list[Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        load_task(task(tmp_path, config))


@pytest.mark.parametrize(
    "option",
    [
        "--remote-allow-origins=*",
        "--proxy-server=http://10.0.0.1:3128",
        "--load-extension=/tmp/x",
        "--incognit",
    ],
)
def test_browser_options_that_open_the_desktop_up_are_refused(tmp_path: Path, option: str) -> None:
    launch = {"type": "launch", "parameters": {"command": ["google-chrome", option]}}
    with pytest.raises(UnsupportedAppError, match=f"unsupported browser option `{option.partition('=')[0]}`"):
        load_task(task(tmp_path, [launch]))
    if option == "--incognit":  # a slip of the pen gets its did-you-mean
        with pytest.raises(UnsupportedAppError, match="Did you mean: `--incognito`"):
            load_task(task(tmp_path, [launch]))
    allowed = {"type": "launch", "parameters": {"command": ["google-chrome", "--incognito", "--lang=de"]}}
    load_task(task(tmp_path, [allowed]))


@pytest.mark.parametrize(
    ("getter", "message"),
    [
        ("chrome_saved_address", "addresses are drawn inside the page's shadow DOM"),
        ("url_path_parse", "Chrome state that is not read here yet"),
        ("info_from_website", "a web site over the internet"),
        ("gotoRecreationPage_and_get_html_content", "a web page over the internet"),
        ("active_tab_url_pars", "Did you mean: `active_tab_url_parse`"),
    ],
)
def test_getters_not_read_here_are_refused_by_name(tmp_path: Path, getter: str, message: str) -> None:
    with pytest.raises(UnsupportedEvaluatorError, match=message):
        load_task(task(tmp_path, [LAUNCH], dict(DNT, result={"type": getter})))


def test_a_chrome_metrics_rule_is_checked_when_the_file_is_loaded(tmp_path: Path) -> None:
    evaluator = {
        "func": "is_expected_bookmarks",
        "result": {"type": "bookmarks"},
        "expected": {"type": "rule", "rules": {"type": "bookmark_bar_urls", "urls": []}},
    }
    with pytest.raises(OSWorldTaskError, match="`is_expected_bookmarks` needs a rule of type"):
        load_task(task(tmp_path, [LAUNCH], evaluator))
    evaluator["expected"] = {"type": "rule", "rules": {"type": "bookmark_bar_websites_urls"}}
    with pytest.raises(OSWorldTaskError, match=r"needs \['urls'\]"):
        load_task(task(tmp_path, [LAUNCH], evaluator))
    evaluator["expected"] = {"type": "rule", "rules": {"type": "bookmark_bar_websites_urls", "urls": []}}
    patterns = {
        "func": "is_expected_url_pattern_match",
        "result": {"type": "active_tab_info"},
        "expected": {"type": "rule", "rules": {"expected": ["/shop", "q=("]}},
    }
    with pytest.raises(OSWorldTaskError, match=r"'q=\(' is not a regular expression"):
        load_task(task(tmp_path, [LAUNCH], patterns))
    patterns["expected"] = {"type": "rule", "rules": {"expected": "/shop"}}
    with pytest.raises(OSWorldTaskError, match=r'needs "expected": \[regular expressions\]'):
        load_task(task(tmp_path, [LAUNCH], patterns))
    patterns["expected"] = {"type": "rule", "rules": {"expected": ["/shop", r"q=\d"]}}
    assert load_task(task(tmp_path, [LAUNCH], patterns)).evaluate(outcome(tmp_path)).reward == 0.0
    judged = load_task(task(tmp_path, [LAUNCH], evaluator)).evaluate(outcome(tmp_path))
    assert judged.reward == 0.0  # no Bookmarks file yet


def test_tab_getters_read_the_tabs_the_session_read_and_only_their_tasks_ask_for_them(tmp_path: Path) -> None:
    """The tabs come from the session (over the browser's DevTools pipe, `DesktopOutcome.browser_tabs`):
    the active tab is the visible one, the focused one first when two windows show one each; no
    browser reads None; a task asks the session for them only when a getter of its reads them."""
    page = {"title": "Notes", "url": f"file://{tmp_path}/pages/a.html", "visible": False, "focused": False}
    shop = {"title": "Shop", "url": "http://127.0.0.1:8000/?q=1", "visible": True, "focused": False}
    other = {"title": "Other", "url": "http://127.0.0.1:8000/o", "visible": True, "focused": True}
    read = outcome(tmp_path)
    assert g.open_tabs_info(read) is None and g.active_tab_info(read) is None
    read.browser_tabs = [page, shop]
    assert g.open_tabs_info(read) == [
        {"title": "Notes", "url": "file:///home/user/pages/a.html"},
        {"title": "Shop", "url": "http://127.0.0.1:8000/?q=1"},
    ]
    assert g.active_tab_info(read) == {"title": "Shop", "url": "http://127.0.0.1:8000/?q=1"}
    parse = g.active_tab_url_parse({"parse_keys": ["q"]}, "t.json", "evaluator.result")
    assert parse(read) == {"q": "1"}
    read.browser_tabs = [page, shop, other]
    assert g.active_tab_info(read) == {"title": "Other", "url": "http://127.0.0.1:8000/o"}

    tabs_task = {"func": "is_expected_tabs", "result": {"type": "open_tabs_info"}}
    tabs_task["expected"] = {"type": "rule", "rules": {"type": "url", "urls": ["http://127.0.0.1:8000/o"]}}
    assert load_task(task(tmp_path, [LAUNCH], tabs_task)).reads_browser_tabs()
    bookmarks = {"func": "is_expected_bookmarks", "result": {"type": "bookmarks"}}
    bookmarks["expected"] = {"type": "rule", "rules": {"type": "bookmark_bar_websites_urls", "urls": []}}
    assert not load_task(task(tmp_path, [LAUNCH], bookmarks)).reads_browser_tabs()
