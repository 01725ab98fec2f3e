"""OSWorld's Chrome steps on this desktop, where Debian's Chromium stands in for Google Chrome.

A launch of ``google-chrome`` (or ``chrome``, ``chromium``) starts ``chromium``
(`palaestra.envs.desktop.browser_app` gives it the episode's profile and DevTools over a pipe the
session holds, not a port); ``chrome_open_tabs`` and ``chrome_close_tabs`` become `BrowserTabs`
steps, run through that pipe (a ``chrome_open_tabs`` before any browser launch starts one first, as
OSWorld's does); the ``socat`` bridge from port 9222 to the browser's is dropped (there is no port
to bridge); ``pkill chrome`` (or ``killall``) becomes `QuitBrowser`, which ends this episode's
browser only (sessions share a user when Palaestra does not run as root); window steps that name
"Google Chrome" find Chromium's windows.

This machine has no internet, and nothing an episode does may reach out of it: every URL a task
opens must be on loopback (``http://127.0.0.1``, ``localhost``), a ``file://`` page in HOME, or the
browser's own (``chrome://``, ``about:``). Others are refused when the file is loaded
(`OfflineURLError`), with what to do instead.
"""

from __future__ import annotations

import ipaddress
import posixpath
import re
import shlex
from typing import Any
from urllib.parse import unquote, urlparse

from palaestra.tasks.desktop.live_steps import BrowserTabs, LiveStep, QuitBrowser
from palaestra.tasks.desktop.osworld.errors import (
    OfflineURLError,
    OSWorldTaskError,
    PathOutsideHomeError,
    UnsupportedAppError,
)
from palaestra.tasks.desktop.osworld.paths import VM_HOME, home_relative

#: The browser's program here, and the names OSWorld's tasks start it by.
BROWSER = "chromium"
ALIASES = frozenset({"google-chrome", "google-chrome-stable", "chrome", "chromium", "chromium-browser"})
#: The tab steps, by OSWorld's step type: their action and the parameter naming their URLs.
TAB_STEPS = {"chrome_open_tabs": ("open", "urls_to_open"), "chrome_close_tabs": ("close", "urls_to_close")}
#: Programs a task ends the browser with, and the names that mean the browser to them.
KILLERS = frozenset({"pkill", "killall"})
#: URL schemes that never leave the machine.
LOCAL_SCHEMES = frozenset({"chrome", "about"})
LOOPBACK_NAMES = frozenset({"localhost"})
#: Browser options a task may pass. Others are refused: Chromium has options that open what this
#: desktop keeps shut (``--remote-allow-origins`` lets a page's script drive DevTools, which reads
#: any file; ``--proxy-server``/``--host-resolver-rules`` send pages elsewhere; ``--load-extension``
#: runs code from anywhere), and OSWorld's tasks pass none of them. The DevTools pipe and profile are
#: the session's (`palaestra.envs.desktop.browser_app` replaces a task's port and profile).
OPTIONS = frozenset(
    {"--remote-debugging-port", "--user-data-dir", "--incognito", "--new-window", "--new-tab"}
    | {"--start-maximized", "--start-fullscreen", "--window-size", "--window-position", "--lang"}
    | {"--no-first-run", "--no-default-browser-check", "--disable-extensions", "--password-store"}
)


def is_browser(program: str) -> bool:
    return posixpath.basename(program) in ALIASES


def check_url(url: object, source: str, where: str) -> str:
    """``url`` when the browser can load it without the internet; else `OfflineURLError`."""
    if not isinstance(url, str) or not url.strip():
        raise OSWorldTaskError(source, where, f"expected a URL, got {url!r}")
    text = url.strip()
    if "\\" in text or any(ord(c) < 0x20 or ord(c) == 0x7F for c in text):
        # The browser reads a backslash as "/" (to it, http://evil.com\@127.0.0.1/ is evil.com's
        # page; to Python's parser, 127.0.0.1's) and drops tabs and newlines: refused, not guessed.
        raise OSWorldTaskError(
            source, where, f"{text!r} holds a backslash or a control character; write the URL with '/'"
        )
    parsed = urlparse(text)
    scheme = parsed.scheme.lower()
    if scheme in LOCAL_SCHEMES:
        return text
    if scheme == "file":
        # A page in HOME, where the task put it: an absolute path on this machine (the browser
        # reads "file:x.html" as /x.html, not HOME's, and a host as a network share).
        if not parsed.path.startswith("/") or parsed.netloc not in ("", "localhost"):
            raise PathOutsideHomeError(
                source, where, f"{text!r} is not a page in HOME; name it as file://{VM_HOME}/PATH"
            )
        home_relative(unquote(parsed.path), source, where)
        return text
    if scheme in ("http", "https") and _loopback(parsed.hostname or ""):
        return text
    host = parsed.hostname or text
    raise OfflineURLError(
        source,
        where,
        f"{text!r} is on the internet ({host}), and this machine has none: nothing an episode does "
        "may reach out of it. Serve the page locally and name that URL instead: a file:// page in "
        "HOME (copied in by a `download` step from beside the task file), or an http:// page on "
        "127.0.0.1 (started by an `execute` step, e.g. `python3 -m http.server 8000 --bind 127.0.0.1`).",
    )


def _loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def launch_args(args: tuple[str, ...], source: str, where: str) -> tuple[str, ...]:
    """A browser launch's arguments: its URLs checked, its options among `OPTIONS`."""
    for arg in args:
        if arg.startswith("-"):
            name = arg.partition("=")[0]
            if name not in OPTIONS:
                raise UnsupportedAppError(
                    source, where, "browser option", name, OPTIONS,
                    "it would open what the desktop keeps shut, or is not one OSWorld's tasks use",
                )  # fmt: skip
        elif not arg.startswith(("/", "~")):  # paths are checked as HOME's
            local = "://" in arg or arg.startswith(("about:", "chrome:"))
            check_url(arg if local else f"http://{arg}", source, where)
    return args


def tab_step(kind: str, params: dict[str, Any], source: str, where: str) -> BrowserTabs:
    """The `BrowserTabs` step of a ``chrome_open_tabs`` or ``chrome_close_tabs`` step."""
    action, key = TAB_STEPS[kind]
    urls = params.get(key)
    if not isinstance(urls, list) or not urls:
        raise OSWorldTaskError(source, where, f'needs "{key}": a list of URLs')
    checked = tuple(check_url(u, source, f"{where} {key}[{i}]") for i, u in enumerate(urls))
    return BrowserTabs("open" if action == "open" else "close", checked)


def helper_steps(argv: tuple[str, ...], source: str, where: str) -> tuple[LiveStep, ...] | None:
    """The steps a ``launch``/``execute`` of ``argv`` comes to when it is one of the browser's
    helpers: `QuitBrowser` for ``pkill chrome``, none for the ``socat`` port bridge; None when it
    is no helper (the step is planned as any other). A shell line is read as its words; one that
    kills the browser among other commands is refused: run as a user that sessions share (when
    Palaestra does not run as root, or under PALAESTRA_DESKTOP_USER), it would end the other
    sessions' browsers too."""
    if argv[:2] == ("bash", "-c") and len(argv) == 3:
        try:
            words = tuple(shlex.split(argv[2]))
        except ValueError:
            words = ()
        named = set(re.findall(r"[\w.-]+", argv[2]))
        if named & KILLERS and any(_names_browser(w) for w in named):
            found = helper_steps(words, source, where)
            if found is None:
                raise OSWorldTaskError(
                    source,
                    where,
                    f"{argv[2]!r} kills the browser among other commands; write `pkill chrome` as a "
                    "step of its own (it ends this episode's browser only) and the rest as others",
                )
            return found
        return helper_steps(words, source, where) if words else None
    if not argv:
        return None
    program = posixpath.basename(argv[0])
    targets = [a for a in argv[1:] if not a.startswith("-")]
    if program in KILLERS and any(_names_browser(t) for t in targets):
        if all(_names_browser(t) for t in targets):
            return (QuitBrowser(),)
        # Run as it is (`killall -s KILL chrome`, `pkill -u user chrome`), it would end every
        # session's browser where sessions share a user.
        raise OSWorldTaskError(
            source,
            where,
            f"{' '.join(argv)!r} kills the browser with other targets or option values; write "
            "`pkill chrome` (it ends this episode's browser only)",
        )
    if program == "socat" and any(a.lower().startswith("tcp-listen:9222") for a in argv[1:]):
        return ()
    return None


def _names_browser(target: str) -> bool:
    return target in ALIASES or target in ("chrome", "google", "chromium")


def window_name(name: str, by_class: bool) -> str:
    """A window step's name for Chromium's windows: its titles end in "Chromium" where Chrome's end
    in "Google Chrome", and its class is "chromium.Chromium" where Chrome's is
    "google-chrome.Google-chrome"."""
    if by_class:
        return name.replace("google-chrome", BROWSER).replace("Google-chrome", "Chromium")
    return name.replace("Google Chrome", "Chromium")
