"""OSWorld's checks of LibreOffice's own settings, written afresh with the same names, arguments and
semantics: Writer's default font, and the locale the office suite formats numbers and dates by. Both
read the profile's ``registrymodifications.xcu`` (a ``vm_file`` of
``~/.config/libreoffice/4/user/registrymodifications.xcu``), where LibreOffice keeps every setting
changed from its default; a missing or unreadable file scores 0.
"""

from __future__ import annotations

import fnmatch
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from palaestra.tasks.desktop.osworld.errors import OSWorldTaskError

REGISTRY_NS = "http://openoffice.org/2001/registry"


def _settings(config_file: Any) -> Iterator[tuple[str, str, str | None]]:
    """The (item path, property name, value) of every setting in the file, in its order."""
    if not config_file or not Path(str(config_file)).is_file():
        return
    try:
        root = ET.parse(str(config_file)).getroot()
    except ET.ParseError:
        return
    for item in root.iter("item"):
        for prop in item.iter("prop"):
            value = prop.find("value")
            yield (
                item.get(f"{{{REGISTRY_NS}}}path", ""),
                prop.get(f"{{{REGISTRY_NS}}}name", ""),
                None if value is None else value.text or "",
            )


def find_default_font(config_file: Any, rules: dict[str, Any]) -> float:
    """Writer's default font (``Standard`` of ``/org.openoffice.Office.Writer/DefaultFont``) is
    ``rules["font_name"]``; the last such line counts, as when LibreOffice reads the file."""
    fonts = [
        value
        for path, name, value in _settings(config_file)
        if path == "/org.openoffice.Office.Writer/DefaultFont" and name == "Standard"
    ]
    return float(bool(fonts) and fonts[-1] == rules["font_name"])


def check_libre_locale(config_file: Any, rules: dict[str, Any]) -> float:
    """The locale setting (``ooSetupSystemLocale`` of an item whose path ends in ``L10N``, else its
    ``ooLocale``, the interface language) matches one of ``rules["locale_set"]``, shell-style
    patterns such as ``de-*``, case counting."""
    found = list(_settings(config_file))
    setup = [v for p, n, v in found if p.endswith("L10N") and n == "ooSetupSystemLocale"]
    interface = [v for p, n, v in found if p.endswith("L10N") and n == "ooLocale"]
    locale = (setup or interface or [None])[0]
    if locale is None:
        return 0.0
    return float(any(fnmatch.fnmatchcase(locale, pattern) for pattern in rules["locale_set"]))


def check_locale_rules(rules: Any, source: str, where: str) -> None:
    """``check_libre_locale`` needs ``{"locale_set": [patterns]}``."""
    patterns = rules.get("locale_set") if isinstance(rules, dict) else None
    if not isinstance(patterns, list) or not patterns or not all(isinstance(p, str) for p in patterns):
        raise OSWorldTaskError(
            source,
            where,
            f'`check_libre_locale` needs rules {{"locale_set": [patterns such as "de-*"]}}, got {rules!r}',
        )
