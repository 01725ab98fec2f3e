"""OSWorld's VLC metrics, written afresh with the same names and rules: what VLC plays (its HTTP
interface's status XML, `vlc_getters.vlc_playing_info`), whether its window fills the screen, its
settings in ``vlcrc`` (`vlc_getters.vlc_config`), and how alike two pictures are (``compare_images``).

``vlcrc`` lists every option, commented out (``#qt-max-volume=125``) while it has its default value;
an option set in VLC's preferences is written uncommented. A setting here is the last uncommented
line for its key, else VLC's default (which the commented line shows too). OSWorld's checks read
the commented lines as well; they hold the defaults, so both read the same value.
"""

from __future__ import annotations

import posixpath
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from xml.etree import ElementTree

from PIL import Image

from palaestra.tasks.desktop.osworld import image_metrics
from palaestra.tasks.desktop.osworld.errors import OSWorldTaskError
from palaestra.tasks.desktop.osworld.getters import FilePath
from palaestra.tasks.desktop.osworld.paths import VM_HOME

#: VLC 3.0's defaults for the settings OSWorld checks.
DEFAULT_SLIDER_COLOURS = "153;210;153;20;210;20;255;199;15;245;39;29"
#: A colour is "black-ish" (OSWorld's rule) when each of its red, green and blue is below this.
BLACKISH_BELOW = 100


class VlcRc(FilePath):
    """The path of an episode's ``vlcrc``, with the episode's HOME: paths in it (the recordings
    folder) are compared as OSWorld's VM would have written them (``/home/user/...``)."""

    home: str

    def __new__(cls, path: str, home: str) -> VlcRc:
        made = super().__new__(cls, path)
        made.home = home
        return made


def settings(result: Any) -> dict[str, str] | None:
    """The uncommented ``key=value`` lines of a vlcrc (a path), or None when there is none."""
    if not result:
        return None
    try:
        text = Path(str(result)).read_text(encoding="utf-8", errors="replace")
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None
    found: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith(("#", "[")) and "=" in line:
            key, value = line.split("=", 1)
            found[key.strip()] = value.strip()
    return found


def _setting(result: Any, key: str, default: str) -> str | None:
    found = settings(result)
    return None if found is None else found.get(key, default)


def _same(got: str | None, expected: Any) -> float:
    return float(got is not None and got == str(expected))


#: Where OSWorld's is_vlc_playing looks for what is playing, in this order (the first one given):
#: VLC names a file under ``filename``, an HLS stream by its playlist's file name.
FILE_FIELDS = ("filename", "title", "uri", "location", "name")
URL_FIELDS = ("url", "URI", "location", "title", "filename")


def _first_meta(status: ElementTree.Element, names: tuple[str, ...]) -> str:
    found = {
        info.get("name"): info.text
        for info in status.iterfind("information/category[@name='meta']/info")
        if info.text
    }
    return next((str(found[name]) for name in names if name in found), "")


def _plays_file(playing: str, expected: str) -> bool:
    return bool(playing) and (posixpath.basename(playing) == expected or playing.endswith(expected))


def _plays_stream(playing: str, expected: str) -> bool:
    """The stream's URL holds the expected one, or is its playlist's file name, or is a URL on the
    same host whose path holds the expected path."""
    if not playing:
        return False
    if expected in playing or playing == posixpath.basename(urlsplit(expected).path):
        return True
    want, got = urlsplit(expected), urlsplit(playing)
    return "://" in playing and want.netloc == got.netloc and want.path in got.path


def is_vlc_playing(result: Any, rules: dict[str, Any]) -> float:
    """VLC is playing (``state`` is ``playing``) the file the rule names (``type: file_name``: the
    name it plays is ``file_name`` or ends with it) or the stream (``type: url``, see
    `_plays_stream`), read from the status's meta fields as OSWorld reads them."""
    if not result:
        return 0.0
    try:
        status = ElementTree.fromstring(str(result))
    except ElementTree.ParseError:
        return 0.0
    if (status.findtext("state") or "").strip() != "playing":
        return 0.0
    if rules.get("type") == "file_name":
        return float(_plays_file(_first_meta(status, FILE_FIELDS), str(rules["file_name"])))
    if rules.get("type") == "url":
        return float(_plays_stream(_first_meta(status, URL_FIELDS), str(rules["url"])))
    return 0.0


def is_vlc_fullscreen(window_size: Any, screen_size: Any) -> float:
    """VLC's largest window is exactly the screen's size (OSWorld passes the screen's size as the
    result and the window's as the expected value; the check is the same either way)."""
    if not isinstance(window_size, dict) or not isinstance(screen_size, dict):
        return 0.0
    return float(
        window_size.get("width") == screen_size.get("width")
        and window_size.get("height") == screen_size.get("height")
    )


def is_vlc_recordings_folder(result: Any, rules: dict[str, Any]) -> float:
    """VLC's recordings folder (``input-record-path``) is ``recording_file_path``; the episode's
    HOME in it reads as OSWorld's ``/home/user``. Unset, it is no folder at all."""
    found = settings(result)
    if found is None or "input-record-path" not in found:
        return 0.0
    folder = found["input-record-path"]
    home = getattr(result, "home", "")
    if home and (folder == home or folder.startswith(home.rstrip("/") + "/")):
        folder = VM_HOME.rstrip("/") + folder[len(home.rstrip("/")) :]
    expected = str(rules["recording_file_path"])
    return float(posixpath.normpath(folder) == posixpath.normpath(expected))


def check_qt_bgcone(result: Any, rules: dict[str, Any]) -> float:
    return _same(_setting(result, "qt-bgcone", "1"), rules["expected_qt_bgcone"])


def check_qt_max_volume(result: Any, rules: dict[str, Any]) -> float:
    return _same(_setting(result, "qt-max-volume", "125"), rules["expected_qt_max_volume"])


def check_qt_minimal_view(result: Any, rules: dict[str, Any]) -> float:
    return _same(_setting(result, "qt-minimal-view", "0"), rules["expected_qt_minimal_view"])


def check_one_instance_when_started_from_file(result: Any, rules: dict[str, Any]) -> float:
    got = _setting(result, "one-instance-when-started-from-file", "1")
    return _same(got, rules["expected_one_instance_when_started_from_file"])


def check_play_and_exit(result: Any, rules: dict[str, Any]) -> float:
    return _same(_setting(result, "play-and-exit", "0"), rules["expected_play_and_exit"])


def check_global_key_play_pause(result: Any, rules: dict[str, Any]) -> float:
    """A global Play/Pause hotkey is set (``1``: any key; ``0``: none)."""
    got = _setting(result, "global-key-play-pause", "")
    return _same(None if got is None else ("1" if got else "0"), rules["expected_global_key_play_pause"])


def check_qt_slider_colours(result: Any, rules: dict[str, Any]) -> float:
    """The volume slider's colours (``qt-slider-colours``: red;green;blue four times) are
    ``expected_qt_slider_colours`` (``type: match``), or every one of them is black-ish
    (``type: blackish``)."""
    got = _setting(result, "qt-slider-colours", DEFAULT_SLIDER_COLOURS)
    if got is None:
        return 0.0
    if rules.get("type") == "match":
        return _same(got, rules["expected_qt_slider_colours"])
    if rules.get("type") == "blackish":
        try:
            values = [int(v) for v in got.split(";")]
        except ValueError:
            return 0.0
        return float(bool(values) and len(values) % 3 == 0 and all(v < BLACKISH_BELOW for v in values))
    return 0.0


def compare_images(result: Any, expected: Any, reference_base_result: float | None = None) -> float:
    """How alike two pictures are (a snapshot of the video, a wallpaper): the SSIM of their grey
    levels, both scaled to the smaller one's size first. With ``reference_base_result`` (the score
    of the picture the task starts from), the gain over it, from 0 (not at least 0.01 better) to 1."""
    got, want = image_metrics.load(result), image_metrics.load(expected)
    if got is None or want is None:
        return 0.0
    got, want = got.convert("L"), want.convert("L")  # grey first, then scaled, as OSWorld's
    size = min(got.size, want.size)  # OSWorld's: the smaller by width, then height
    score = image_metrics.gray_ssim(
        got.resize(size, Image.Resampling.LANCZOS), want.resize(size, Image.Resampling.LANCZOS)
    )
    if reference_base_result is None:
        return score
    base = float(reference_base_result)
    return (score - base) / (1 - base) if score >= base + 0.01 and base < 1 else 0.0


def check_playing_rules(rules: Any, source: str, where: str) -> None:
    """``is_vlc_playing``'s rule, checked when the task is loaded: a file's name, or a stream this
    machine can play without the internet (`OfflineURLError` otherwise)."""
    from palaestra.tasks.desktop.osworld.browser_steps import check_url

    kind = rules.get("type") if isinstance(rules, dict) else None
    if kind == "file_name" and isinstance(rules.get("file_name"), str) and rules["file_name"]:
        return
    if kind == "url":
        check_url(rules.get("url"), source, f"{where} url")
        return
    raise OSWorldTaskError(
        source,
        where,
        'is_vlc_playing\'s rule is {"type": "file_name", "file_name": ...} or {"type": "url", "url": ...}',
    )


def check_slider_rules(rules: Any, source: str, where: str) -> None:
    kind = rules.get("type") if isinstance(rules, dict) else None
    if kind == "blackish" or (kind == "match" and isinstance(rules.get("expected_qt_slider_colours"), str)):
        return
    raise OSWorldTaskError(
        source,
        where,
        'check_qt_slider_colours\'s rule is {"type": "blackish"} or '
        '{"type": "match", "expected_qt_slider_colours": "r;g;b;..."}',
    )


#: Each settings check by name, and the key its rule gives the expected value under.
SETTINGS_CHECKS = {
    check_qt_bgcone: "expected_qt_bgcone",
    check_qt_max_volume: "expected_qt_max_volume",
    check_qt_minimal_view: "expected_qt_minimal_view",
    check_one_instance_when_started_from_file: "expected_one_instance_when_started_from_file",
    check_play_and_exit: "expected_play_and_exit",
    check_global_key_play_pause: "expected_global_key_play_pause",
    is_vlc_recordings_folder: "recording_file_path",
}
