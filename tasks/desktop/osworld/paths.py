"""Where an OSWorld task's paths point here.

OSWorld's tasks name files in the VM's home, ``/home/user/...``. Here every episode has a fresh,
private HOME, so a task's paths are mapped into it and must stay inside it: ``/home/user/a.txt``,
``~/a.txt`` and ``a.txt`` are all ``a.txt`` in HOME; ``/etc/passwd`` or ``../x`` are refused when
the file is loaded. Files a task copies in (``download`` steps, expected files) must be local and
inside the task folder, so a task file cannot read the rest of the machine into an episode.
"""

from __future__ import annotations

import posixpath
from pathlib import Path
from urllib.parse import unquote, urlparse

from palaestra.tasks.desktop.osworld.errors import (
    OSWorldTaskError,
    PathOutsideHomeError,
    UnsupportedStepError,
)

#: The home folder OSWorld's VM has; the desktop session maps it onto the episode's HOME.
VM_HOME = "/home/user"
#: The folders OSWorld's Ubuntu VM has in its HOME (xdg-user-dirs'), which its tasks' setups and
#: agents use without making them (``mkdir ~/Desktop/todo_list_Jan_1``, a file saved to ~/Desktop).
VM_FOLDERS = ("Desktop", "Documents", "Downloads", "Music", "Pictures", "Public", "Templates", "Videos")


def home_relative(path: object, source: str, where: str) -> str:
    """``path`` (a VM path) as a path relative to the episode's HOME ("." for HOME itself)."""
    if not isinstance(path, str) or not path.strip():
        raise PathOutsideHomeError(
            source, where, f"expected a path such as '{VM_HOME}/notes.txt', got {path!r}"
        )
    text = path.strip()
    if text == VM_HOME or text.startswith(VM_HOME + "/"):
        relative = text[len(VM_HOME) :].lstrip("/")
    elif text == "~" or text.startswith("~/"):
        relative = text[1:].lstrip("/")
    elif text.startswith("/"):
        raise PathOutsideHomeError(
            source,
            where,
            f"{text!r} is outside the home folder. Episodes here are confined to a fresh HOME; name "
            f"files under {VM_HOME}/ (mapped onto it), ~/ or relative to it.",
        )
    else:
        relative = text
    normal = posixpath.normpath(relative or ".")
    if normal == ".." or normal.startswith("../"):
        raise PathOutsideHomeError(source, where, f"{text!r} climbs out of the home folder with '..'.")
    return normal


def local_source(url: object, task_dir: Path, root: Path, source: str, where: str) -> Path:
    """The local file a ``download`` or expected-file URL names: ``file://`` URLs and plain paths
    (relative ones to the task file's folder), inside ``root``, the folder the tasks were loaded from.

    Internet URLs are refused: nothing may download at run time here, and a task must not depend on
    a server that may change or vanish.
    """
    if not isinstance(url, str) or not url.strip():
        raise UnsupportedStepError(source, where, "source", repr(url), ("file://PATH", "PATH"))
    parsed = urlparse(url.strip())
    if parsed.scheme == "file":
        path = Path(unquote(parsed.netloc + parsed.path))
    elif parsed.scheme and len(parsed.scheme) > 1:  # "c:" would be a drive letter, not a scheme
        raise UnsupportedStepError(
            source,
            where,
            "source",
            f"{parsed.scheme}://",
            ("file://", "a path relative to the task file"),
            reason="downloads over the internet are not supported: nothing may download at run time here. "
            "Put the file beside the task file and name it by a relative path or a file:// URL, or "
            "name OSWorld's cache folder holding it (PALAESTRA_OSWORLD_CACHE, `cache=` of load_task, "
            "the scanner's --cache)",
        )
    else:
        path = Path(url.strip())
    path = (path if path.is_absolute() else task_dir / path).resolve()
    if not path.is_relative_to(root.resolve()):
        raise PathOutsideHomeError(
            source, where, f"{url!r} is outside the task folder {root}; keep a task's files inside it."
        )
    if not path.is_file():
        raise OSWorldTaskError(source, where, f"{url!r} names no file (looked for {path}).")
    return path


#: The Thunderbird profile every episode that launches Thunderbird gets, under HOME (built locally
#: by envs/desktop/thunderbird_profile.py, with the name OSWorld's profile has).
THUNDERBIRD_PROFILE = ".thunderbird/t5q2a5hp.default-release"
#: Files of ``.thunderbird`` itself, not of a profile.
THUNDERBIRD_TOP = frozenset({"profiles.ini", "installs.ini"})


def thunderbird_relative(relative: str) -> str:
    """A HOME-relative path with any Thunderbird profile folder (``.thunderbird/<profile>/...``)
    mapped onto the episode's: OSWorld's tasks name their profile's files by its folder's name."""
    parts = relative.split("/")
    if len(parts) >= 2 and parts[0] == ".thunderbird" and parts[1] not in THUNDERBIRD_TOP:
        return "/".join([THUNDERBIRD_PROFILE, *parts[2:]])
    return relative


def is_thunderbird_profile_archive(url: object) -> bool:
    """Whether a download fetches a Thunderbird profile archive (OSWorld's thunderbird tasks start
    from ``thunderbird-profile.tar.gz``, downloaded and unpacked into HOME)."""
    if not isinstance(url, str):
        return False
    name = posixpath.basename(urlparse(url.strip()).path).lower()
    return name.startswith("thunderbird") and name.endswith((".tar.gz", ".tgz", ".tar", ".tar.xz", ".zip"))
