"""OSWorld's ``pdf_from_url`` getter: a web page printed to PDF, as the gold file a PDF the agent
saved is compared with (``compare_pdfs``, ``compare_pdf_images``).

OSWorld prints the page ``path`` names with the running browser and keeps the PDF in its cache as
``dest``. Here the session prints it before the verdict (`DesktopTask.printed_pages`), with a
headless Chromium of its own so that the agent's browser, tabs and History stay as the agent left
them (`palaestra.envs.desktop.pdf_printer` says why), and the getter gives that PDF's path. Only
pages of this machine are printed: a page in HOME (``file:///home/user/...``) or on loopback; any
other URL is refused when the task is loaded (`OfflineURLError`, as for the tab steps). A page that
could not be printed gives None, which scores 0.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from palaestra.tasks.desktop.base import DesktopOutcome
from palaestra.tasks.desktop.osworld.browser_steps import check_url
from palaestra.tasks.desktop.osworld.errors import OSWorldTaskError

if TYPE_CHECKING:
    from palaestra.tasks.desktop.osworld.getters import Getter, Place


def pdf_from_url(spec: dict[str, Any], place: Place) -> Getter:
    """The PDF the page at ``spec["path"]`` prints to; ``dest`` (OSWorld's name for the file in its
    cache) must be a file name when given, and names nothing here."""
    from palaestra.tasks.desktop.osworld.getters import FilePath, Getter

    url = check_url(spec.get("path"), place.source, f"{place.where} path")
    dest = spec.get("dest", "page.pdf")
    if not isinstance(dest, str) or not dest.strip():
        raise OSWorldTaskError(place.source, place.where, f"`dest` must be a file name, got {dest!r}")

    def read(outcome: DesktopOutcome) -> FilePath | None:
        printed = outcome.printed_pages.get(url)
        return None if printed is None else FilePath(printed)

    return Getter("pdf_from_url", read, prints=(url,))


#: These getters by OSWorld's name.
GETTERS = {"pdf_from_url": pdf_from_url}
