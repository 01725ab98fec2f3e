"""Our OSWorld metrics of the apps' settings and the desktop's state score as OSWorld's own do
(desktop-env 1.0.2's vscode.py, thunderbird.py, basic_os.py, libreoffice.py, others.py), case by
case, a passing and a failing variant of each (see `osworld_against`)."""

from __future__ import annotations

from pathlib import Path

from mutagen.easyid3 import EasyID3

from .osworld_against import Case, Difference, assert_same_scores, path
from .test_osworld_against_osworld_text import text

PREFS = 'user_pref("mail.spam.manualMark", true);\nuser_pref("mail.server.server1.name", "Work");\n'
FILTER = (
    'version="9"\nlogging="no"\nname="Bills"\nenabled="yes"\ntype="17"\naction="Move to folder"\n'
    'actionValue="mailbox://nobody@Local%20Folders/Bills"\ncondition="AND (subject,contains,invoice)"\n'
)
TIMEDATECTL = (
    "               Local time: Thu 2024-01-25 12:56:06 WET\n"
    "           Universal time: Thu 2024-01-25 12:56:06 UTC\n"
    "                 RTC time: Thu 2024-01-25 12:56:05\n                Time zone: {zone}\n"
    "System clock synchronized: yes\n"
)
REGISTRY = (
    '<?xml version="1.0"?><oor:items xmlns:oor="http://openoffice.org/2001/registry">'
    '<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooSetupSystemLocale" oor:op="fuse">'
    "<value>{locale}</value></prop></item></oor:items>"
)
MAIL = "From - Mon Jan 01 00:00:00 2024\nX-Mozilla-Status: 0001\nSubject: {subject}\n\nHello\n"


def mp3(folder: Path, name: str, title: str) -> Path:
    (folder / name).write_bytes(b"")
    tags = EasyID3()
    tags["title"] = title
    tags["artist"] = "Palaestra"
    tags.save(str(folder / name))
    return folder / name


def app_cases(d: Path) -> dict[str, Case]:
    spaced = text(d, "spaced.txt", "one  two\n\tthree\n")
    plain = text(d, "plain.txt", "One two three")
    settings = text(d, "vscode.json", '{"editor.fontSize": 14, "files.autoSave": "afterDelay"}')
    keys = text(
        d,
        "keybindings.json",
        '// Place your key bindings here\n[{"key": "ctrl+j", "command": "workbench.action.togglePanel"}]',
    )
    binding = {"key": "ctrl+j", "command": "workbench.action.togglePanel"}
    page = text(
        d, "page.html", "<html><head><style>body { background-image: url('bg.png'); }</style></head></html>"
    )
    shorthand = text(d, "shorthand.html", '<style>body { background: url("bg.png") no-repeat; }</style>')
    prefs = text(d, "prefs.js", PREFS)
    filters = text(d, "msgFilterRules.dat", FILTER)
    inbox = text(d, "Inbox", MAIL.format(subject="Hi"))
    archive = text(d, "Archive", MAIL.format(subject="Hi"))
    other_box = text(d, "Other", MAIL.format(subject="Bye"))
    empty_box = text(d, "Empty", "")
    english = text(d, "registrymodifications.xcu", REGISTRY.format(locale="en-US"))
    german = text(d, "de.xcu", REGISTRY.format(locale="de-DE"))
    song = mp3(d, "song.mp3", "Morning")
    v, t, b = "vscode", "thunderbird", "basic_os"
    return {
        "compare_text_file blanks": Case(
            v, "compare_text_file", (path(spaced), path(plain)), {"ignore_blanks": True, "ignore_case": True}
        ),
        "compare_text_file strict": Case(v, "compare_text_file", (path(spaced), path(plain))),
        "json_settings pass": Case(
            v, "check_json_settings", (path(settings), {"expected": {"editor.fontSize": 14}})
        ),
        "json_settings fail": Case(
            v, "check_json_settings", (path(settings), {"expected": {"files.autoSave": "off"}})
        ),
        "json_keybindings pass": Case(v, "check_json_keybindings", (path(keys), {"expected": binding})),
        "json_keybindings fail": Case(
            v, "check_json_keybindings", (path(keys), {"expected": {**binding, "key": "ctrl+k"}})
        ),
        "compare_config pass": Case(v, "compare_config", (path(plain), {"expected": "One two three"})),
        "compare_config fail": Case(v, "compare_config", (path(plain), {"expected": "one two three"})),
        "compare_answer pass": Case(v, "compare_answer", ("42", {"expected": "42"})),
        "compare_answer fail": Case(v, "compare_answer", ("41", {"expected": "42"})),
        "extension contain": Case(
            v,
            "is_extension_installed",
            ("ms-python.python\n", {"type": "contain", "expected": "ms-python.python"}),
        ),
        "extension not_contain": Case(
            v,
            "is_extension_installed",
            ("ms-python.python\n", {"type": "not_contain", "expected": "ms-python"}),
        ),
        "background pass": Case(v, "check_html_background_image", (path(page), {"value": "bg.png"})),
        "background shorthand": Case(
            v, "check_html_background_image", (path(shorthand), {"value": "bg.png"})
        ),
        "background fail": Case(v, "check_html_background_image", (path(page), {"value": "other.png"})),
        "thunderbird_prefs pass": Case(
            t,
            "check_thunderbird_prefs",
            (path(prefs), {"expect": {"mail.spam.manualMark": {"method": "eq", "ref": True}}}),
        ),
        "thunderbird_prefs fail": Case(
            t,
            "check_thunderbird_prefs",
            (path(prefs), {"expect": {"mail.server.server1.name": {"method": "eq", "ref": "Home"}}}),
        ),
        "thunderbird_prefs unexpect": Case(
            t,
            "check_thunderbird_prefs",
            (path(prefs), {"unexpect": {"mail.server.server1.name": {"method": "re", "ref": "^W"}}}),
        ),
        "thunderbird_filter pass": Case(
            t,
            "check_thunderbird_filter",
            (path(filters), {"expect": [{"name": "Bills", "enabled": "yes", "action": "Move to folder"}]}),
        ),
        "thunderbird_filter fail": Case(
            t, "check_thunderbird_filter", (path(filters), {"expect": [{"name": "Bills", "enabled": "no"}]})
        ),
        "thunderbird_folder same": Case(t, "check_thunderbird_folder", (path(inbox), path(archive))),
        "thunderbird_folder other": Case(t, "check_thunderbird_folder", (path(inbox), path(other_box))),
        "thunderbird_folder empty": Case(t, "check_thunderbird_folder", (path(empty_box), path(other_box))),
        "favorite_apps pass": Case(
            b,
            "check_gnome_favorite_apps",
            ("['vim.desktop', 'thunderbird.desktop']", {"expected": ["thunderbird.desktop", "vim.desktop"]}),
        ),
        "favorite_apps fail": Case(
            b,
            "check_gnome_favorite_apps",
            ("['vim.desktop']", {"expected": ["thunderbird.desktop", "vim.desktop"]}),
        ),
        "is_utc_0 pass": Case(b, "is_utc_0", (TIMEDATECTL.format(zone="Etc/UTC (UTC, +0000)"),)),
        "is_utc_0 fail": Case(b, "is_utc_0", (TIMEDATECTL.format(zone="Europe/Paris (CET, +0100)"),)),
        "text_enlarged pass": Case(b, "check_text_enlarged", ("1.25\n",)),
        "text_enlarged fail": Case(b, "check_text_enlarged", ("1.0\n",)),
        "moved_jpgs pass": Case(
            b,
            "check_moved_jpgs",
            (
                {"name": "photos", "children": [{"name": "a.jpg"}, {"name": "b.jpg"}]},
                {"expected": ["b.jpg", "a.jpg"]},
            ),
        ),
        "moved_jpgs fail": Case(
            b,
            "check_moved_jpgs",
            ({"name": "photos", "children": [{"name": "a.jpg"}]}, {"expected": ["b.jpg", "a.jpg"]}),
        ),
        "clipboard pass": Case(
            b, "is_in_vm_clickboard", ({"expected": ["alpha", "beta"]}, "alpha beta gamma")
        ),
        "clipboard fail": Case(b, "is_in_vm_clickboard", ({"expected": "delta"}, "alpha beta gamma")),
        "libre_locale pass": Case(
            "libreoffice", "check_libre_locale", (path(english), {"locale_set": ["en-*", "fr-FR"]})
        ),
        "libre_locale fail": Case(
            "libreoffice", "check_libre_locale", (path(german), {"locale_set": ["en-*", "fr-FR"]})
        ),
        "mp3_meta pass": Case(
            "others", "check_mp3_meta", (path(song), {"title": {"method": "eq", "ref": "Morning"}})
        ),
        "mp3_meta fail": Case(
            "others",
            "check_mp3_meta",
            (
                path(song),
                {"title": {"method": "eq", "ref": "Evening"}, "artist": {"method": "re", "ref": "^Pal"}},
            ),
        ),
    }


DIFFERENCES = {
    "background shorthand": Difference(
        1.0,
        0.0,
        "OSWorld looks for the one spelling `background-image: url('VALUE')` in <style> text; the same "
        "picture set with the `background` shorthand or other quotes passes here (docs/osworld.md)",
    ),
    "thunderbird_folder other": Difference(
        0.0,
        1.0,
        "desktop-env 1.0.2 keeps only the blank pieces of a folder file when it splits it into messages "
        "(`if mail.strip(): continue`), so any two folders compare equal; ours compares the messages",
    ),
}


def test_app_settings_metrics_score_as_osworlds(tmp_path: Path) -> None:
    assert_same_scores(app_cases(tmp_path), DIFFERENCES)
