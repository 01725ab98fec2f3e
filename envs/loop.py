"""The event loop behind the synchronous face of the environments.

Every synchronous environment in a process shares one background event loop, so they also share
its one browser, and work the environment starts in the background (such as preparing the next
episode's page) goes on while the caller thinks. Asyncio programs never touch this: they call the
environments' ``a*`` methods on their own loop.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_thread: threading.Thread | None = None
#: Set when the process exits: the loop is stopped, and work sent to it would wait for ever.
_stopped = False


class LoopStopped(RuntimeError):
    """Work sent to the background loop after the process began to exit (an object's finalizer
    closing an environment at exit, say): the loop has stopped and its browser is closed already."""


def background_loop() -> asyncio.AbstractEventLoop:
    """The process-wide background loop, started on first use."""
    global _loop, _thread
    with _lock:
        if _loop is None or _loop.is_closed():
            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=loop.run_forever, name="palaestra-loop", daemon=True)
            thread.start()
            _loop, _thread = loop, thread
        return _loop


def run_sync(coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
    """Run ``coro`` on the background loop and wait for its result in this thread."""
    loop = background_loop()
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        coro.close()
        raise RuntimeError("run_sync called from the background loop itself; await the coroutine instead")
    if _stopped:
        coro.close()
        raise LoopStopped("The process is exiting: its background loop has stopped, its browser is closed.")
    future = asyncio.run_coroutine_threadsafe(coro, loop)
    try:
        return future.result(timeout)
    except BaseException:
        # Ctrl-C (or the timeout) stopped the caller: the work stops too. Left running, a reset
        # interrupted by Ctrl-C went on in the background and raced the caller's next reset.
        future.cancel()
        raise


def _shutdown() -> None:
    global _stopped
    _stopped = True
    loop = _loop
    if loop is None or loop.is_closed():
        return
    from palaestra.envs.browser import _hosts

    host = _hosts.get(loop)
    if host is not None:
        with contextlib.suppress(Exception):  # at exit, a browser that will not close is left to die
            asyncio.run_coroutine_threadsafe(host.close(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)


def _forget_the_parents_loop() -> None:
    """In a forked child (``AsyncVectorEnv``'s workers, a runner's processes) the parent's loop
    exists but its thread does not: work sent to it would wait forever. The child starts its own
    loop, and with it its own browser, on first use."""
    global _lock, _loop, _thread
    _lock, _loop, _thread = threading.Lock(), None, None


atexit.register(_shutdown)
os.register_at_fork(after_in_child=_forget_the_parents_loop)
