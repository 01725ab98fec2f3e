"""Pages printed to PDF for the judge (OSWorld's ``pdf_from_url`` getter), by a headless Chromium
of the session's own, over a DevTools pipe the session holds (`devtools_pipe`).

OSWorld opens the URL in a new page of the running browser and prints it there. A new target in the
episode's browser would disturb the agent, whom the judge may follow after every step: a tab of its
own browser context opens a window of its own on the desktop (Chromium 156 measured), one of the
agent's context shows in its tab strip and writes the agent's History, and a ``hidden`` target has
no ``Page`` domain to print with. So the page is printed by a second Chromium, headless (no window),
with a throwaway profile outside HOME (nothing of the agent's profile is read or written: as
OSWorld's new Playwright page, which comes in a fresh browser context), started for the print and
ended after it. It runs as the desktop user in the session's network, so a loopback page of the
episode answers it, and it prints when the agent's browser has quit too. The paper is OSWorld's:
A4, backgrounds printed, half an inch above and below.

Imported beside `session` in the session process (not through Palaestra), as its siblings are.
"""

from __future__ import annotations

import base64
import contextlib
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import browser_app
import browser_tabs
from devtools_pipe import DevToolsError, DevToolsPipe

#: The printer's options: the episode's browser's quiet ones, without a window.
FLAGS = (
    "--headless",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-gpu",
    "--password-store=basic",
)
#: How OSWorld prints (Playwright's ``page.pdf(format="A4", print_background=True, margin={"top":
#: "0.5in", "bottom": "0.5in"})``), in DevTools' inches.
PAPER = {
    "paperWidth": 8.27,
    "paperHeight": 11.69,
    "marginTop": 0.5,
    "marginBottom": 0.5,
    "marginLeft": 0.0,
    "marginRight": 0.0,
    "printBackground": True,
    "transferMode": "ReturnAsStream",
}
#: The largest PDF handed to the judge (bytes): the session's reply carries it whole.
MAX_PDF = 32 * 2**20
#: How much of the PDF one read asks for (its base64 stays well below the pipe's message limit).
CHUNK = 2**20
#: How long a print may take once the page has loaded (seconds).
PRINT_TIMEOUT = 30.0
#: How long the printer is given to quit before it is killed.
QUIT_TIMEOUT = 5.0

Start = Callable[[list[str], dict[int, int]], "subprocess.Popen[bytes]"]


class PrintFailed(DevToolsError):
    """The page could not be printed (the printer did not start, the PDF is too large)."""


def print_pdf(start: Start, own: Callable[[Path], None], scratch: Path, url: str) -> bytes:
    """``url`` printed to PDF by a headless Chromium that ``start`` runs with the fds given (the
    session's `_popen`, as the desktop user), its profile a fresh folder in ``scratch`` handed to
    that user by ``own``; the printer and its profile are gone when this returns. Raises
    `DevToolsError` when it cannot print."""
    profile = Path(tempfile.mkdtemp(prefix="printer-", dir=scratch))
    own(profile)
    pipe = DevToolsPipe()
    printer: subprocess.Popen[bytes] | None = None
    try:
        argv = [browser_app.BINARY, f"--user-data-dir={profile}", browser_app.PIPE, *FLAGS, "about:blank"]
        try:
            printer = start(argv, pipe.child_fds)
        except OSError as exc:
            raise PrintFailed(f"the printer did not start: {exc}") from None
        pipe.given_to_child()
        pipe.call("Target.getTargets", timeout=browser_tabs.START_TIMEOUT)
        return _print(pipe, url)
    finally:
        if printer is not None:
            _quit(pipe, printer)
        pipe.close()
        shutil.rmtree(profile, ignore_errors=True)


def _print(pipe: DevToolsPipe, url: str) -> bytes:
    target = str(pipe.call("Target.createTarget", {"url": url}).get("targetId", ""))
    browser_tabs.wait_loaded(pipe, target, url)
    session = str(pipe.call("Target.attachToTarget", {"targetId": target, "flatten": True}).get("sessionId"))
    printed = pipe.call("Page.printToPDF", PAPER, session=session, timeout=PRINT_TIMEOUT)
    handle = printed.get("stream")
    if not isinstance(handle, str):
        raise PrintFailed("the printer gave no PDF")
    data = bytearray()
    while True:
        chunk: dict[str, Any] = pipe.call("IO.read", {"handle": handle, "size": CHUNK}, session=session)
        text = str(chunk.get("data", ""))
        data += base64.b64decode(text) if chunk.get("base64Encoded") else text.encode("latin-1")
        if len(data) > MAX_PDF:
            raise PrintFailed(f"the page's PDF is larger than {MAX_PDF} bytes")
        if chunk.get("eof"):
            return bytes(data)


def _quit(pipe: DevToolsPipe, printer: subprocess.Popen[bytes]) -> None:
    """Ask the printer to quit, then kill it if it has not."""
    with contextlib.suppress(DevToolsError):
        pipe.call("Browser.close", timeout=QUIT_TIMEOUT)
    try:
        printer.wait(QUIT_TIMEOUT)
    except subprocess.TimeoutExpired:
        printer.kill()
        printer.wait()
