"""Started as the episode's ``code`` app (as the desktop user): code-server and, beside it, Chromium's
app window on its workbench (whose login page waits for the server); it waits for the window to
close, then stops code-server.

Usage: ``vscode_launch.py PORT SECRET_FILE ENTRY -- CODE_SERVER_OPTIONS... -- CHROMIUM_ARGV...``.
The password is read from SECRET_FILE (the session's private runtime folder, the desktop user's
alone) and handed to code-server in its environment, never on a command line, which any local user
may read. Chromium logs in through a page in that folder too (`vscode_app.login_page`).

Standard library only: it runs under the system's Python, imported by nothing.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

#: How long code-server may take to listen before the launch is given up (seconds).
LISTEN_TIMEOUT = 30.0


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def main(argv: list[str]) -> int:
    port, secret_file, entry = int(argv[0]), argv[1], argv[2]
    rest = argv[3:]
    first = rest.index("--")
    second = rest.index("--", first + 1)
    options, browser = rest[first + 1 : second], rest[second + 1 :]
    with open(secret_file, encoding="utf-8") as file:
        password = file.read().strip()
    env = dict(os.environ, PASSWORD=password, EXTENSIONS_GALLERY="{}")
    server = subprocess.Popen(["node", entry, f"--bind-addr=127.0.0.1:{port}", *options], env=env)
    # The window starts at once: Chromium's start overlaps code-server's (about a second each), and
    # its login page waits for the server to answer before it posts the password.
    window = subprocess.Popen(browser)
    signal.signal(signal.SIGTERM, lambda *_: window.terminate())
    deadline = time.monotonic() + LISTEN_TIMEOUT
    while not _listening(port) and window.poll() is None:
        if server.poll() is not None or time.monotonic() > deadline:
            window.kill()
            server.kill()
            print(f"code-server did not listen on 127.0.0.1:{port}", file=sys.stderr)
            return 1
        time.sleep(0.1)
    code = window.wait()
    server.terminate()
    try:
        server.wait(5)
    except subprocess.TimeoutExpired:
        server.kill()
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
