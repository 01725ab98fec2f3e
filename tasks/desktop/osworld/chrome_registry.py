"""Every Chrome getter by OSWorld's name, from the three modules that read the browser
(`chrome_getters`: settings, bookmarks, history, cookies, tabs; `chrome_profile`: extensions,
shortcuts, privacy switches; `chrome_pages`: pages' HTML and URL parts), and the Chrome getters
refused for a reason of their own. `getters.compile_getter` looks them up here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from palaestra.tasks.desktop.osworld import chrome_getters, chrome_pages, chrome_profile
from palaestra.tasks.desktop.osworld.chrome_getters import Read


def _plain(read: Read) -> Callable[[dict[str, Any], str, str], Read]:
    """A getter that needs nothing of its spec, made as those that do are."""
    return lambda _spec, _source, _where: read


#: Every Chrome getter by OSWorld's name (`chrome_getters`, `chrome_profile`, `chrome_pages`): what
#: it reads, made from its spec.
CHROME = {
    **{kind: _plain(read) for kind, read in {**chrome_getters.PLAIN, **chrome_profile.PLAIN}.items()},
    **chrome_getters.WITH_SPEC,
    **chrome_pages.WITH_SPEC,
}
#: Chrome getters refused for a reason of their own.
CHROME_REASONS = {
    "chrome_saved_address": "OSWorld reads it as the HTML of chrome://settings/addresses, whose "
    "addresses are drawn inside the page's shadow DOM and never appear in that HTML (no OSWorld task "
    "uses it)",
}
