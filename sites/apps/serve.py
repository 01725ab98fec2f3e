"""A site's process: ``python -m palaestra.sites.apps.serve --port 0 --parent-pid N``.

Loads Django with the settings named by ``DJANGO_SETTINGS_MODULE``, binds a loopback port (0: any
free one, so two workers never race for a port), warms the URL configuration, then prints
``LISTENING <port>`` on stdout, which the runtime waits for. Static files are served by WhiteNoise.
The process exits when its parent does (checked every half second), so no site outlives the worker
that started it, even one that was killed.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
import sys
import threading
import time
from collections.abc import Iterator

#: The exit status of a site process whose port is taken: the runtime's structured signal for
#: "port in use" (an errno, not words in a log, decides it).
EXIT_PORT_IN_USE = 98


def watch_parent(parent: int) -> None:
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(0)


@contextlib.contextmanager
def exit_if_port_in_use(port: int) -> Iterator[None]:
    """Around binding: a port that is taken ends the process with `EXIT_PORT_IN_USE`."""
    try:
        yield
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        print(f"Port {port} is in use: {exc}", file=sys.stderr, flush=True)
        sys.exit(EXIT_PORT_IN_USE)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--parent-pid", type=int, default=0)
    args = parser.parse_args(argv)
    if args.parent_pid:
        threading.Thread(target=watch_parent, args=(args.parent_pid,), daemon=True).start()

    import django
    from django.conf import settings
    from django.core.wsgi import get_wsgi_application
    from django.urls import get_resolver
    from waitress.server import create_server
    from whitenoise import WhiteNoise

    django.setup()
    app = WhiteNoise(get_wsgi_application(), root=settings.STATIC_ROOT, prefix=settings.STATIC_URL)
    get_resolver().url_patterns  # noqa: B018  (import every view now, not on the first request)
    with exit_if_port_in_use(args.port):
        server = create_server(app, host=args.host, port=args.port, threads=args.threads, ident="palaestra")
    print(f"LISTENING {server.effective_port}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
