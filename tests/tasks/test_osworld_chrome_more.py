"""OSWorld's remaining offline Chrome getters and their metrics, over real profile files (Chromium's
Preferences and Secure Preferences, an extension's folder, desktop shortcuts) and real HTML parsed
by lxml: each getter with a passing and a failing case of the metric OSWorld pairs with it, and a
task file of each that loads (or is refused, with why)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from palaestra.tasks.desktop.base import DesktopOutcome
from palaestra.tasks.desktop.osworld import (
    OfflineURLError,
    OSWorldTaskError,
    UnsupportedEvaluatorError,
    load_task,
)
from palaestra.tasks.desktop.osworld import chrome_checks as c
from palaestra.tasks.desktop.osworld import chrome_pages as p
from palaestra.tasks.desktop.osworld import chrome_profile as cp

DEFAULT = Path(".config/chromium/Default")
LAUNCH = {"type": "launch", "parameters": {"command": ["google-chrome", "--remote-debugging-port=1337"]}}


def outcome(home: Path, tabs: list[dict[str, Any]] | None = None, address: str = "") -> DesktopOutcome:
    elements = [{"role": "entry", "name": "Address and search bar", "value": address}] if address else []
    return DesktopOutcome(home=home, elements=elements, windows=[], messages=[], browser_tabs=tabs)


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))


def task(folder: Path, evaluator: dict[str, Any], config: list[Any] | None = None) -> Path:
    data = {
        "id": "c2",
        "snapshot": "chrome",
        "instruction": "Do it in Chrome.",
        "config": [LAUNCH] if config is None else config,
        "related_apps": ["chrome"],
        "evaluator": evaluator,
    }
    path = folder / "c2.json"
    path.write_text(json.dumps(data))
    return path


def judged(folder: Path, evaluator: dict[str, Any], seen: DesktopOutcome) -> float:
    return load_task(task(folder, evaluator)).evaluate(seen).reward


def rule(rules: Any) -> dict[str, Any]:
    return {"type": "rule", "rules": rules}


# -- extensions ------------------------------------------------------------------------------


def install_extensions(home: Path) -> None:
    """A built-in extension in Preferences (with its manifest, as Chromium writes it), and an
    unpacked one in Secure Preferences (no manifest: Chromium 156 reads it from its folder), whose
    name is a message of its default locale."""
    folder = home / "Desktop/helloExtension"
    write_json(folder / "manifest.json", {"name": "__MSG_appName__", "default_locale": "en", "version": "1"})
    write_json(folder / "_locales/en/messages.json", {"appName": {"message": "Hello Extensions"}})
    pdf = {"path": "/usr/lib/chromium/resources/pdf", "manifest": {"name": "Chromium PDF Viewer"}}
    write_json(home / DEFAULT / "Preferences", {"extensions": {"settings": {"mhjf": pdf}}})
    unpacked = {"path": str(folder), "location": 4}
    write_json(home / DEFAULT / "Secure Preferences", {"extensions": {"settings": {"abcd": unpacked}}})


def test_extension_names_and_folders_come_from_both_preference_files(tmp_path: Path) -> None:
    assert cp.find_installed_extension_name(outcome(tmp_path)) is None  # no profile yet
    install_extensions(tmp_path)
    seen = outcome(tmp_path)
    assert sorted(cp.find_installed_extension_name(seen) or []) == ["Chromium PDF Viewer", "Hello Extensions"]
    paths = cp.find_unpacked_extension_path(seen) or []
    assert "/home/user/Desktop/helloExtension" in paths and str(tmp_path) not in "".join(paths)

    names = {"func": "is_expected_installed_extensions", "result": {"type": "find_installed_extension_name"}}
    names["expected"] = rule({"type": "name", "expected": ["Hello Extensions"]})
    assert judged(tmp_path, names, seen) == 1.0
    names["expected"] = rule({"type": "name", "expected": ["Hello Extensions", "uBlock Origin"]})
    assert judged(tmp_path, names, seen) == 0.0
    path = {"func": "is_in_list", "result": {"type": "find_unpacked_extension_path"}}
    path["expected"] = rule({"expected": "/home/user/Desktop/helloExtension"})
    assert judged(tmp_path, path, seen) == 1.0
    path["expected"] = rule({"expected": "/home/user/Desktop/other"})
    assert judged(tmp_path, path, seen) == 0.0


def test_an_extension_folder_outside_home_is_not_read(tmp_path: Path) -> None:
    """A path in Preferences is the agent's to write: one that leads out of HOME names nothing."""
    home, outside = tmp_path / "home", tmp_path / "outside"
    write_json(outside / "manifest.json", {"name": "Secret"})
    write_json(home / DEFAULT / "Preferences", {"extensions": {"settings": {"x": {"path": str(outside)}}}})
    assert cp.find_installed_extension_name(outcome(home)) == []


def test_extensions_from_the_store_are_their_manifests(tmp_path: Path) -> None:
    assert cp.extensions_installed_from_shop(outcome(tmp_path)) == []
    write_json(
        tmp_path / DEFAULT / "Extensions/cjpal/1.2_0/manifest.json", {"name": "uBlock", "version": "1.2"}
    )
    assert cp.extensions_installed_from_shop(outcome(tmp_path)) == [{"name": "uBlock", "version": "1.2"}]


# -- desktop shortcuts and privacy switches ----------------------------------------------------


def test_a_shortcut_on_the_desktop_is_found_by_its_name_or_command(tmp_path: Path) -> None:
    shortcut = {"func": "is_shortcut_on_desktop", "result": {"type": "shortcuts_on_desktop"}}
    shortcut["expected"] = rule({"type": "name", "name": "Play Puzzle Game 2048"})
    assert judged(tmp_path, shortcut, outcome(tmp_path)) == 0.0  # no Desktop folder
    desktop = tmp_path / "Desktop"
    desktop.mkdir()
    (desktop / "notes.txt").write_text("Name=Play Puzzle Game 2048\n")  # not a shortcut
    assert judged(tmp_path, shortcut, outcome(tmp_path)) == 0.0
    text = "[Desktop Entry]\nName=Play Puzzle Game 2048\nExec=/usr/bin/chromium --app-id=abc\n"
    (desktop / "chrome-abc-Default.desktop").write_text(text)
    assert cp.shortcuts_on_desktop(outcome(tmp_path)) == {"chrome-abc-Default.desktop": text}
    assert judged(tmp_path, shortcut, outcome(tmp_path)) == 1.0
    shortcut["expected"] = rule({"type": "name", "name": "Play Puzzle"})  # the whole name, not a part
    assert judged(tmp_path, shortcut, outcome(tmp_path)) == 0.0
    shortcut["expected"] = rule({"type": "exec", "exec": "/usr/bin/chromium --app-id=abc"})
    assert judged(tmp_path, shortcut, outcome(tmp_path)) == 1.0
    shortcut["expected"] = rule({"type": "url", "url": "https://x"})
    with pytest.raises(OSWorldTaskError, match="`is_shortcut_on_desktop` needs a rule"):
        load_task(task(tmp_path, shortcut))


def test_privacy_switches_read_as_osworld_compares_them(tmp_path: Path) -> None:
    safe = {"func": "exact_match", "result": {"type": "enable_safe_browsing"}}
    safe["expected"] = rule({"expected": "true"})
    enhanced = dict(safe, result={"type": "enable_enhanced_safety_browsing"})
    deleting = dict(safe, result={"type": "data_delete_automacally"})
    for evaluator in (safe, enhanced, deleting):
        assert judged(tmp_path, evaluator, outcome(tmp_path)) == 0.0
    prefs = {"safebrowsing": {"enabled": True}, "profile": {"default_content_setting_values": {"cookies": 4}}}
    write_json(tmp_path / DEFAULT / "Preferences", prefs)
    assert judged(tmp_path, safe, outcome(tmp_path)) == 1.0
    assert judged(tmp_path, enhanced, outcome(tmp_path)) == 0.0
    assert judged(tmp_path, deleting, outcome(tmp_path)) == 1.0
    write_json(tmp_path / DEFAULT / "Preferences", {"safebrowsing": {"enhanced": True}})
    assert judged(tmp_path, enhanced, outcome(tmp_path)) == 1.0


# -- pages ---------------------------------------------------------------------------------------

CART = """<!DOCTYPE html><html><head><title>Cart</title></head><body>
<ul><li class="item name">Dota 2 Soundtrack</li><li class="item name">Artbook</li></ul>
<p class="total">Total: 12 EUR</p>
<form><label>City <input id="city" value="Zurich"></label>
<select id="car"><option value="s">Small</option><option value="l" selected>Large</option></select>
<textarea id="note">Child seat</textarea></form>
<div><span>Pickup date</span>: Mon, 5 Jan</div></body></html>"""


def tab(url: str, content: str | None, visible: bool = True, focused: bool = True) -> dict[str, Any]:
    return {"title": "Cart", "url": url, "visible": visible, "focused": focused, "content": content}


def test_page_info_reads_the_tab_showing_its_url(tmp_path: Path) -> None:
    url = "http://127.0.0.1:8000/cart/"
    cart = {"func": "is_added_to_steam_cart", "result": {"type": "page_info", "url": url}}
    cart["expected"] = rule({"items": ["Dota 2 Soundtrack", "Artbook"]})
    loaded = load_task(task(tmp_path, cart))
    assert loaded.reads_browser_tabs() and loaded.reads_page_content()
    shown = [
        tab("http://127.0.0.1:8000/", "<p>home</p>"),
        tab("http://127.0.0.1:8000/cart", CART, False, False),
    ]
    assert loaded.evaluate(outcome(tmp_path, shown)).reward == 1.0  # a trailing slash aside
    read = p.page_info({"url": url}, "t", "w")(outcome(tmp_path, shown))
    assert read is not None and read["title"] == "Cart" and "Artbook" in read["content"]
    assert loaded.evaluate(outcome(tmp_path, shown[:1])).reward == 0.0  # no tab shows the cart
    in_home = [tab(f"file://{tmp_path}/pages/cart.html", CART)]  # a page in HOME, named as OSWorld's
    named = {"type": "page_info", "url": "file:///home/user/pages/cart.html"}
    assert judged(tmp_path, dict(cart, result=named), outcome(tmp_path, in_home)) == 1.0
    cart["expected"] = rule({"items": ["Dota 2 Soundtrack", "Season Pass"]})
    assert judged(tmp_path, cart, outcome(tmp_path, shown)) == 0.0
    assert judged(tmp_path, cart, outcome(tmp_path, None)) == 0.0  # no browser answered
    with pytest.raises(OfflineURLError, match=r"store\.steampowered\.com"):
        load_task(
            task(
                tmp_path,
                dict(cart, result={"type": "page_info", "url": "https://store.steampowered.com/cart/"}),
            )
        )


def parse_task(spec: dict[str, Any], expected: dict[str, Any], **rules: Any) -> dict[str, Any]:
    return {
        "func": "check_direct_json_object",
        "result": {"type": "active_tab_html_parse", **spec},
        "expected": rule({"expected": expected, **rules}),
    }


def test_values_are_parsed_from_the_active_tabs_html_by_each_category(tmp_path: Path) -> None:
    shown = outcome(
        tmp_path,
        [
            tab("http://127.0.0.1:8000/x", "<p>other</p>", False, False),
            tab("http://127.0.0.1:8000/cart", CART),
        ],
    )
    by_class = {
        "category": "class",
        "class_singleObject": {"total": "sum"},
        "class_multiObject": {"item": {"0": "first", "1": "second", "5": "sixth"}},
    }
    found = {"sum": "Total: 12 EUR", "first": "Dota 2 Soundtrack", "second": "Artbook", "sixth": ""}
    assert judged(tmp_path, parse_task(by_class, found), shown) == 1.0
    assert judged(tmp_path, parse_task(by_class, {**found, "second": "Poster"}), shown) == 0.0
    by_xpath = {"category": "xpath", "xpathObject": {"/html/body/p": "total", "//div": "date"}}
    found = {"total": "Total: 12 EUR", "date": "Pickup date: Mon, 5 Jan"}
    assert judged(tmp_path, parse_task(by_xpath, found), shown) == 1.0
    assert (
        judged(tmp_path, parse_task(by_xpath, {"total": "12", "date": "Mon"}, expect_in_result=True), shown)
        == 1.0
    )
    assert judged(tmp_path, parse_task(by_xpath, {"total": "13"}, expect_in_result=True), shown) == 0.0
    fields = {"//input[@id='city']": "city", "//select": "car", "//textarea": "note", "//input[2]": "none"}
    by_input = {"category": "input", "inputObject": fields}
    assert p.active_tab_html_parse(by_input, "t", "w")(shown) == {
        "city": "Zurich",
        "car": "l",
        "note": "Child seat",
        "none": "",
    }
    assert judged(tmp_path, parse_task(by_input, {"city": "Zurich"}), shown) == 1.0
    assert judged(tmp_path, parse_task(by_input, {"city": "Basel"}), shown) == 0.0
    by_label = {"category": "label", "labelObject": {"pickup DATE": "when"}}
    assert p.active_tab_html_parse(by_label, "t", "w")(shown) == {"when": "Pickup date"}
    assert judged(tmp_path, parse_task(by_label, {"when": "Pickup date"}), shown) == 1.0
    assert judged(tmp_path, parse_task(by_label, {"when": "Pickup date"}), outcome(tmp_path, [])) == 0.0


def test_a_parse_spec_that_cannot_work_is_refused_when_loaded(tmp_path: Path) -> None:
    with pytest.raises(OSWorldTaskError, match="is not an XPath"):
        load_task(task(tmp_path, parse_task({"category": "xpath", "xpathObject": {"//p[": "x"}}, {"x": ""})))
    with pytest.raises(UnsupportedEvaluatorError, match="category"):
        load_task(task(tmp_path, parse_task({"category": "clas"}, {"x": ""})))
    with pytest.raises(OSWorldTaskError, match="`check_direct_json_object` needs"):
        load_task(task(tmp_path, {**parse_task({"category": "class"}, {}), "expected": rule({"x": 1})}))


def test_a_part_of_the_address_bars_url(tmp_path: Path) -> None:
    seen = outcome(tmp_path, address="127.0.0.1:8000/weather/manchester/december-weather/329260?x=1")
    dash = {"type": "url_dashPart", "goto_prefix": "http://", "partIndex": -1, "needDeleteId": True}
    evaluator = {
        "func": "exact_match",
        "result": {**dash, "returnType": "string"},
        "expected": rule({"expected": "329260"}),
    }
    assert judged(tmp_path, evaluator, seen) == 1.0
    assert judged(tmp_path, {**evaluator, "expected": rule({"expected": "329261"})}, seen) == 0.0
    as_json = {**dash, "partIndex": -2, "returnType": "json", "key": "time"}
    evaluator = {
        "func": "check_direct_json_object",
        "result": as_json,
        "expected": rule({"expected": {"time": "december-weather"}}),
    }
    assert judged(tmp_path, evaluator, seen) == 1.0
    assert judged(tmp_path, evaluator, outcome(tmp_path)) == 0.0  # no address bar
    assert p.url_dash_part({**dash, "partIndex": 9, "returnType": "string"}, "t", "w")(seen) is None
    with pytest.raises(OSWorldTaskError, match='needs the "key"'):
        load_task(task(tmp_path, {**evaluator, "result": {**as_json, "key": None}}))


def test_json_objects_compare_as_osworld_compares_them() -> None:
    assert c.check_direct_json_object({"a": "x", "b": 2}, {"expected": {"a": "x"}}) == 1.0
    assert c.check_direct_json_object("{'a': 'x'}", {"expected": {"a": "x"}}) == 1.0
    assert c.check_direct_json_object("not json", {"expected": {"a": "x"}}) == 0.0
    assert c.check_direct_json_object({"a": "x"}, {"expected": {"a": c.FAILED}}) == 0.0
    listed = {"expected": {"k": ["b", "z"]}, "expect_in_result": True}
    assert c.check_direct_json_object({"k": ["a", "b"]}, listed) == 1.0
    assert c.check_direct_json_object({"k": ["a"]}, listed) == 0.0
    tab_url = {"url": "http://127.0.0.1/s?q=1"}
    assert c.is_expected_active_tab_approximate(tab_url, {"type": "url", "url": "http://127.0.0.1/s"}) == 1.0
    assert c.is_expected_active_tab_approximate(tab_url, {"type": "url", "url": "http://127.0.0.1/t"}) == 0.0
    assert c.is_expected_search_query(tab_url, {"expect": {"pattern": r"q=\d"}}) == 1.0
    assert c.is_expected_search_query(tab_url, {"expect": {"pattern": "q=x"}}) == 0.0


def test_the_saved_addresses_getter_is_refused_with_why(tmp_path: Path) -> None:
    evaluator = {"func": "check_include_exclude", "result": {"type": "chrome_saved_address"}}
    evaluator["expected"] = rule({"include": ["123 Main Street"]})
    with pytest.raises(UnsupportedEvaluatorError, match="shadow DOM"):
        load_task(task(tmp_path, evaluator))
