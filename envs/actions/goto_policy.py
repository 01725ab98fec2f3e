"""Which addresses an agent's ``goto`` may open: the web, and the task's own kind of page.

A model's ``goto('file:///etc/passwd')`` (or ``view-source:file:///...``) would show the machine's
files in the next observation: the files of whoever runs the environment, or the environment
server, reached by any client of it. Chromium refuses such a link on a web page, but Playwright's
``page.goto`` is the browser's own navigation and opens it. So ``goto`` opens ``http:`` and
``https:`` addresses and ``about:blank``, and otherwise only pages of the kind the episode started
on: a task served from files (MiniWoB++, a ``PageTask`` over a local page) may go to other files of
its start page's folder, a ``data:`` page to other ``data:`` pages. Everything else (other files,
``chrome:``, ``view-source:``, ``javascript:``, ``blob:``, ...) is an `ActionError` the agent reads as
``last_action_error``. A task's ``allowed_urls`` narrows this further (``page_supply.url_guard``).

The web has one exception: a link-local address (``169.254.169.254``) is a cloud machine's metadata
service, whose answers hold the machine's credentials; no task's site is there.
"""

from __future__ import annotations

import ipaddress
import posixpath
import socket
from urllib.parse import unquote, urlsplit

from palaestra.errors import ActionError

#: Schemes ``goto`` opens on any task.
WEB_SCHEMES = frozenset({"http", "https"})
BLANK = "about:blank"
#: Names of cloud metadata services (their address is link-local, which is refused as such too).
METADATA_NAMES = frozenset(
    {"metadata.google.internal", "metadata", "instance-data", "instance-data.ec2.internal"}
)


def check_goto(url: str, start_url: str | None) -> None:
    """Refuse ``url`` unless it is on the web, blank, or beside the page the episode started on."""
    scheme = _scheme(url)
    if scheme in WEB_SCHEMES and _metadata_service(url):
        raise ActionError(
            f"goto({_shorten(url)!r}): that is the machine's cloud metadata service (a link-local "
            "address), which holds its credentials, not a page of any task. Go to an address of the "
            "task's site."
        )
    if scheme in WEB_SCHEMES or url.strip() == BLANK:
        return
    start = _scheme(start_url or "")
    if scheme == "data" and start == "data":
        return
    if scheme == "file" and start == "file" and start_url is not None and _inside_folder(url, start_url):
        return
    raise ActionError(
        f"goto({_shorten(url)!r}): this task's pages are web pages; goto opens http:// and "
        "https:// addresses (or about:blank), not the machine's files or the browser's own pages. "
        "Go to an address of the task's site."
    )


def _shorten(url: str) -> str:
    return url if len(url) <= 80 else url[:77] + "..."


def _metadata_service(url: str) -> bool:
    """Whether ``url``'s host is a link-local address (``169.254.169.254``, in any of the forms a
    browser reads: ``2852039166``, ``0xa9fea9fe``, ``[::ffff:169.254.169.254]``) or a cloud metadata
    service's name. A name that merely resolves there is not caught: this stops the address a
    model would type, not a network policy."""
    try:
        host = (urlsplit(url.strip()).hostname or "").rstrip(".").lower()
    except ValueError:
        return False
    if host in METADATA_NAMES:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        try:  # the legacy IPv4 forms a browser accepts: one integer, hex or octal parts
            address = ipaddress.ip_address(socket.inet_aton(host))
        except (OSError, ValueError):
            return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_link_local


def _scheme(url: str) -> str:
    try:
        return urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return ""


def _inside_folder(url: str, start_url: str) -> bool:
    """Whether file URL ``url`` names a file in the folder (or a sub-folder) of ``start_url``."""
    try:
        target, start = urlsplit(url.strip()), urlsplit(start_url)
    except ValueError:
        return False
    if target.netloc not in ("", "localhost") or start.netloc not in ("", "localhost"):
        return False
    folder = posixpath.dirname(unquote(start.path))
    path = posixpath.normpath(unquote(target.path))
    return folder != "/" and (path == folder or path.startswith(folder.rstrip("/") + "/"))
