"""OSWorld's compare_audios and compare_videos on real files made here: melodies written with
soundfile (WAV, FLAC, and MP3 through soundfile's own libsndfile) and videos written with OpenCV's
VideoWriter; the same content scores 1, other content, a shorter video or a missing or unreadable
file less (0 for videos); and task files naming them load, check their options and judge a saved file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
import soundfile

from palaestra.errors import DesktopUnavailableError
from palaestra.tasks.desktop.base import DesktopOutcome
from palaestra.tasks.desktop.osworld import UnsupportedEvaluatorError, load_task
from palaestra.tasks.desktop.osworld import media_metrics as m

RATE = 22050


def melody(notes: list[float], seconds: float = 3.0) -> np.ndarray:
    """Sine notes of equal length, one after another."""
    t = np.arange(int(RATE * seconds)) / RATE
    out = np.zeros_like(t)
    step = len(t) // len(notes)
    for i, hz in enumerate(notes):
        part = slice(i * step, (i + 1) * step)
        out[part] = 0.4 * np.sin(2 * np.pi * hz * t[part])
    return out


@pytest.fixture
def sounds(tmp_path: Path) -> dict[str, Path]:
    tune, other = melody([262, 330, 392, 523, 392, 330]), melody([600, 180, 900, 140, 700, 250])
    paths = {name: tmp_path / name for name in ("tune.wav", "tune.flac", "tune.mp3", "other.wav")}
    soundfile.write(paths["tune.wav"], tune, RATE)
    soundfile.write(paths["tune.flac"], tune, RATE)
    soundfile.write(paths["tune.mp3"], tune, RATE, format="MP3")
    soundfile.write(paths["other.wav"], other, RATE)
    paths["tune_48k.wav"] = tmp_path / "tune_48k.wav"  # another rate, in stereo
    resampled = np.interp(np.arange(len(tune) * 48000 // RATE) * RATE / 48000, np.arange(len(tune)), tune)
    soundfile.write(paths["tune_48k.wav"], np.stack([resampled, resampled], axis=1), 48000)
    paths["empty.wav"] = tmp_path / "empty.wav"
    soundfile.write(paths["empty.wav"], np.zeros(0), RATE)
    paths["not_finite.wav"] = tmp_path / "not_finite.wav"
    soundfile.write(paths["not_finite.wav"], np.where(tune > 0.39, np.inf, tune), RATE, subtype="FLOAT")
    paths["notes.mp3"] = tmp_path / "notes.mp3"
    paths["notes.mp3"].write_text("not a sound")
    return paths


def test_compare_audios_scores_the_same_sound_1_and_other_sound_low(sounds: dict[str, Path]) -> None:
    wav = sounds["tune.wav"]
    assert m.compare_audios(wav, sounds["tune.flac"]) == 1.0
    assert m.compare_audios(wav, sounds["tune_48k.wav"]) > 0.99
    assert 0.9 < m.compare_audios(sounds["tune.mp3"], wav) < 1.0  # MP3 is lossy
    assert m.compare_audios(sounds["other.wav"], wav) < 0.5
    for bad in ("empty.wav", "not_finite.wav", "notes.mp3"):
        assert m.compare_audios(sounds[bad], wav) == 0.0
        assert m.compare_audios(wav, sounds[bad]) == 0.0
    assert m.compare_audios(wav.with_name("missing.wav"), wav) == 0.0
    assert m.compare_audios(None, wav) == 0.0


def scene(i: int) -> np.ndarray:
    """Frame ``i`` of a small animation (BGR, as OpenCV writes it)."""
    frame = np.full((120, 160, 3), 40, np.uint8)
    cv2.rectangle(frame, (10 + i * 3, 20), (60 + i * 3, 70), (0, 200, 255), -1)
    cv2.circle(frame, (120, 90 - i), 15, (255, 50, 50), -1)
    cv2.putText(frame, "1984", (20, 110), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (255, 255, 255), 2)
    return frame


def write_video(path: Path, frames: list[np.ndarray], codec: str = "mp4v") -> Path:
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*codec), 10, (width, height))
    assert writer.isOpened()
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path


@pytest.fixture
def videos(tmp_path: Path) -> dict[str, Path]:
    frames = [scene(i) for i in range(20)]
    return {
        "film": write_video(tmp_path / "film.mp4", frames),
        "film_mjpeg": write_video(tmp_path / "film.avi", frames, "MJPG"),
        "upside_down": write_video(tmp_path / "upside_down.mp4", [cv2.flip(f, -1) for f in frames]),
        "shorter": write_video(tmp_path / "shorter.mp4", frames[:12]),
    }


def test_compare_videos_scores_the_same_frames_1_and_others_0(
    videos: dict[str, Path], tmp_path: Path
) -> None:
    film = videos["film"]
    assert m.compare_videos(film, film) == 1.0
    assert m.compare_videos(videos["film_mjpeg"], film) == 1.0  # another codec, the same frames
    assert m.compare_videos(videos["upside_down"], film) == 0.0
    assert m.compare_videos(videos["shorter"], film) == 0.0  # ends first
    assert m.compare_videos(videos["shorter"], film, max_frames_to_check=10) == 1.0  # not reached
    # 20 mismatching frames fail with OSWorld's threshold of 5, not with 20 (bits) and 20 (frames).
    assert m.compare_videos(videos["upside_down"], film, threshold=64) == 1.0
    not_video = tmp_path / "notes.mp4"
    not_video.write_text("not a video")
    assert m.compare_videos(not_video, film) == 0.0
    assert m.compare_videos(not_video, not_video) == 0.0  # no frame to compare is not a match
    assert m.compare_videos(tmp_path / "missing.mp4", film) == 0.0


def test_perceptual_hash_is_stable_under_scaling_but_not_flipping() -> None:
    from PIL import Image

    frame = Image.fromarray(scene(5)[..., ::-1].copy())
    bits = m.perceptual_hash(frame)
    assert bits.shape == (m.HASH_SIZE, m.HASH_SIZE)
    assert np.count_nonzero(bits != m.perceptual_hash(frame.resize((320, 240)))) <= 2
    flipped = frame.transpose(Image.Transpose.ROTATE_180)
    assert np.count_nonzero(bits != m.perceptual_hash(flipped)) > 5


def task_file(folder: Path, evaluator: dict[str, Any]) -> Path:
    data = {
        "id": "8f080098-ddb1-424c-b438-4e96e5e4786e",
        "snapshot": "base_setup",
        "instruction": "Save the song of this video as an MP3 file on the desktop.",
        "config": [{"type": "launch", "parameters": {"command": ["vlc"]}}],
        "related_apps": ["vlc"],
        "evaluator": evaluator,
    }
    (folder / "task.json").write_text(json.dumps(data))
    return folder / "task.json"


def test_an_audio_task_judges_the_saved_file(tmp_path: Path, sounds: dict[str, Path]) -> None:
    evaluator = {
        "func": "compare_audios",
        "expected": {"type": "cloud_file", "path": "tune.wav", "dest": "gold.wav"},
        "result": {"type": "vm_file", "path": "/home/user/Desktop/song.wav", "dest": "song.wav"},
    }
    task = load_task(task_file(tmp_path, evaluator))
    home = tmp_path / "home"
    (home / "Desktop").mkdir(parents=True)
    outcome = DesktopOutcome(home=home, elements=[], windows=[], messages=[])
    assert task.evaluate(outcome).reward == 0.0  # nothing saved yet
    (home / "Desktop" / "song.wav").write_bytes(sounds["other.wav"].read_bytes())
    judged = task.evaluate(outcome)
    assert not judged.success and 0.0 < judged.reward < 0.5
    (home / "Desktop" / "song.wav").write_bytes(sounds["tune.flac"].read_bytes())  # FLAC, named .wav
    assert task.evaluate(outcome).success


def test_a_video_task_judges_the_saved_file_and_checks_its_options(
    tmp_path: Path, videos: dict[str, Path]
) -> None:
    evaluator = {
        "func": "compare_videos",
        "expected": {"type": "cloud_file", "path": "film.mp4", "dest": "gold.mp4"},
        "result": {"type": "vm_file", "path": "/home/user/film_fixed.mp4", "dest": "film_fixed.mp4"},
        "options": {"max_frames_to_check": 50},
    }
    task = load_task(task_file(tmp_path, evaluator))
    home = tmp_path / "home"
    home.mkdir()
    outcome = DesktopOutcome(home=home, elements=[], windows=[], messages=[])
    assert task.evaluate(outcome).reward == 0.0
    (home / "film_fixed.mp4").write_bytes(videos["upside_down"].read_bytes())
    assert task.evaluate(outcome).reward == 0.0
    (home / "film_fixed.mp4").write_bytes(videos["film"].read_bytes())
    assert task.evaluate(outcome).success
    with pytest.raises(UnsupportedEvaluatorError, match="Did you mean: `max_frames_to_check`"):
        load_task(task_file(tmp_path, {**evaluator, "options": {"max_frame_to_check": 50}}))


def test_a_missing_media_library_stops_the_judge_with_the_install_line() -> None:
    """Without the `media` extra the comparison cannot run: the judge says what to install rather
    than scoring the agent's episode 0."""
    with pytest.raises(DesktopUnavailableError, match=r"pip install 'palaestra\[media\]'"):
        m.media_module("palaestra_no_such_media_library")
