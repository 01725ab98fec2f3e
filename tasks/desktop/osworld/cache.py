"""OSWorld's file cache, read offline: where a task's internet files are when OSWorld has fetched them.

OSWorld downloads what a task's ``download`` steps and ``cloud_file`` getters name into a cache
folder, one sub-folder per task id, and reuses a file found there instead of fetching it again:

- a ``download`` step's file as ``<cache>/<task id>/<uuid5(URL namespace, url)>_<basename of path>``
  (``path`` is where the file goes in the VM);
- a ``cloud_file`` getter's file as ``<cache>/<task id>/<dest>``.

Given such a folder (``PALAESTRA_OSWORLD_CACHE``, or the ``cache`` argument of `load_task`,
`load_folder` and `scan_folder`), an internet URL in a task file resolves to that file, so OSWorld's
own task files load unmodified; nothing is ever downloaded. A missing file is a
`MissingCachedFileError` naming the URL and the exact path to fill. Every path stays inside the
folder.
"""

from __future__ import annotations

import os
import posixpath
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from palaestra.tasks.desktop.osworld.errors import OSWorldTaskError, PathOutsideHomeError

#: The environment variable naming OSWorld's cache folder (its ``cache_dir``).
CACHE_ENV = "PALAESTRA_OSWORLD_CACHE"
#: URL schemes OSWorld fetches over the network.
INTERNET_SCHEMES = frozenset({"http", "https", "ftp"})


class MissingCachedFileError(OSWorldTaskError):
    """An internet file the task needs that OSWorld's cache folder does not hold (yet)."""

    def __init__(self, source: str, where: str, url: str, expected: Path) -> None:
        self.url, self.expected = url, expected
        super().__init__(
            source,
            where,
            f"{url!r} is not in OSWorld's cache: expected the file {expected}. Nothing downloads "
            f"here; fill it from a run of OSWorld with the same cache folder, or fetch it on a "
            f"machine with internet (`curl -L -o {expected} '{url}'`) and copy it there.",
        )


def is_internet(url: object) -> bool:
    """Whether ``url`` names a file on the network (which only the cache can stand in for)."""
    return isinstance(url, str) and urlparse(url.strip()).scheme.lower() in INTERNET_SCHEMES


def cache_folder(explicit: str | Path | None = None) -> Path | None:
    """The cache folder to read: ``explicit``, else ``$PALAESTRA_OSWORLD_CACHE``, else none."""
    if explicit is not None and str(explicit).strip():
        return Path(explicit).expanduser()
    chosen = os.environ.get(CACHE_ENV, "").strip()
    return Path(chosen).expanduser() if chosen else None


def download_name(url: str, vm_path: str) -> str:
    """The file name OSWorld caches a ``download`` step's file under."""
    return f"{uuid.uuid5(uuid.NAMESPACE_URL, url)}_{posixpath.basename(vm_path)}"


@dataclass(frozen=True)
class TaskCache:
    """One task's part of OSWorld's cache folder: ``folder/<task id>``."""

    folder: Path
    task_id: str

    def download(self, url: str, vm_path: str, source: str, where: str) -> Path:
        """The cached file of a ``download`` step fetching ``url`` to ``vm_path`` in the VM."""
        return self._existing(download_name(url, vm_path), url, source, where)

    def cloud_file(self, url: str, dest: object, source: str, where: str) -> Path:
        """The cached file of a ``cloud_file`` getter fetching ``url`` as ``dest``."""
        if not isinstance(dest, str) or not dest.strip():
            raise OSWorldTaskError(source, where, f"`dest` must name the cached file, got {dest!r}")
        return self._existing(dest.strip(), url, source, where)

    def _existing(self, name: str, url: str, source: str, where: str) -> Path:
        base = (self.folder / self.task_id).resolve()
        expected = base / name
        if posixpath.basename(name) != name or name in (".", ".."):
            raise PathOutsideHomeError(
                source, where, f"{name!r} is not a plain file name; cached files lie directly in {base}"
            )
        resolved = expected.resolve()
        if not resolved.is_relative_to(self.folder.resolve()):
            raise PathOutsideHomeError(
                source, where, f"{expected} leads outside OSWorld's cache folder {self.folder}"
            )
        if not resolved.is_file():
            raise MissingCachedFileError(source, where, url, expected)
        return resolved
