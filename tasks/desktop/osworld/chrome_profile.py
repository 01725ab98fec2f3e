"""OSWorld's Chrome getters that read more of the profile than settings: its extensions, the
shortcuts it put on the desktop, and its privacy switches (beside `chrome_getters`, whose helpers
they share).

Extensions: Chromium keeps each one's entry under ``extensions.settings`` in Preferences, or in
Secure Preferences for those it guards (both are read, as one). OSWorld reads each entry's
``manifest.name``; Chromium 156 stores no manifest for an unpacked extension (one loaded from a
folder), so its name is read from that folder's ``manifest.json`` instead, and a ``__MSG_..__``
name from its default locale's messages. Only folders in HOME are read: a path in Preferences is
the agent's to write, and must not lead the judge to the rest of the machine.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from palaestra.tasks.desktop.base import DesktopOutcome
from palaestra.tasks.desktop.osworld.chrome_getters import DEFAULT, Read, dig, profile_json
from palaestra.tasks.desktop.osworld.paths import VM_HOME

#: The profile files that hold extension entries (Chromium moves guarded ones to the second).
PREFERENCE_FILES = ("Preferences", "Secure Preferences")
#: Where the desktop's shortcuts are, and the ending Linux gives them (OSWorld's VM is Ubuntu).
DESKTOP, SHORTCUT = "Desktop", ".desktop"


def _vm_path(outcome: DesktopOutcome, path: str) -> str:
    """A path in the episode's HOME said under OSWorld's ``/home/user``, as the task files say it."""
    home = str(outcome.home)
    return VM_HOME + path[len(home) :] if path == home or path.startswith(home + "/") else path


def _extension_entries(outcome: DesktopOutcome) -> dict[str, dict[str, Any]] | None:
    """Every extension's entry, by id; None when neither preference file can be read."""
    found: dict[str, dict[str, Any]] = {}
    read_any = False
    for name in PREFERENCE_FILES:
        data = profile_json(outcome, f"{DEFAULT}/{name}")
        read_any = read_any or data is not None
        settings = dig(data, "extensions", "settings", default={})
        if isinstance(settings, dict):
            for key, entry in settings.items():
                if isinstance(entry, dict):
                    found[key] = {**found.get(key, {}), **entry}
    return found if read_any else None


def _folder(outcome: DesktopOutcome, entry: dict[str, Any]) -> Path | None:
    """The extension's folder when it is in HOME: an absolute path for an unpacked one, a path
    under the profile's ``Extensions`` folder for one installed from a package."""
    path = entry.get("path")
    if not isinstance(path, str) or not path:
        return None
    home = outcome.home.resolve()
    folder = Path(path) if path.startswith("/") else outcome.home / DEFAULT / "Extensions" / path
    try:
        folder = folder.resolve()
    except OSError:
        return None
    return folder if folder.is_relative_to(home) else None


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _extension_name(outcome: DesktopOutcome, entry: dict[str, Any]) -> str | None:
    manifest = entry.get("manifest")
    folder = _folder(outcome, entry)
    if not isinstance(manifest, dict) and folder is not None:
        manifest = _read_json(folder / "manifest.json")
    name = manifest.get("name") if isinstance(manifest, dict) else None
    if not isinstance(name, str):
        return None
    if name.startswith("__MSG_") and name.endswith("__") and folder is not None and manifest:
        locale = str(manifest.get("default_locale", "en"))
        messages = _read_json(folder / "_locales" / locale / "messages.json") or {}
        wanted = name[len("__MSG_") : -2].lower()
        said = next((v for k, v in messages.items() if k.lower() == wanted and isinstance(v, dict)), {})
        return str(said.get("message", name))
    return name


def find_installed_extension_name(outcome: DesktopOutcome) -> list[str] | None:
    """The name of every extension the profile has (Chromium's own built-in ones too, as OSWorld
    lists them); None when the profile has no preferences yet."""
    entries = _extension_entries(outcome)
    if entries is None:
        return None
    names = (_extension_name(outcome, e) for e in entries.values())
    return [n for n in names if n is not None]


def find_unpacked_extension_path(outcome: DesktopOutcome) -> list[str] | None:
    """The folder of every extension (an unpacked one's as OSWorld's ``/home/user/...`` path; a
    packaged one's relative to the profile's Extensions folder, as Chromium writes it)."""
    entries = _extension_entries(outcome)
    if entries is None:
        return None
    paths = (e.get("path") for e in entries.values())
    return [_vm_path(outcome, p) for p in paths if isinstance(p, str)]


def extensions_installed_from_shop(outcome: DesktopOutcome) -> list[dict[str, Any]]:
    """The manifest of every packaged extension in the profile's Extensions folder (each id's
    version folders); what OSWorld's getter of that name lists."""
    try:
        folder = outcome.path(f"{DEFAULT}/Extensions")
    except ValueError:
        return []
    if not folder.is_dir():
        return []
    manifests = []
    for extension in sorted(folder.iterdir()):
        for version in sorted(extension.iterdir()) if extension.is_dir() else []:
            manifest = _read_json(version / "manifest.json")
            if manifest is not None and version.resolve().is_relative_to(outcome.home.resolve()):
                manifests.append(manifest)
    return manifests


def shortcuts_on_desktop(outcome: DesktopOutcome) -> dict[str, str]:
    """Each ``.desktop`` file on the desktop (``~/Desktop``), by its name, with its text: where
    "Create shortcut..." puts one with "Open as window" or not."""
    try:
        folder = outcome.path(DESKTOP)
    except ValueError:
        return {}
    if not folder.is_dir():
        return {}
    found = {}
    for path in sorted(folder.iterdir()):
        if path.name.endswith(SHORTCUT) and path.is_file() and not path.is_symlink():
            try:
                found[path.name] = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
    return found


def _switch(*keys: str) -> Read:
    """ "true" or "false" for a switch in Preferences, as OSWorld compares it (off when unset)."""
    return lambda outcome: "true" if dig(profile_json(outcome, f"{DEFAULT}/Preferences"), *keys) else "false"


def enable_safe_browsing(outcome: DesktopOutcome) -> str:
    """ "true" when Safe Browsing is on, standard or enhanced."""
    prefs = profile_json(outcome, f"{DEFAULT}/Preferences")
    on = dig(prefs, "safebrowsing", "enabled") or dig(prefs, "safebrowsing", "enhanced")
    return "true" if on else "false"


def data_delete_automacally(outcome: DesktopOutcome) -> str:
    """ "true" when the profile has any site default set (``profile.default_content_setting_values``),
    which is what OSWorld reads as "delete data when all windows close" (its name's spelling kept)."""
    prefs = profile_json(outcome, f"{DEFAULT}/Preferences")
    return "true" if dig(prefs, "profile", "default_content_setting_values") is not None else "false"


#: These getters by OSWorld's name (none reads its spec).
PLAIN: dict[str, Read] = {
    "find_installed_extension_name": find_installed_extension_name,
    "find_unpacked_extension_path": find_unpacked_extension_path,
    "extensions_installed_from_shop": extensions_installed_from_shop,
    "shortcuts_on_desktop": shortcuts_on_desktop,
    "enable_safe_browsing": enable_safe_browsing,
    "enable_enhanced_safety_browsing": _switch("safebrowsing", "enhanced"),
    "data_delete_automacally": data_delete_automacally,
}
