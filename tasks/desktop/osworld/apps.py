"""The apps of this desktop, and the OSWorld apps it lacks (with what would stand in for them), so
that a task naming one of those fails when it is loaded with a reason rather than mid-episode."""

from __future__ import annotations

import posixpath

from palaestra.tasks.desktop.osworld.errors import UnsupportedAppError

#: The desktop's apps (see tasks/desktop): all GTK, all in the accessibility tree.
APPS = ("galculator", "gnumeric", "lxterminal", "mousepad", "pcmanfm")
#: OSWorld's apps (program names and ``related_apps`` names) that are not here, and why.
MISSING = {
    "google-chrome": "Google Chrome is not installed; web tasks are the browser suites' (BrowserEnv)",
    "chrome": "Google Chrome is not installed; web tasks are the browser suites' (BrowserEnv)",
    "chromium": "web tasks are the browser suites' (BrowserEnv), not the desktop's",
    "libreoffice": "LibreOffice is not among this desktop's apps; gnumeric stands in for Calc",
    "soffice": "LibreOffice is not among this desktop's apps; gnumeric stands in for Calc",
    "libreoffice_calc": "LibreOffice is not among this desktop's apps; gnumeric stands in for Calc",
    "libreoffice_writer": "LibreOffice Writer is not among this desktop's apps",
    "libreoffice_impress": "LibreOffice Impress is not among this desktop's apps",
    "vlc": "VLC is not installed (and media tasks need codecs and files we do not ship)",
    "gimp": "GIMP is not installed",
    "thunderbird": "Thunderbird is not installed (and its tasks need mail servers)",
    "code": "VS Code is not installed",
    "vs_code": "VS Code is not installed",
    "gedit": "gedit is not installed; mousepad is this desktop's text editor",
    "gnome-terminal": "gnome-terminal is not installed; lxterminal is this desktop's terminal",
    "nautilus": "nautilus is not installed; pcmanfm is this desktop's file manager",
    "gnome-calculator": "gnome-calculator is not installed; galculator is this desktop's calculator",
}
#: ``related_apps`` names that need no app of their own.
GENERIC = frozenset({"os", "terminal", "multi_apps"})
#: Which app opens a file, by extension (OSWorld opens files with the VM's default app).
SHEET_EXT = frozenset({".csv", ".tsv", ".xlsx", ".xls", ".ods", ".gnumeric"})
TEXT_EXT = frozenset(
    {".txt", ".md", ".py", ".sh", ".json", ".log", ".conf", ".cfg", ".ini", ".yaml", ".yml", ".xml", ".html"}
    | {".css", ".js", ".c", ".h", ".tex", ".rst", ".toml", ".env", ".sql"}
)


def check_app(program: str, source: str, where: str) -> str:
    """The app a launch names (by its basename) when this desktop has it; else a typed error."""
    name = posixpath.basename(program)
    if name not in APPS:
        raise UnsupportedAppError(source, where, "app", name, APPS, MISSING.get(name, ""))
    return name


def check_related(apps: object, source: str) -> None:
    """Refuse a task whose ``related_apps`` names an app we lack: its steps or checks need it."""
    for app in apps if isinstance(apps, list) else []:
        name = str(app)
        if name not in GENERIC and name not in APPS and name in MISSING:
            raise UnsupportedAppError(source, "related_apps", "app", name, APPS, MISSING[name])


def app_for(relative: str, downloaded: bool, source: str, where: str) -> str:
    """The app an ``open`` step opens ``relative`` (a path in HOME) with."""
    ext = posixpath.splitext(relative)[1].lower()
    if ext in SHEET_EXT:
        return "gnumeric"
    if ext in TEXT_EXT or (downloaded and not ext):
        return "mousepad"
    if not ext or relative.endswith("/") or relative == ".":
        return "pcmanfm"
    raise UnsupportedAppError(
        source,
        where,
        "file type",
        ext,
        sorted(SHEET_EXT | TEXT_EXT),
        "no app of this desktop opens it; OSWorld's office, image and media files need apps we lack",
    )
