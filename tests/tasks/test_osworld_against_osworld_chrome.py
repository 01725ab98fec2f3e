"""Our Chrome metrics score as OSWorld's own do (desktop-env 1.0.2's chrome.py) on the values its
getters give (the active tab, open tabs, bookmarks, history and cookie rows, settings) and on
printed or saved pages (PDFs, HTML), a passing and a failing variant of each (see
`osworld_against`). The pages are those of our Chrome print tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .osworld_against import Case, Difference, assert_same_scores, path
from .test_osworld_chrome_print import HTML, html, picture, pictures_pdf
from .test_osworld_pdf_metrics import pdf

C = "chrome"
TAB = {"title": "Flights", "url": "https://www.example.com/flights?from=LHR&to=JFK"}
BAR: dict[str, Any] = {
    "bookmark_bar": {
        "children": [
            {"type": "folder", "name": "Travel", "children": [{"type": "url", "url": "https://a.example/"}]},
            {"type": "url", "name": "News", "url": "https://news.example/"},
        ]
    }
}
SHORTCUT = "[Desktop Entry]\nName=Example Mail\nExec=chromium --app=https://mail.example/\n"


def value_cases() -> dict[str, Case]:
    tabs = [
        {"title": "A", "url": "https://www.example.com/a"},
        {"title": "B", "url": "https://docs.example.org/b"},
    ]
    history = [("https://news.example/today", "News", 3), ("https://shop.example/cart", "Cart", 1)]
    cookies = [(1, ".shop.example", "id"), (2, "docs.example.org", "sid")]
    return {
        "active tab pass": Case(C, "is_expected_active_tab", (TAB, {"type": "url", "url": TAB["url"]})),
        "active tab fail": Case(
            C, "is_expected_active_tab", (TAB, {"type": "url", "url": "https://www.example.com/hotels"})
        ),
        "active tab approximate pass": Case(
            C,
            "is_expected_active_tab_approximate",
            (TAB, {"type": "url", "url": "https://www.example.com/flights"}),
        ),
        "active tab approximate fail": Case(
            C,
            "is_expected_active_tab_approximate",
            (TAB, {"type": "url", "url": "https://www.example.com/hotels"}),
        ),
        "url pattern pass": Case(
            C, "is_expected_url_pattern_match", (TAB, {"expected": ["flights", "to=JFK"]})
        ),
        "url pattern fail": Case(
            C, "is_expected_url_pattern_match", (TAB, {"expected": ["flights", "to=CDG"]})
        ),
        "tabs pass": Case(
            C,
            "is_expected_tabs",
            (tabs, {"type": "url", "urls": ["https://www.example.com/a", "https://docs.example.org/b"]}),
        ),
        "tabs fail": Case(
            C, "is_expected_tabs", (tabs, {"type": "url", "urls": ["https://www.example.com/a"]})
        ),
        "bookmark folders pass": Case(
            C, "is_expected_bookmarks", (BAR, {"type": "bookmark_bar_folders_names", "names": ["Travel"]})
        ),
        "bookmark folders fail": Case(
            C, "is_expected_bookmarks", (BAR, {"type": "bookmark_bar_folders_names", "names": ["Work"]})
        ),
        "bookmark urls pass": Case(
            C,
            "is_expected_bookmarks",
            (BAR, {"type": "bookmark_bar_websites_urls", "urls": ["https://news.example/"]}),
        ),
        "bookmark urls fail": Case(
            C, "is_expected_bookmarks", (BAR, {"type": "bookmark_bar_websites_urls", "urls": []})
        ),
        "history deleted pass": Case(
            C, "check_history_deleted", (history, {"type": "keywords", "keywords": ["travel"]})
        ),
        "history deleted fail": Case(
            C, "check_history_deleted", (history, {"type": "keywords", "keywords": ["shop"]})
        ),
        "cookie deleted pass": Case(
            C, "is_cookie_deleted", (cookies, {"type": "domains", "domains": [".travel.example"]})
        ),
        "cookie deleted fail": Case(
            C, "is_cookie_deleted", (cookies, {"type": "domains", "domains": ["docs.example.org"]})
        ),
        "experiments pass": Case(
            C,
            "check_enabled_experiments",
            (
                ["tab-groups@1", "smooth-scrolling@2"],
                {"type": "names", "names": ["tab-groups", "smooth-scrolling"]},
            ),
        ),
        "experiments fail": Case(
            C,
            "check_enabled_experiments",
            (["tab-groups@1"], {"type": "names", "names": ["smooth-scrolling"]}),
        ),
        "font size value": Case(
            C, "check_font_size", ({"default_font_size": 20}, {"type": "value", "value": 20})
        ),
        "font size range": Case(
            C, "check_font_size", ({"default_font_size": 20}, {"type": "range", "min": 10, "max": 16})
        ),
        "extensions pass": Case(
            C, "is_expected_installed_extensions", (["Dark Reader", "uBlock"], {"expected": ["uBlock"]})
        ),
        "extensions fail": Case(
            C, "is_expected_installed_extensions", (["Dark Reader"], {"expected": ["uBlock"]})
        ),
        "shortcut name": Case(
            C,
            "is_shortcut_on_desktop",
            ({"/home/user/Desktop/mail.desktop": SHORTCUT}, {"type": "name", "name": "Example Mail"}),
        ),
        "shortcut exec": Case(
            C,
            "is_shortcut_on_desktop",
            ({"/home/user/Desktop/mail.desktop": SHORTCUT}, {"type": "exec", "exec": "chromium"}),
        ),
        "search query pass": Case(C, "is_expected_search_query", (TAB, {"expect": {"pattern": r"from=LHR"}})),
        "search query fail": Case(C, "is_expected_search_query", (TAB, {"expect": {"pattern": r"from=CDG"}})),
        "steam cart pass": Case(
            C, "is_added_to_steam_cart", ({"content": "Your cart: Portal 2, Celeste"}, {"items": ["Celeste"]})
        ),
        "steam cart fail": Case(
            C, "is_added_to_steam_cart", ({"content": "Your cart: Portal 2"}, {"items": ["Celeste"]})
        ),
    }


def json_cases() -> dict[str, Case]:
    """check_direct_json_object (general.py), on what a page's script or a command printed."""
    g, found = "general", {"city": "Lisbon", "tags": ["sea", "old town"], "note": "Trip in May"}
    in_result = {"expect_in_result": True}
    return {
        "json object pass": Case(g, "check_direct_json_object", (found, {"expected": {"city": "Lisbon"}})),
        "json object fail": Case(g, "check_direct_json_object", (found, {"expected": {"city": "Porto"}})),
        "json object text": Case(
            g, "check_direct_json_object", ("{'city': 'Lisbon'} ", {"expected": {"city": "Lisbon"}})
        ),
        "json in result pass": Case(
            g,
            "check_direct_json_object",
            (found, {"expected": {"tags": ["beach", "sea"], "note": "May"}, **in_result}),
        ),
        "json in result fail": Case(
            g, "check_direct_json_object", (found, {"expected": {"tags": ["beach"]}, **in_result})
        ),
    }


def page_cases(d: Path) -> dict[str, Case]:
    agenda = path(pdf(d / "agenda.pdf", ["Meeting agenda", "1. Budget review"]))
    agenda_again = path(pdf(d / "agenda_again.pdf", ["Meeting agenda", "1. Budget review"]))
    other = path(pdf(d / "other.pdf", ["Holiday plan", "Beach"]))
    gold = path(pictures_pdf(d / "gold.pdf", picture(1), picture(2)))
    saved = path(pictures_pdf(d / "saved.pdf", picture(1), picture(2), quality=40))
    rotated = path(pictures_pdf(d / "rotated.pdf", picture(1).rotate(90), picture(2).rotate(90)))
    page = path(html(d / "gold.html", HTML))
    same = path(html(d / "same.html", HTML.replace('class="grid  wide" id="t"', 'id="t" class="grid wide"')))
    changed = path(html(d / "changed.html", HTML.replace("12.50", "12.5")))
    other_format = path(html(d / "format.html", HTML.replace("1033;0;0.00", "1031;0;#,##0.00")))
    return {
        "pdfs same": Case(C, "compare_pdfs", (agenda, agenda_again)),
        "pdfs other": Case(C, "compare_pdfs", (other, agenda)),
        "pdf images pass": Case(C, "compare_pdf_images", (saved, gold)),
        "pdf images fail": Case(C, "compare_pdf_images", (rotated, gold)),
        "htmls same": Case(C, "compare_htmls", (same, page)),
        "htmls changed": Case(C, "compare_htmls", (changed, page)),
        "htmls sdnum": Case(C, "compare_htmls", (other_format, page)),
        "htmls sdnum ignored": Case(C, "compare_htmls", (other_format, page), {"ignore_sdnum": True}),
    }


DIFFERENCES: dict[str, Difference] = {}


def test_chrome_metrics_score_as_osworlds(tmp_path: Path) -> None:
    assert_same_scores(value_cases() | json_cases() | page_cases(tmp_path), DIFFERENCES)
