"""The apps of this desktop, and the OSWorld apps it lacks (with what would stand in for them), so
that a task naming one of those fails when it is loaded with a reason rather than mid-episode.

Which app opens a file (an ``open`` step) goes by its type, as OSWorld's VM opens it with its
default app: spreadsheets (.xlsx, .xls, .ods, .csv, .tsv) in LibreOffice Calc, documents (.docx,
.doc, .odt, .rtf) in LibreOffice Writer, presentations (.pptx, .ppt, .odp) in LibreOffice Impress,
pictures (.png, .jpg, .xcf...) in GIMP, sound and video (.mp3, .wav, .mp4, .avi...) in VLC, PDFs
in Evince (GNOME's Document Viewer, as on OSWorld's Ubuntu), text in mousepad, folders in pcmanfm.
gnumeric opens .gnumeric workbooks, and any spreadsheet of a task whose ``related_apps`` name
gnumeric: the desktop's own sheet tasks are gnumeric's.
"""

from __future__ import annotations

import posixpath
from collections.abc import Collection, Sequence

from palaestra.tasks.desktop.osworld.browser_steps import BROWSER, is_browser, launch_args
from palaestra.tasks.desktop.osworld.errors import UnsupportedAppError

#: The desktop's apps (see tasks/desktop): all in the accessibility tree. LibreOffice (Calc, Writer
#: and Impress) starts as ``soffice`` or ``libreoffice``; Chromium stands in for Google Chrome
#: (`browser_steps`: ``google-chrome`` and ``chrome`` start it). Thunderbird starts on a profile
#: built for the episode (envs/desktop/thunderbird_profile.py).
APPS = (
    *("chromium", "galculator", "gimp", "gnumeric", "libreoffice", "lxterminal", "mousepad", "pcmanfm"),
    *("soffice", "thunderbird", "vlc", "code", "code-server", "vs_code", "evince"),
)
OFFICE = frozenset({"libreoffice", "soffice"})
#: OSWorld's apps (program names and ``related_apps`` names) that are not here, and why.
MISSING = {
    "gedit": "gedit is not installed; mousepad is this desktop's text editor",
    "gnome-terminal": "gnome-terminal is not installed; lxterminal is this desktop's terminal",
    "nautilus": "nautilus is not installed; pcmanfm is this desktop's file manager",
    "gnome-calculator": "gnome-calculator is not installed; galculator is this desktop's calculator",
}
#: LibreOffice's modules, as launch options: those installed here, and those that are not.
OFFICE_MODULES = ("--calc", "--writer", "--impress")
MISSING_MODULES = {
    "--draw": "LibreOffice Draw is not one of this desktop's apps (OSWorld has no Draw tasks)",
    "--math": "LibreOffice Math is not installed",
    "--base": "LibreOffice Base is not installed",
}
#: ``related_apps`` names that need no app of their own.
GENERIC = frozenset({"os", "terminal", "multi_apps"})
#: Which app opens a file, by extension (OSWorld opens files with the VM's default app).
SHEET_EXT = frozenset({".csv", ".tsv", ".xlsx", ".xls", ".ods", ".gnumeric"})
DOC_EXT = frozenset({".docx", ".doc", ".odt", ".rtf"})
SLIDE_EXT = frozenset({".pptx", ".ppt", ".odp"})
IMAGE_EXT = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".xcf", ".webp"})
MEDIA_EXT = frozenset(
    {".mp3", ".wav", ".ogg", ".oga", ".flac", ".m4a", ".mp4", ".m4v", ".mkv", ".avi", ".webm", ".mov"}
    | {".mpg", ".mpeg", ".ogv", ".m3u", ".xspf"}
)
PDF_EXT = frozenset({".pdf"})
TEXT_EXT = frozenset(
    {".txt", ".md", ".py", ".sh", ".json", ".log", ".conf", ".cfg", ".ini", ".yaml", ".yml", ".xml", ".html"}
    | {".css", ".js", ".c", ".h", ".tex", ".rst", ".toml", ".env", ".sql"}
)


def check_app(program: str, source: str, where: str, args: Sequence[str] = ()) -> str:
    """The app a launch names (by its basename) when this desktop has it; else a typed error.
    LibreOffice's launch options must ask for a module that is installed."""
    name = posixpath.basename(program)
    if is_browser(name):
        launch_args(tuple(args), source, where)
        return BROWSER
    if name not in APPS:
        raise UnsupportedAppError(source, where, "app", name, APPS, MISSING.get(name, ""))
    if name in OFFICE:
        for arg in args:
            if arg in MISSING_MODULES:
                raise UnsupportedAppError(
                    source, where, "LibreOffice module", arg, OFFICE_MODULES, MISSING_MODULES[arg]
                )
    return name


def check_related(apps: object, source: str) -> None:
    """Refuse a task whose ``related_apps`` names an app we lack: its steps or checks need it."""
    for app in apps if isinstance(apps, list) else []:
        name = str(app)
        if name not in GENERIC and not is_browser(name) and name not in APPS and name in MISSING:
            raise UnsupportedAppError(source, "related_apps", "app", name, APPS, MISSING[name])


def open_argv(
    relative: str, downloaded: bool, related: Collection[str], source: str, where: str
) -> tuple[str, ...]:
    """The argv an ``open`` step starts to open ``relative`` (a path in HOME) with its app."""
    ext = posixpath.splitext(relative)[1].lower()
    target = "~" if relative == "." else f"~/{relative}"
    if ext == ".gnumeric" or (ext in SHEET_EXT and "gnumeric" in related):
        return ("gnumeric", target)
    if ext in SHEET_EXT:
        return ("soffice", "--calc", target)
    if ext in DOC_EXT:
        return ("soffice", "--writer", target)
    if ext in SLIDE_EXT:
        return ("soffice", "--impress", target)
    if ext in IMAGE_EXT:
        return ("gimp", target)
    if ext in MEDIA_EXT:
        return ("vlc", target)
    if ext in PDF_EXT:
        return ("evince", target)
    if ext in TEXT_EXT or (downloaded and not ext):
        return ("mousepad", target)
    if not ext or relative.endswith("/") or relative == ".":
        return ("pcmanfm", "--no-desktop", target)
    raise UnsupportedAppError(
        source,
        where,
        "file type",
        ext,
        sorted(SHEET_EXT | DOC_EXT | SLIDE_EXT | IMAGE_EXT | MEDIA_EXT | PDF_EXT | TEXT_EXT),
        "no app of this desktop opens it",
    )
