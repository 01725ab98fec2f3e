"""Which addresses an agent's ``goto`` may open: the web, and the task's own kind of page.

A model's ``goto('file:///etc/passwd')`` (or ``view-source:file:///...``) would show the machine's
files in the next observation: the files of whoever runs the environment, or the environment
server, reached by any client of it. Chromium refuses such a link on a web page, but Playwright's
``page.goto`` is the browser's own navigation and opens it. So ``goto`` opens ``http:`` and
``https:`` addresses and ``about:blank``, and otherwise only pages of the kind the episode started
on: a task served from files (MiniWoB++, a ``PageTask`` over a local page) may go to other HTML
pages of its start page's folder, a ``data:`` page to other ``data:`` pages. Pages only: such a
folder often holds the task's own code beside its page (``tasks/tools`` keeps the manuals the
agent must search with a tool in ``manuals.py``, a ``PageTask``'s folder its ``success_js``), and
Chromium shows a ``.py`` or ``.json`` file, or the folder's listing, as text. Links are followed
to the file they finally name, so a link in the folder cannot lead out of it. Everything else (other files,
``chrome:``, ``view-source:``, ``javascript:``, ``blob:``, ...) is an `ActionError` the agent reads as
``last_action_error``. A task's ``allowed_urls`` narrows this further (``page_supply.url_guard``).

This machine's own addresses (``localhost``, ``127.0.0.1`` in any spelling, ``[::1]``, ``0.0.0.0``)
are open only at the start page's origin and the task's sites (``Task.site_origins``): other
ports there are the environment server, the UI and other services of whoever runs the episode,
which on loopback answer without a token (``/sessions`` lists every episode, and each one's
observation), not pages of the task.

The web has one more exception: a link-local address (``169.254.169.254``) is a cloud machine's metadata
service, whose answers hold the machine's credentials; no task's site is there.
"""

from __future__ import annotations

import ipaddress
import posixpath
import socket
from pathlib import Path
from urllib.parse import unquote, urlsplit

from palaestra.errors import ActionError

#: Schemes ``goto`` opens on any task.
WEB_SCHEMES = frozenset({"http", "https"})
BLANK = "about:blank"
#: What a local task's page is: the file kinds ``goto`` opens beside it.
PAGE_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
#: Names of cloud metadata services (their address is link-local, which is refused as such too).
METADATA_NAMES = frozenset(
    {"metadata.google.internal", "metadata", "instance-data", "instance-data.ec2.internal"}
)


def check_goto(url: str, start_url: str | None, site_origins: tuple[str, ...] = ()) -> None:
    """Refuse ``url`` unless it is on the web, blank, or beside the page the episode started on;
    on this machine, unless at the start page's origin or one of ``site_origins``."""
    scheme = _scheme(url)
    if scheme in WEB_SCHEMES and _metadata_service(url):
        raise ActionError(
            f"goto({_shorten(url)!r}): that is the machine's cloud metadata service (a link-local "
            "address), which holds its credentials, not a page of any task. Go to an address of the "
            "task's site."
        )
    if scheme in WEB_SCHEMES and _on_this_machine(url):
        homes = [o for o in (start_url or "", *site_origins) if _scheme(o) in WEB_SCHEMES]
        if _origin(url) not in {_origin(o) for o in homes}:
            sites = ", ".join(dict.fromkeys(_shown_origin(o) for o in homes))
            which = f"not one of this task's sites ({sites})" if sites else "this task has no site there"
            raise ActionError(
                f"goto({_shorten(url)!r}): that address is on this machine, and {which}. Go to an "
                "address of the task's site."
            )
    if scheme in WEB_SCHEMES or url.strip() == BLANK:
        return
    start = _scheme(start_url or "")
    if scheme == "data" and start == "data":
        return
    if scheme == "file" and start == "file" and start_url is not None and _inside_folder(url, start_url):
        return
    local = ""
    if start == "file":
        local = " (and, on this task's local pages, the other .html pages of their folder)"
    raise ActionError(
        f"goto({_shorten(url)!r}): this task's pages are web pages; goto opens http:// and "
        f"https:// addresses (or about:blank){local}, not the machine's files or the browser's own "
        "pages. Go to an address of the task's site."
    )


def _shorten(url: str) -> str:
    return url if len(url) <= 80 else url[:77] + "..."


def _metadata_service(url: str) -> bool:
    """Whether ``url``'s host is a link-local address (``169.254.169.254``, in any of the forms a
    browser reads: ``2852039166``, ``0xa9fea9fe``, ``[::ffff:169.254.169.254]``) or a cloud metadata
    service's name. A name that merely resolves there is not caught: this stops the address a
    model would type, not a network policy."""
    host = _host(url)
    if host in METADATA_NAMES:
        return True
    address = _address(host)
    return address is not None and address.is_link_local


def _on_this_machine(url: str) -> bool:
    """Whether ``url``'s host is this machine: ``localhost`` (and names under it, which Chromium
    sends there), a loopback address in any form a browser reads, or the unspecified ``0.0.0.0``."""
    host = _host(url)
    if host == "localhost" or host.endswith(".localhost"):
        return True
    address = _address(host)
    return address is not None and (address.is_loopback or address.is_unspecified)


def _origin(url: str) -> tuple[str, str, int | None]:
    """``url``'s scheme, host and port, with every name of this machine as one host."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower())
    except ValueError:
        return ("", url, None)
    host = "this machine" if _on_this_machine(url) else _host(url)
    return (parts.scheme.lower(), host, port)


def _shown_origin(url: str) -> str:
    parts = urlsplit(url.strip())
    return f"{parts.scheme}://{parts.netloc}"


def _host(url: str) -> str:
    try:
        return (urlsplit(url.strip()).hostname or "").rstrip(".").lower()
    except ValueError:
        return ""


def _address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """``host`` as an IP address, the legacy IPv4 forms a browser accepts too (one integer, hex
    or octal parts: ``2130706433``, ``0x7f.1``), an IPv4-mapped IPv6 one as its IPv4; else None."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        try:
            address = ipaddress.ip_address(socket.inet_aton(host))
        except (OSError, ValueError):
            return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _scheme(url: str) -> str:
    try:
        return urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return ""


def _inside_folder(url: str, start_url: str) -> bool:
    """Whether file URL ``url`` names an HTML page in the folder (or a sub-folder) of ``start_url``,
    links followed (the folder itself, a listing, is not a page)."""
    try:
        target, start = urlsplit(url.strip()), urlsplit(start_url)
    except ValueError:
        return False
    if target.netloc not in ("", "localhost") or start.netloc not in ("", "localhost"):
        return False
    folder = posixpath.dirname(unquote(start.path))
    path = posixpath.normpath(unquote(target.path))
    if folder == "/" or not path.startswith(folder.rstrip("/") + "/"):
        return False
    try:
        real, real_folder = Path(path).resolve(), Path(folder).resolve()
    except (OSError, ValueError):  # a NUL byte, a loop of links
        return False
    return real.is_relative_to(real_folder) and real != real_folder and real.suffix.lower() in PAGE_SUFFIXES
