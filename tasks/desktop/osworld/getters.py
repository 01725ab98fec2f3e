"""OSWorld's getters (an evaluator's ``result`` and ``expected`` specs), compiled when a task file is
loaded into functions of the episode's outcome.

Supported: ``vm_file`` (a file of HOME: its path, or None when missing; ``multi``/``gives`` for
several; a Thunderbird profile's file is the episode's profile's, whatever the profile's name),
``list_directory`` (a folder of HOME as OSWorld's tree of ``name``/``type``/``children``),
``content_from_vm_file`` (an xlsx file's last row), ``vm_command_line`` and ``vm_command_error`` (a
command's stdout or stderr, run in HOME as the desktop user before the verdict),
``vm_terminal_output`` (the terminal's text), ``accessibility_tree`` (the screen's elements as text,
one ``role 'name' value`` line each, and as OSWorld's XML for ``check_accessibility_tree``),
``rule`` (the spec's ``rules``; ``rule_relativeTime``'s with their dates written out for the day
of the verdict, `relative_time`) and ``cloud_file`` for local files only (an expected file beside the
task file); ``gimp_config_file`` (a file of GIMP's settings folder); Chrome's settings, bookmarks,
history, cookies and tabs, read from the episode's Chromium (`chrome_getters`), its extensions,
desktop shortcuts and privacy switches (`chrome_profile`), its pages' HTML (`chrome_pages`) and
pages printed to PDF (`chrome_print`);
VLC's status and settings, and the screen's and a window's size (`vlc_getters`); a slide's
background picture and sound (`slides_getters`); the file a VS Code extension's command writes
(``vscode_config``, `vscode_getters`). Other getters read apps we lack, Chrome state not
read here yet, or the VM itself, and are refused with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from palaestra.tasks.desktop.base import DesktopOutcome
from palaestra.tasks.desktop.osworld.accessibility import AccessibilityTree
from palaestra.tasks.desktop.osworld.cache import TaskCache, is_internet
from palaestra.tasks.desktop.osworld.chrome_registry import CHROME, CHROME_REASONS
from palaestra.tasks.desktop.osworld.errors import OSWorldTaskError, UnsupportedEvaluatorError
from palaestra.tasks.desktop.osworld.paths import home_relative, local_source, thunderbird_relative
from palaestra.tasks.desktop.osworld.relative_time import rule_relative_time
from palaestra.tasks.desktop.osworld.steps import as_argv

Read = Callable[[DesktopOutcome], Any]


class FilePath(str):
    """A path a file getter gave (``vm_file``, ``cloud_file``): metrics that read text, such as
    ``check_include_exclude``, read the file it names rather than the path itself."""


class KeptOutput(str):
    """A postconfig command's kept output (``cache_file``): OSWorld saves it as a file of its cache
    and its metrics read that file; here the text itself stands for the file."""


def file_text(value: Any) -> str | None:
    """The text of a getter's file (a path, or a kept output), or None when there is none."""
    if isinstance(value, KeptOutput):
        return str(value)
    if not value:
        return None
    try:
        return Path(str(value)).read_text(encoding="utf-8", errors="replace")
    except OSError:  # no such file, a folder, unreadable
        return None


def cache_file(spec: dict[str, Any], place: Place) -> Getter:
    """What a postconfig command kept under ``path`` (its ``"stdout"``; the evaluator checks at
    load that one does)."""
    name = spec.get("path")
    if not isinstance(name, str) or not name.strip():
        raise OSWorldTaskError(place.source, place.where, '`cache_file` needs the "path" a command kept')

    def read(outcome: DesktopOutcome) -> KeptOutput | None:
        kept = outcome.kept_outputs.get(name.strip())
        return None if kept is None else KeptOutput(kept)

    return Getter("cache_file", read)


@dataclass(frozen=True)
class Getter:
    """One compiled getter: what it reads, and the commands it needs run before it reads."""

    kind: str
    read: Read
    commands: tuple[tuple[str, ...], ...] = ()
    #: The pages it reads printed to PDF (`DesktopTask.printed_pages`), by URL.
    prints: tuple[str, ...] = ()
    #: Its commands act on the live desktop (type into an app's window): the task is judged once,
    #: at the end of the episode, not after every step while the agent works.
    at_end: bool = False


@dataclass(frozen=True)
class Place:
    """Where a spec is (for errors) and the folders its local files may come from."""

    source: str
    where: str
    task_dir: Path
    root: Path
    #: OSWorld's cache folder for this task, where ``cloud_file`` finds internet files.
    cache: TaskCache | None = None


def _paths(spec: dict[str, Any], place: Place, key: str = "path") -> list[Any]:
    value = spec.get(key)
    if spec.get("multi"):
        if not isinstance(value, list) or not value:
            raise OSWorldTaskError(place.source, place.where, f'"multi": true needs a list of {key}s')
        gives = spec.get("gives", [0])
        if (
            not isinstance(gives, list)
            or not gives
            or not all(
                isinstance(i, int) and not isinstance(i, bool) and -len(value) <= i < len(value)
                for i in gives
            )
        ):
            raise OSWorldTaskError(
                place.source,
                place.where,
                f"`gives` must list indices of the {len(value)} {key}s, got {gives!r}",
            )
        return value
    return [value]


def _pick(values: list[Any], spec: dict[str, Any]) -> Any:
    """OSWorld's ``multi``/``gives``: one value, or those at the ``gives`` indices."""
    if not spec.get("multi"):
        return values[0]
    gives = spec.get("gives", [0])
    picked = [values[i] for i in gives]
    return picked[0] if len(picked) == 1 else picked


def vm_file(spec: dict[str, Any], place: Place) -> Getter:
    """A file of HOME; one of a Thunderbird profile is read from the episode's profile, whatever
    the profile folder's name in the task (`thunderbird_relative`)."""
    relatives = [
        thunderbird_relative(home_relative(p, place.source, place.where)) for p in _paths(spec, place)
    ]

    def read(outcome: DesktopOutcome) -> Any:
        found = [outcome.path(r) for r in relatives]
        return _pick([FilePath(p) if p.is_file() else None for p in found], spec)

    return Getter("vm_file", read)


def cloud_file(spec: dict[str, Any], place: Place) -> Getter:
    urls = _paths(spec, place)
    dests = spec.get("dest") if spec.get("multi") else [spec.get("dest")]
    if not isinstance(dests, list):
        dests = []
    cache, at = place.cache, (place.source, place.where)
    paths = [
        cache.cloud_file(str(u).strip(), dests[i] if i < len(dests) else None, *at)
        if cache is not None and is_internet(u)
        else local_source(u, place.task_dir, place.root, *at)
        for i, u in enumerate(urls)
    ]
    return Getter("cloud_file", lambda _outcome: _pick([FilePath(p) for p in paths], spec))


def _command(spec: dict[str, Any], place: Place, stream: str) -> Getter:
    argv = as_argv(spec.get("command"), spec.get("shell", False), place.source, place.where)

    def read(outcome: DesktopOutcome) -> Any:
        result = outcome.command_results.get(argv)
        return None if result is None else getattr(result, stream)

    return Getter(f"vm_command_{stream}", read, (argv,))


def rule(spec: dict[str, Any], place: Place) -> Getter:
    if "rules" not in spec:
        raise OSWorldTaskError(place.source, place.where, 'a "rule" getter needs "rules"')
    rules = spec["rules"]
    return Getter("rule", lambda _outcome: rules)


def accessibility_tree(outcome: DesktopOutcome) -> AccessibilityTree:
    lines = []
    for e in outcome.elements:
        line = f"{e['role']} {e['name']!r}"
        value = e.get("value") or e.get("text") or ""
        lines.append(f"{line} {value!r}" if value else line)
    return AccessibilityTree("\n".join(lines), outcome.nodes)


def list_directory(spec: dict[str, Any], place: Place) -> Getter:
    """A folder of HOME as OSWorld's VM lists it: ``{"type": "directory", "name": ..., "children":
    [...]}``, files as ``{"type": "file", "name": ...}``, in name order; None when it is missing."""
    relative = home_relative(spec.get("path"), place.source, place.where)

    def tree(path: Path) -> dict[str, Any]:
        if not path.is_dir() or path.is_symlink():
            return {"name": path.name, "type": "file"}
        children = [tree(child) for child in sorted(path.iterdir(), key=lambda p: p.name)]
        return {"name": path.name, "type": "directory", "children": children}

    def read(outcome: DesktopOutcome) -> Any:
        folder = outcome.path(relative)
        return tree(folder) if folder.is_dir() else None

    return Getter("list_directory", read)


#: What ``content_from_vm_file`` reads of a file: OSWorld's ``file_type`` -> its ``file_content``s.
FILE_CONTENTS = {"xlsx": ("last_row",)}


def content_from_vm_file(spec: dict[str, Any], place: Place) -> Getter:
    """Part of a file of HOME: for ``file_type: xlsx``, ``file_content: last_row``, the values of
    the first sheet's last row that holds any, as text (``"nan"`` for an empty cell), as OSWorld
    reads it with pandas; None when the file is missing or is no workbook. Unlike pandas, a cell
    keeps its own type: 5 reads "5" even in a column whose other cells are fractions."""
    relative = home_relative(spec.get("path"), place.source, place.where)
    file_type, content = spec.get("file_type"), spec.get("file_content")
    if file_type not in FILE_CONTENTS:
        raise UnsupportedEvaluatorError(place.source, place.where, "file_type", str(file_type), FILE_CONTENTS)
    if content not in FILE_CONTENTS[file_type]:
        raise UnsupportedEvaluatorError(
            place.source, place.where, "file_content", str(content), FILE_CONTENTS[file_type]
        )

    def read(outcome: DesktopOutcome) -> Any:
        from palaestra.tasks.desktop.osworld.calc_metrics import UnreadableBook, load_book

        path = outcome.path(relative)
        if not path.is_file():
            return None
        try:
            sheet = load_book(path, formulas=False).worksheets[0]
        except (UnreadableBook, IndexError):
            return None
        rows = [r for r in sheet.iter_rows(min_row=2, values_only=True) if any(v is not None for v in r)]
        return ["nan" if v is None else str(v) for v in rows[-1]] if rows else None

    return Getter("content_from_vm_file", read)


#: GIMP 2.10's settings folder in HOME (the episode's GIMP is given a fresh one).
GIMP_CONFIG = ".config/GIMP/2.10"


def gimp_config_file(spec: dict[str, Any], place: Place) -> Getter:
    """One of GIMP's settings files (``file_name``: ``gimprc``, ``sessionrc``...): its path, or
    None when GIMP has not written it (it writes them on quitting)."""
    name = spec.get("file_name")
    if not isinstance(name, str) or not name or "/" in name or name in (".", ".."):
        raise OSWorldTaskError(
            place.source, place.where, f"`file_name` must name a file of GIMP's settings folder, got {name!r}"
        )

    def read(outcome: DesktopOutcome) -> Any:
        path = outcome.path(f"{GIMP_CONFIG}/{name}")
        return FilePath(path) if path.is_file() else None

    return Getter("gimp_config_file", read)


GETTERS: dict[str, Callable[[dict[str, Any], Place], Getter]] = {
    "vm_file": vm_file,
    "cloud_file": cloud_file,
    "cache_file": cache_file,
    "vm_command_line": lambda spec, place: _command(spec, place, "stdout"),
    "vm_command_error": lambda spec, place: _command(spec, place, "stderr"),
    "rule": rule,
    "rule_relativeTime": lambda spec, place: Getter(
        "rule_relativeTime", rule_relative_time(spec, place.source, place.where)
    ),
    "accessibility_tree": lambda _spec, _place: Getter("accessibility_tree", accessibility_tree),
    "list_directory": list_directory,
    "content_from_vm_file": content_from_vm_file,
    "gimp_config_file": gimp_config_file,
    "vm_terminal_output": lambda _spec, _place: Getter(
        "vm_terminal_output", lambda outcome: "\n".join(outcome.texts("terminal")) or None
    ),
}

#: Words in OSWorld getter names that say which missing app or service they read.
BROWSER_STATE = "Chrome state that is not read here yet (the browser is Chromium)"
NEEDS = {
    "chrome": BROWSER_STATE,
    "tab": BROWSER_STATE,
    "bookmark": BROWSER_STATE,
    "history": BROWSER_STATE,
    "cookie": BROWSER_STATE,
    "url": BROWSER_STATE,
    "page": "a web page over the internet",
    "website": "a web site over the internet",
    "googledrive": "Google Drive over the internet",
    "wallpaper": "the VM's GNOME desktop",
    "screen": "the VM's display server",
    "window": "the VM's window manager",
}


def compile_getter(spec: object, place: Place) -> Getter:
    """A `Getter` for ``spec``; `UnsupportedEvaluatorError` (did-you-mean) for an unknown type."""
    if not isinstance(spec, dict) or not isinstance(spec.get("type"), str):
        raise OSWorldTaskError(place.source, place.where, 'a getter is {"type": ..., ...}')
    kind = spec["type"]
    from palaestra.tasks.desktop.osworld.chrome_print import GETTERS as PRINTS
    from palaestra.tasks.desktop.osworld.slides_getters import GETTERS as SLIDES  # these import
    from palaestra.tasks.desktop.osworld.vlc_getters import GETTERS as VLC  # this module
    from palaestra.tasks.desktop.osworld.vscode_getters import GETTERS as VSCODE

    if kind in PRINTS:
        return PRINTS[kind](spec, place)
    if kind in VLC:
        return VLC[kind](spec, place)
    if kind in SLIDES:
        return SLIDES[kind](spec, place)
    if kind in VSCODE:
        return VSCODE[kind](spec, place)
    if kind in CHROME:
        return Getter(kind, CHROME[kind](spec, place.source, place.where))
    if kind not in GETTERS:
        needs = next((app for word, app in NEEDS.items() if word in kind.lower()), "")
        reason = f"it reads {needs}, which this desktop does not have" if needs else ""
        if kind == "cloud_file" or kind.startswith("cloud"):
            reason = "files come from the task folder here, not from the internet"
        if kind in CHROME_REASONS:
            reason = CHROME_REASONS[kind]
        if kind == "calc_insensitive_md5":
            reason = "OSWorld defines no getter of that name, so its own task cannot be judged either"
        supported = [*GETTERS, *VLC, *SLIDES, *VSCODE, *CHROME, *PRINTS]
        raise UnsupportedEvaluatorError(place.source, place.where, "getter", kind, supported, reason)
    return GETTERS[kind](spec, place)
