"""OSWorld's ``check_html_background_image``, written afresh with the same name and arguments: whether
a web page (an HTML file the agent edited) sets the picture ``rule["value"]`` as a background image.
OSWorld uses it in a task where GIMP sharpens a picture and the page is then made to show it.

OSWorld looks for the exact text ``background-image: url('VALUE')`` inside the page's ``<style>``
elements, so the same setting written another way (double quotes or none, other spacing, the
``background`` shorthand, an inline ``style`` attribute, ``./VALUE``) fails there. Here the page's
CSS is read instead, and a ``background-image`` or ``background`` declaration in a ``<style>``
element or a ``style`` attribute passes when one of its ``url(...)`` names VALUE (quotes optional,
the same relative path once ``./`` and ``..`` are resolved). Comments do not count. As in OSWorld
nothing else is checked: which element it styles, or whether another rule overrides it.
A missing page scores 0.
"""

from __future__ import annotations

import posixpath
import re
from html.parser import HTMLParser
from typing import Any

from palaestra.tasks.desktop.osworld.errors import OSWorldTaskError
from palaestra.tasks.desktop.osworld.getters import file_text

COMMENT = re.compile(r"/\*.*?\*/", re.S)
#: A background declaration's value (to its ``;`` or the rule's end); prefixed names do not count.
BACKGROUND = re.compile(r"(?<![\w-])background(?:-image)?\s*:([^;}]*)", re.I)
URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)"'\s]*))\s*\)""", re.I)


class _StyleText(HTMLParser):
    """Collects a page's CSS: each ``<style>`` element's text and each ``style`` attribute."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.css: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_style = tag == "style"
        self.css += [value for name, value in attrs if name == "style" and value]

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.css.append(data)


def background_images(html: str) -> list[str]:
    """Every URL a page's CSS gives a background (``background-image`` or ``background``), in order."""
    parser = _StyleText()
    parser.feed(html)
    parser.close()
    found = []
    for css in parser.css:
        for declaration in BACKGROUND.finditer(COMMENT.sub("", css)):
            urls = URL.finditer(declaration[1])
            found += [next(part for part in url.groups() if part is not None) for url in urls]
    return found


def _same_path(url: str, wanted: str) -> bool:
    url, wanted = url.strip(), wanted.strip()
    return bool(url) and posixpath.normpath(url) == posixpath.normpath(wanted)


def check_html_background_image(src_path: Any, rule: dict[str, Any]) -> float:
    """The page at ``src_path`` sets ``rule["value"]`` as a background image (see the module)."""
    html = file_text(src_path)
    if html is None:
        return 0.0
    return float(any(_same_path(url, str(rule["value"])) for url in background_images(html)))


def check_background_rule(rules: Any, source: str, where: str) -> None:
    """``check_html_background_image``'s rule, checked when the task is loaded: ``{"value": PICTURE}``,
    the picture's path as the page names it (other keys, such as OSWorld's ``"type:"``, are ignored)."""
    value = rules.get("value") if isinstance(rules, dict) else None
    if not isinstance(value, str) or not value.strip():
        raise OSWorldTaskError(
            source,
            where,
            'check_html_background_image takes {"value": PICTURE}, the picture\'s path as the page '
            f'names it (e.g. "photo_sharper.png"), got {rules!r}',
        )
