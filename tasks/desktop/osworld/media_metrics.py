"""OSWorld's VLC comparisons of sound and video, written afresh with the same names, arguments and
rules: ``compare_audios`` (how alike two recordings sound, from their MFCC features aligned in time)
and ``compare_videos`` (whether two videos show the same frames, by perceptual hashes).

The result is the file the agent made (VLC's conversion to MP3, a rotated video), the expected one
OSWorld's reference. A missing or unreadable file scores 0 (OSWorld scores two unreadable files
alike; a task's reference is never unreadable, so that only ever rewarded a missing result).

The libraries (librosa, soundfile, fastdtw, OpenCV: about 390 MB with numba and llvmlite) come
with Palaestra's ``media`` extra, which scripts/setup installs; they are imported when a metric runs,
so that loading task files does not pay for them, and their absence is a DesktopUnavailableError
naming the install line rather than a score of 0.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Generator
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
from PIL import Image

from palaestra.errors import DesktopUnavailableError

#: The sample rate sound is compared at (librosa's default, which OSWorld's comparison uses).
SAMPLE_RATE = 22050
#: A perceptual hash is HASH_SIZE x HASH_SIZE bits, the low frequencies of a DCT of the frame
#: shrunk to HASH_SIZE * 4 pixels a side (the usual pHash, as OSWorld's ``imagehash.phash``).
HASH_SIZE = 8


def media_module(name: str) -> ModuleType:
    """One of the ``media`` extra's modules, imported now; missing, the judge stops with the fix
    (a score of 0 would count the agent's episode as failed for the machine's want)."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise DesktopUnavailableError(
            f"OSWorld's sound and video comparisons need {name.split('.')[0]}, which is not installed: "
            "pip install 'palaestra[media]' (scripts/setup installs it)."
        ) from exc


def _file(path: Any) -> str | None:
    return str(path) if path and Path(str(path)).is_file() else None


# -- sound -------------------------------------------------------------------------------------


def load_sound(path: Any) -> np.ndarray | None:
    """The sound of an audio file as mono samples at SAMPLE_RATE, or None when there is none, it is
    unreadable, empty, or holds samples that are not numbers. libsndfile decodes it (WAV, FLAC, OGG,
    MP3: soundfile's wheel ships it), so no ffmpeg is needed; other formats are unreadable here."""
    librosa, soundfile = media_module("librosa"), media_module("soundfile")
    name = _file(path)
    if name is None:
        return None
    try:
        samples, rate = soundfile.read(name, dtype="float32", always_2d=True)
    except (soundfile.SoundFileError, OSError, ValueError, TypeError):
        return None
    if samples.size == 0 or not np.all(np.isfinite(samples)):  # a float WAV may hold inf or NaN
        return None
    mono = librosa.to_mono(np.ascontiguousarray(samples.T))
    return librosa.resample(mono, orig_sr=rate, target_sr=SAMPLE_RATE, res_type="soxr_hq")


def cosine_distance(u: np.ndarray, v: np.ndarray) -> float:
    """1 - cos(angle between u and v): 0 for the same direction, 2 for opposite ones (two zero
    vectors are alike, a zero and another are not)."""
    nu, nv = float(np.linalg.norm(u)), float(np.linalg.norm(v))
    if nu == 0.0 or nv == 0.0:
        return 0.0 if nu == nv else 1.0
    return max(0.0, 1.0 - float(np.dot(u, v)) / (nu * nv))


def compare_audios(audio_path_1: Any, audio_path_2: Any) -> float:
    """How alike two recordings sound, from 0 to 1: each one's MFCCs (librosa's defaults, each
    coefficient scaled to peak at 1 over the recording), aligned frame to frame by FastDTW with the
    cosine distance; the score is exp(-mean distance along the alignment). The same sound scores 1;
    a score is continuous, as OSWorld's, so a task passes (score 1) only on matching sound."""
    librosa, fastdtw = media_module("librosa"), media_module("fastdtw").fastdtw
    first, second = load_sound(audio_path_1), load_sound(audio_path_2)
    if first is None or second is None:
        return 0.0
    features = []
    for sound in (first, second):
        mfcc = librosa.feature.mfcc(y=sound, sr=SAMPLE_RATE)
        features.append(librosa.util.normalize(mfcc, axis=1).T.astype(np.float64))
    distance, path = fastdtw(features[0], features[1], dist=cosine_distance)
    if not path:
        return 0.0
    # Rounded so that float noise on the same sound (a distance of 1e-16) does not cost a full score.
    return round(math.exp(-distance / len(path)), 6)


# -- video -------------------------------------------------------------------------------------


def perceptual_hash(frame: Image.Image) -> np.ndarray:
    """The frame's pHash bits: its grey levels shrunk to a small square, the 2-D DCT of that, and
    for each of the lowest HASH_SIZE x HASH_SIZE frequencies whether it is above their median."""
    from scipy.fft import dct

    side = HASH_SIZE * 4
    grey = np.asarray(frame.convert("L").resize((side, side), Image.Resampling.LANCZOS), dtype=np.float64)
    low = dct(dct(grey, axis=0), axis=1)[:HASH_SIZE, :HASH_SIZE]
    return np.asarray(low > np.median(low))


def _frames(path: str) -> Generator[Image.Image, None, None]:
    """A video's frames in order, as RGB pictures (none when OpenCV cannot open it)."""
    cv2 = media_module("cv2")
    capture = cv2.VideoCapture(path)
    try:
        while capture.isOpened():
            ok, frame = capture.read()
            if not ok:
                return
            yield Image.fromarray(np.ascontiguousarray(frame[..., ::-1]))  # OpenCV gives BGR
    finally:
        capture.release()


def compare_videos(
    video_path1: Any, video_path2: Any, max_frames_to_check: int = 100, threshold: int = 5
) -> float:
    """Whether two videos show the same (1) or not (0), over their first ``max_frames_to_check``
    frames taken in step: a frame pair mismatches when their perceptual hashes differ in more than
    ``threshold`` bits, and more than ``threshold`` mismatches fail; so does one video ending
    before the other within those frames. A video with no frame OpenCV can decode scores 0."""
    first, second = _file(video_path1), _file(video_path2)
    if first is None or second is None:
        return 0.0
    ours, theirs = _frames(first), _frames(second)
    try:
        mismatches = 0
        for checked in range(int(max_frames_to_check)):
            a, b = next(ours, None), next(theirs, None)
            if a is None or b is None:
                return float(a is None and b is None and checked > 0)
            if int(np.count_nonzero(perceptual_hash(a) != perceptual_hash(b))) > threshold:
                mismatches += 1
                if mismatches > threshold:
                    return 0.0
        return 1.0
    finally:
        ours.close()
        theirs.close()
