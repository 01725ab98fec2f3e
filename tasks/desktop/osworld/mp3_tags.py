"""OSWorld's ``check_mp3_meta`` (a multi_apps task: tag a song's title and artist), written afresh
with its name, arguments and semantics: the MP3's ID3 tags, read with mutagen's EasyID3 names
(``title``, ``artist``, ``album``...), each match their rule (``{"method": "eq", "ref": ...}``, as
`calc_match` reads rules). A tag with several values is matched as their comma-joined text, one not
set as "". A missing file, or one without ID3 tags, scores 0.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from palaestra.tasks.desktop.osworld.calc_match import METHODS, match_value, method_ok
from palaestra.tasks.desktop.osworld.errors import OSWorldTaskError


def check_mp3_meta(result: Any, meta: dict[str, Any]) -> float:
    """Every tag named in ``meta`` matches its rule."""
    from mutagen import MutagenError
    from mutagen.easyid3 import EasyID3

    if not result or not Path(str(result)).is_file():
        return 0.0
    try:
        tags = EasyID3(str(result))
    except MutagenError:
        return 0.0
    for key, rule in meta.items():
        value = tags.get(key, "")
        text = ",".join(value) if isinstance(value, list) else str(value)
        if not match_value(text, rule):
            return 0.0
    return 1.0


def check_meta_rules(rules: Any, source: str, where: str) -> None:
    """``{"title": {"method": ..., "ref": ...}, ...}``, each key a tag EasyID3 knows."""
    from mutagen.easyid3 import EasyID3

    if not isinstance(rules, dict) or not rules:
        raise OSWorldTaskError(
            source, where, f'`check_mp3_meta` needs {{"title": {{"method": ..., "ref": ...}}}}, got {rules!r}'
        )
    for key, rule in rules.items():
        if key not in EasyID3.valid_keys:
            raise OSWorldTaskError(
                source, where, f"`check_mp3_meta`: {key!r} is no ID3 tag name (title, artist, album...)"
            )
        if not isinstance(rule, dict) or not method_ok(rule.get("method"), rule.get("ref")):
            raise OSWorldTaskError(
                source,
                where,
                f"`check_mp3_meta`: {key} needs "
                f'{{"method": one of {list(METHODS)}, "ref": ...}}, got {rule!r}',
            )
