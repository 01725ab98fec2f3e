"""Write the bundled OSWorld VLC tasks' media (tasks/desktop/osworld/data/files/*.wav, *.avi).

A short tone as a WAV (Python's ``wave``) and a short video as a Motion-JPEG AVI: frames drawn
with Pillow, each a JPEG, in an AVI container written here (RIFF chunks: a header list, the frames,
an index), which VLC 3 plays with no codec package beyond its base plugins. Both are a few seconds
long, small enough to commit. Run from the repository's root with the venv's Python:
``.venv/bin/python scripts/osworld_media.py``. The files are committed; nothing runs this at test
or run time.
"""

from __future__ import annotations

import io
import math
import struct
import wave
from pathlib import Path

from PIL import Image, ImageDraw

FILES = Path(__file__).resolve().parent.parent / "tasks/desktop/osworld/data/files"
#: Audio samples a second (8-bit mono: 4 KB a second), and the video's size and frames a second.
RATE = 4000
WIDTH, HEIGHT, FPS = 160, 120, 2
#: How long each file plays (seconds): long enough to be still playing when an episode is judged.
SECONDS = 30


def tone(seconds: float, hertz: float = 440.0) -> bytes:
    """A mono 8-bit sine tone at `RATE`, as a WAV file's bytes (8-bit samples are unsigned)."""
    frames = bytes(
        128 + int(60 * math.sin(2 * math.pi * hertz * i / RATE)) for i in range(int(RATE * seconds))
    )
    out = io.BytesIO()
    with wave.open(out, "wb") as file:
        file.setnchannels(1)
        file.setsampwidth(1)
        file.setframerate(RATE)
        file.writeframes(frames)
    return out.getvalue()


def frame(i: int) -> bytes:
    """Frame ``i``: a ball crossing a sky over a hill, as a JPEG."""
    image = Image.new("RGB", (WIDTH, HEIGHT), (90, 140, 210))
    draw = ImageDraw.Draw(image)
    draw.polygon([(0, 120), (0, 90), (80, 76), (160, 96), (160, 120)], fill=(60, 140, 50))
    x = 10 + (i * 4) % (WIDTH - 30)
    draw.ellipse([x, 30, x + 20, 50], fill=(240, 200, 40))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=70)
    return out.getvalue()


def chunk(tag: bytes, data: bytes) -> bytes:
    """A RIFF chunk: its tag, its size, its data padded to an even length."""
    return tag + struct.pack("<I", len(data)) + data + (b"\0" if len(data) % 2 else b"")


def riff_list(kind: bytes, body: bytes) -> bytes:
    return chunk(b"LIST", kind + body)


def mjpeg_avi(frames: list[bytes]) -> bytes:
    """An AVI file of one Motion-JPEG video stream holding ``frames`` at `FPS`."""
    count, biggest = len(frames), max(len(f) for f in frames)
    main = struct.pack(
        "<IIIIIIIIII16x", 1_000_000 // FPS, biggest * FPS, 0, 0x10, count, 0, 1, biggest, WIDTH, HEIGHT
    )  # avih: µs per frame, max bytes/s, padding, flags (has index), frames, initial, streams...
    stream = b"vidsMJPG" + struct.pack(
        "<IHHIIIIIIIIhhhh", 0, 0, 0, 0, 1, FPS, 0, count, biggest, 0xFFFFFFFF, 0, 0, 0, WIDTH, HEIGHT
    )  # strh: type, handler, flags, priority, language, initial frames, scale, rate, start, length...
    bitmap = struct.pack("<IiiHH4sIiiII", 40, WIDTH, HEIGHT, 1, 24, b"MJPG", WIDTH * HEIGHT * 3, 0, 0, 0, 0)
    header = riff_list(
        b"hdrl", chunk(b"avih", main) + riff_list(b"strl", chunk(b"strh", stream) + chunk(b"strf", bitmap))
    )
    movi, index, offset = b"", b"", 4  # index offsets count from the 'movi' tag
    for data in frames:
        piece = chunk(b"00dc", data)
        index += b"00dc" + struct.pack("<III", 0x10, offset, len(data))  # 0x10: a key frame
        movi += piece
        offset += len(piece)
    body = b"AVI " + header + riff_list(b"movi", movi) + chunk(b"idx1", index)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def main() -> None:
    outputs = {
        "chime.wav": tone(SECONDS),
        "sunrise.avi": mjpeg_avi([frame(i) for i in range(FPS * SECONDS)]),
    }
    for name, data in outputs.items():
        path = FILES / name
        path.write_bytes(data)
        print(f"wrote {path} ({len(data)} bytes)")


if __name__ == "__main__":
    main()
