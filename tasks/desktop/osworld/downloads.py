"""OSWorld's ``download`` steps: each file's target in HOME and the local file it is copied from.

A file is a local one (a path relative to the task file, or ``file://``, inside the task folder), or
an internet URL read from OSWorld's cache folder (`cache`), which is also where a postconfig's
download (a checking script) comes from.

OSWorld's Thunderbird tasks start from its profile archive (accounts and mail of its own, which their
checks expect). From OSWorld's cache it is used as it is: the task then brings its own profile, and
the episode's locally built one is not written (`brings_thunderbird_profile`). Without the cache it
is refused (`LOCAL_PROFILE` says why and what to do instead).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from palaestra.tasks.desktop.osworld.cache import TaskCache, is_internet
from palaestra.tasks.desktop.osworld.errors import LocalProfileError, OSWorldTaskError, UnsupportedStepError
from palaestra.tasks.desktop.osworld.paths import (
    THUNDERBIRD_PROFILE,
    home_relative,
    is_thunderbird_profile_archive,
    local_source,
    thunderbird_relative,
)

#: Why OSWorld's Thunderbird profile archive is refused, and what a task file does instead.
LOCAL_PROFILE = (
    "OSWorld's Thunderbird profile archive is not used here: nothing downloads at run time, and its "
    "accounts and mail are OSWorld's own, which the checks of a task written for it expect. Every "
    f"episode that launches thunderbird gets a profile built locally at ~/{THUNDERBIRD_PROFILE} (a "
    "mail account that never connects; Local Folders with an Inbox and a Receipts folder of generated "
    "mail). Either name OSWorld's cache folder (PALAESTRA_OSWORLD_CACHE, or --cache), which holds "
    "the archive, to play the task on OSWorld's own profile; or drop this download and the step that "
    "unpacks it, keep the launch of thunderbird, and "
    f"name the profile's files as /home/user/{THUNDERBIRD_PROFILE}/...; to start from other mail, "
    "put mbox files beside the task file and download them into the profile's 'Mail/Local Folders/'"
)


def brings_thunderbird_profile(entry: dict[str, Any]) -> bool:
    """Whether a download entry fetches OSWorld's Thunderbird profile archive (its real files name it
    by a Drive URL; its path gives it away)."""
    return is_thunderbird_profile_archive(entry.get("url")) or is_thunderbird_profile_archive(
        entry.get("path")
    )


def downloads(
    params: dict[str, Any],
    source: str,
    where: str,
    cache: TaskCache | None,
    task_dir: Path | None = None,
    root: Path | None = None,
) -> dict[str, Path]:
    """A ``download`` step's files: HOME-relative target -> local file (an internet URL's from
    OSWorld's cache; else a local file inside ``root``, which a postconfig has none of)."""
    files = params.get("files")
    if not isinstance(files, list) or not files:
        raise OSWorldTaskError(source, where, 'needs "files": [{"url": ..., "path": ...}]')
    found: dict[str, Path] = {}
    for j, entry in enumerate(files):
        at = f"{where} files[{j}]"
        if not isinstance(entry, dict):
            raise OSWorldTaskError(source, at, 'each file is {"url": ..., "path": ...}')
        url = entry.get("url")
        if brings_thunderbird_profile(entry) and not (cache is not None and is_internet(url)):
            raise LocalProfileError(source, at, LOCAL_PROFILE)
        target = thunderbird_relative(home_relative(entry.get("path"), source, at))
        if cache is not None and is_internet(url):
            found[target] = cache.download(str(url).strip(), str(entry["path"]), source, at)
        elif task_dir is not None and root is not None:
            found[target] = local_source(url, task_dir, root, source, at)
        else:
            raise UnsupportedStepError(
                source, at, "source", repr(url), ("an internet URL in OSWorld's cache",),
                reason="a postconfig download is read from OSWorld's cache folder",
            )  # fmt: skip
    return found
