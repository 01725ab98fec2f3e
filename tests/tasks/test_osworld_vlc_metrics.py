"""OSWorld's VLC metrics on data shaped as VLC writes it (the HTTP interface's status XML, a vlcrc
with its commented defaults and set options), each scoring 1 on the right value and 0 on a wrong or
missing one; the vlc getters through a loaded task (vlcrc in HOME, the screen's and a window's
size); OSWorld's VLC launch line and ``pkill vlc`` postconfig as planned here; and the typed
load-time errors for what is not judged here (internet streams, malformed rules)."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from palaestra.envs.desktop.commands import fill_screen
from palaestra.envs.desktop.vlc_app import with_password
from palaestra.tasks.desktop.base import CommandResult, DesktopOutcome
from palaestra.tasks.desktop.live_steps import LaunchApp, QuitVlc
from palaestra.tasks.desktop.osworld import (
    OfflineURLError,
    OSWorldTaskError,
    UnsupportedEvaluatorError,
    load_task,
)
from palaestra.tasks.desktop.osworld import vlc_metrics as m
from palaestra.tasks.desktop.osworld.vlc_getters import SCREEN_COMMAND, STATUS_COMMAND

STATUS = """<?xml version="1.0" encoding="utf-8" standalone="yes" ?>
<root><fullscreen>0</fullscreen><state>{state}</state><length>30</length>
<information><category name="meta"><info name='filename'>{name}</info></category>
<category name="Stream 0"><info name='Codec'>PCM U8 (araw)</info></category></information></root>"""
VLCRC = """[qt] # Qt interface
# Display background cone or art (boolean)
#qt-bgcone=1

# Maximum Volume displayed (integer)
qt-max-volume={volume}

# Define the colors of the volume slider (string)
#qt-slider-colours=153;210;153;20;210;20;255;199;15;245;39;29

[core] # core program
# Record directory (string)
{record}input-record-path=/home/player/Desktop

# Play/Pause (string)
#global-key-play-pause=
"""


def status(state: str = "playing", name: str = "chime.wav") -> str:
    return STATUS.format(state=state, name=name)


def test_is_vlc_playing_reads_the_state_and_the_file_or_stream() -> None:
    by_name = {"type": "file_name", "file_name": "chime.wav"}
    assert m.is_vlc_playing(status(), by_name) == 1.0
    assert m.is_vlc_playing(status("paused"), by_name) == 0.0
    assert m.is_vlc_playing(status("stopped"), by_name) == 0.0
    assert m.is_vlc_playing(status(name="sunrise.avi"), by_name) == 0.0
    assert m.is_vlc_playing(None, by_name) == 0.0  # no VLC of the episode answered
    assert m.is_vlc_playing("<root><state>playing", by_name) == 0.0  # cut short
    stream = status().replace("'filename'>chime.wav", "'url'>http://127.0.0.1:8000/live.m3u8")
    assert m.is_vlc_playing(stream, {"type": "url", "url": "http://127.0.0.1:8000/live.m3u8"}) == 1.0
    assert m.is_vlc_playing(stream, {"type": "url", "url": "http://127.0.0.1:8000/other.m3u8"}) == 0.0
    # As OSWorld: the title when there is no filename; an HLS stream shown by its playlist's name.
    assert m.is_vlc_playing(status().replace("'filename'", "'title'"), by_name) == 1.0
    hls = status(name="live.m3u8")
    assert m.is_vlc_playing(hls, {"type": "url", "url": "http://127.0.0.1:8000/live.m3u8"}) == 1.0
    assert m.is_vlc_playing(hls, {"type": "url", "url": "http://127.0.0.1:8000/b.m3u8"}) == 0.0


def test_is_vlc_fullscreen_compares_the_window_with_the_screen() -> None:
    screen = {"width": 1280, "height": 800}
    assert m.is_vlc_fullscreen({"width": 1280, "height": 800}, screen) == 1.0
    assert m.is_vlc_fullscreen({"width": 600, "height": 420}, screen) == 0.0
    assert m.is_vlc_fullscreen(None, screen) == 0.0


def vlcrc(folder: Path, volume: str = "200", record: str = "", home: str = "/home/player") -> m.VlcRc:
    path = folder / "vlcrc"
    path.write_text(VLCRC.format(volume=volume, record=record))
    return m.VlcRc(str(path), home)


def test_settings_are_the_uncommented_lines_or_vlcs_defaults(tmp_path: Path) -> None:
    rc = vlcrc(tmp_path)
    assert m.check_qt_max_volume(rc, {"expected_qt_max_volume": 200}) == 1.0
    assert m.check_qt_max_volume(vlcrc(tmp_path, "150"), {"expected_qt_max_volume": 200}) == 0.0
    rc = vlcrc(tmp_path)
    assert m.check_qt_bgcone(rc, {"expected_qt_bgcone": 1}) == 1.0  # commented: the default
    assert m.check_qt_bgcone(rc, {"expected_qt_bgcone": 0}) == 0.0
    assert m.check_qt_minimal_view(rc, {"expected_qt_minimal_view": 0}) == 1.0
    assert m.check_qt_minimal_view(rc, {"expected_qt_minimal_view": 1}) == 0.0
    assert m.check_one_instance_when_started_from_file(
        rc, {"expected_one_instance_when_started_from_file": 1}
    )
    assert m.check_play_and_exit(rc, {"expected_play_and_exit": 0}) == 1.0
    assert m.check_global_key_play_pause(rc, {"expected_global_key_play_pause": 0}) == 1.0
    assert m.check_global_key_play_pause(rc, {"expected_global_key_play_pause": 1}) == 0.0
    Path(rc).write_text(
        Path(rc).read_text().replace("#global-key-play-pause=", "global-key-play-pause=Ctrl+p")
    )
    assert m.check_global_key_play_pause(rc, {"expected_global_key_play_pause": 1}) == 1.0
    assert m.check_qt_max_volume(m.VlcRc(str(tmp_path / "none"), ""), {"expected_qt_max_volume": 125}) == 0.0


def test_slider_colours_match_or_are_blackish(tmp_path: Path) -> None:
    rc = vlcrc(tmp_path)
    assert m.check_qt_slider_colours(
        rc, {"type": "match", "expected_qt_slider_colours": m.DEFAULT_SLIDER_COLOURS}
    )
    assert m.check_qt_slider_colours(rc, {"type": "blackish"}) == 0.0
    dark = "10;10;10;20;20;20;0;0;0;99;99;99"
    Path(rc).write_text(Path(rc).read_text() + f"[qt]\nqt-slider-colours={dark}\n")
    assert m.check_qt_slider_colours(rc, {"type": "blackish"}) == 1.0
    assert m.check_qt_slider_colours(rc, {"type": "match", "expected_qt_slider_colours": dark}) == 1.0
    Path(rc).write_text(Path(rc).read_text().replace("99;99;99", "99;99;100"))
    assert m.check_qt_slider_colours(rc, {"type": "blackish"}) == 0.0


def test_the_recordings_folder_reads_the_episodes_home_as_oworlds(tmp_path: Path) -> None:
    rule = {"recording_file_path": "/home/user/Desktop"}
    assert m.is_vlc_recordings_folder(vlcrc(tmp_path), rule) == 1.0  # /home/player is the episode's
    assert m.is_vlc_recordings_folder(vlcrc(tmp_path, home="/home/other"), rule) == 0.0
    assert m.is_vlc_recordings_folder(vlcrc(tmp_path, record="#"), rule) == 0.0  # not set


def task_file(folder: Path, evaluator: dict[str, Any], config: list[Any] | None = None) -> Path:
    launch = {"command": "VLC_VERBOSE=-1 vlc --no-audio --no-video-title-show", "shell": True}
    data = {
        "id": "media",
        "snapshot": "base_setup",
        "instruction": "Do it.",
        "config": config or [{"type": "launch", "parameters": launch}],
        "related_apps": ["vlc"],
        "evaluator": evaluator,
    }
    (folder / "task.json").write_text(json.dumps(data))
    return folder / "task.json"


MAX_VOLUME = {
    "postconfig": [
        {"type": "launch", "parameters": {"command": "pkill vlc", "shell": True}},
        {"type": "launch", "parameters": {"command": "vlc --no-audio --no-video-title-show", "shell": True}},
    ],
    "func": "check_qt_max_volume",
    "expected": {"type": "rule", "rules": {"expected_qt_max_volume": 200}},
    "result": {"type": "vlc_config", "dest": "vlcrc"},
}


def test_oworlds_vlc_launch_and_postconfig_and_the_vlcrc_getter(tmp_path: Path) -> None:
    task = load_task(task_file(tmp_path, MAX_VOLUME))
    assert task.setup(random.Random(0)).apps == (("vlc", "--no-audio", "--no-video-title-show"),)
    assert task.final_steps() == (QuitVlc(), LaunchApp(("vlc", "--no-audio", "--no-video-title-show")))
    home = tmp_path / "home"
    outcome = DesktopOutcome(home=home, elements=[], windows=[], messages=[])
    assert not task.evaluate(outcome).success  # VLC has not written its settings
    (home / ".config/vlc").mkdir(parents=True)
    (home / ".config/vlc/vlcrc").write_text(VLCRC.format(volume="125", record="#"))
    assert not task.evaluate(outcome).success
    (home / ".config/vlc/vlcrc").write_text(VLCRC.format(volume="200", record="#"))
    assert task.evaluate(outcome).success


def test_oworlds_screen_placeholders_are_the_displays_size() -> None:
    click = (
        "pyautogui.click({SCREEN_WIDTH_HALF}, {SCREEN_HEIGHT_HALF}); size = ({SCREEN_WIDTH}, {SCREEN_HEIGHT})"
    )
    assert fill_screen(click, 1280, 801) == "pyautogui.click(640, 400); size = (1280, 801)"
    assert fill_screen("{SCREEN_DEPTH} {x}", 1280, 800) == "{SCREEN_DEPTH} {x}"


def test_the_http_password_goes_into_the_vlcrc_once() -> None:
    assert with_password("", "s3") == "[lua]\nhttp-password=s3\n"
    saved = "\ufeff###\n[lua]\n#http-password=\n\n[qt]\nqt-max-volume=200\n"
    assert with_password(saved, "s3") == saved.replace("#http-password=", "http-password=s3")
    again = with_password(with_password(saved, "s3"), "t4")
    assert again.count("http-password=") == 1 and "http-password=t4" in again and "qt-max-volume=200" in again
    assert with_password("qt-bgcone=0", "s3") == "qt-bgcone=0\n[lua]\nhttp-password=s3\n"


def test_the_status_screen_and_window_getters(tmp_path: Path) -> None:
    playing = {
        "func": "is_vlc_playing",
        "expected": {"type": "rule", "rules": {"type": "file_name", "file_name": "chime.wav"}},
        "result": {"type": "vlc_playing_info", "dest": "status.xml"},
    }
    task = load_task(task_file(tmp_path, playing))
    assert task.judge_commands() == (STATUS_COMMAND,)

    def outcome(
        stdout: str, windows: list[dict[str, Any]] | None = None, command: Any = STATUS_COMMAND
    ) -> Any:
        result = CommandResult(returncode=0, stdout=stdout, stderr="", timed_out=False)
        return DesktopOutcome(tmp_path, [], windows or [], [], command_results={command: result})

    assert task.evaluate(outcome(status())).success
    assert not task.evaluate(outcome("")).success  # no VLC answered
    fullscreen = {
        "func": "is_vlc_fullscreen",
        "expected": {"type": "vm_window_size", "app_class_name": "vlc"},
        "result": {"type": "vm_screen_size"},
    }
    task = load_task(task_file(tmp_path, fullscreen))
    assert task.judge_commands() == (SCREEN_COMMAND,)
    small = {"id": 1, "title": "Preferences", "app": "vlc", "box": [0, 0, 400, 300], "active": True}
    whole = {"id": 2, "title": "VLC media player", "app": "vlc", "box": [0, 0, 1280, 800], "active": False}
    other = {"id": 3, "title": "notes", "app": "Mousepad", "box": [0, 0, 1280, 800], "active": False}
    assert task.evaluate(outcome("1280 800\n", [small, whole], SCREEN_COMMAND)).success
    assert not task.evaluate(outcome("1280 800\n", [small, other], SCREEN_COMMAND)).success
    assert not task.evaluate(outcome("", [whole], SCREEN_COMMAND)).success


PLAYING = {
    "func": "is_vlc_playing",
    "expected": {"type": "rule", "rules": {"type": "file_name", "file_name": "a.mp3"}},
    "result": {"type": "vlc_playing_info"},
}
REFUSED = [
    (
        {
            **PLAYING,
            "expected": {"type": "rule", "rules": {"type": "url", "url": "https://example.com/a.m3u8"}},
        },
        OfflineURLError,
        "on the internet",
    ),
    (
        {**PLAYING, "expected": {"type": "rule", "rules": {"type": "name"}}},
        OSWorldTaskError,
        "is_vlc_playing's rule",
    ),
    (
        {**PLAYING, "func": "compare_audio", "expected": {"type": "vm_file", "path": "/home/user/a.mp3"}},
        UnsupportedEvaluatorError,
        "Did you mean: `compare_audios`",
    ),
    (
        {**MAX_VOLUME, "expected": {"type": "rule", "rules": {"max_volume": 200}}},
        OSWorldTaskError,
        r"needs rules with \['expected_qt_max_volume'\]",
    ),
    (
        {
            **MAX_VOLUME,
            "func": "check_qt_slider_colours",
            "expected": {"type": "rule", "rules": {"type": "dark"}},
        },
        OSWorldTaskError,
        "check_qt_slider_colours's rule",
    ),
    (
        {**PLAYING, "result": {"type": "vm_window_size"}},
        OSWorldTaskError,
        "`app_class_name` must name a window",
    ),
    (
        {**PLAYING, "result": {"type": "vlc_playing_inf"}},
        UnsupportedEvaluatorError,
        "Did you mean: `vlc_playing_info`",
    ),
]


@pytest.mark.parametrize(("evaluator", "error", "message"), REFUSED)
def test_what_is_not_judged_here_is_refused_at_load(
    tmp_path: Path, evaluator: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        load_task(task_file(tmp_path, evaluator))


def test_compare_images_scores_grey_level_similarity_and_the_gain_over_a_base(tmp_path: Path) -> None:
    import numpy as np
    from PIL import Image, ImageOps

    from palaestra.tasks.desktop.osworld import BUNDLED

    park = BUNDLED / "files" / "park.png"
    half, flipped, noise = tmp_path / "half.png", tmp_path / "flipped.png", tmp_path / "noise.png"
    with Image.open(park) as image:
        image.resize((image.width // 2, image.height // 2)).save(half)
        ImageOps.flip(image).save(flipped)
        pixels = np.random.default_rng(0).integers(0, 255, (image.height, image.width, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(noise)
    assert m.compare_images(park, park) == pytest.approx(1.0)
    assert 0.8 < m.compare_images(half, park) < 1.0  # scaled to the smaller picture's size first
    assert m.compare_images(flipped, park) < 0.8
    assert m.compare_images(noise, park) < 0.1
    assert m.compare_images(park, park, reference_base_result=0.11) == pytest.approx(1.0)
    assert m.compare_images(flipped, park, reference_base_result=0.8) == 0.0  # no better than the base
    gain = m.compare_images(half, park, reference_base_result=0.5)
    assert gain == pytest.approx((m.compare_images(half, park) - 0.5) / 0.5)
    assert m.compare_images(tmp_path / "none.png", park) == 0.0
