"""Calling a synchronous tool so that one that hangs cannot starve the others.

Python cannot stop a thread. `asyncio.to_thread` runs calls on the event loop's default executor
(min(32, cores + 4) threads: six on two cores), and a tool that hangs keeps its thread after the
executor's timeout has given up on it: after six hung calls every later call, of any tool, and
anything else the loop runs in threads, waits in the queue and times out.

So each call of a synchronous tool runs on a thread of its own, and a caller that stops waiting
(its timeout, a cancellation) abandons the thread, which frees no capacity of anyone else's. An
abandoned thread still holds its stack until the tool returns, so their number is capped: past
`MAX_HUNG_PER_TOOL` abandoned calls still running, the tool is refused at once with an error that
says it hangs, while every other tool keeps working; past `MAX_HUNG`, any synchronous tool is.

Why threads and not a killable subprocess: a registered tool is any Python callable, often a
closure over state that lives in this process (a search index, an open session, a cache), which a
process can neither receive (it cannot be pickled) nor share; and starting a process on every call
would cost tens of milliseconds where a thread costs tens of microseconds. Tools that call out to
something that can hang forever should take a timeout of their own (or be async).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import threading
from collections.abc import Callable
from typing import Any

from palaestra.routing.errors import ApiCallError

#: Abandoned calls of one tool still running, beyond which that tool is refused.
MAX_HUNG_PER_TOOL = 4
#: Abandoned calls of all tools still running, beyond which every synchronous tool is refused.
MAX_HUNG = 64

_lock = threading.Lock()
_hung_total = 0


class SyncCaller:
    """Runs one tool's synchronous calls, each on its own daemon thread (see the module doc)."""

    def __init__(self, name: str, max_hung: int = MAX_HUNG_PER_TOOL) -> None:
        self.name, self.max_hung = name, max_hung
        self.hung = 0  # this tool's abandoned calls still running

    async def call(self, fn: Callable[..., Any], /, **kwargs: Any) -> Any:
        """`fn(**kwargs)` on a fresh thread; if the caller stops waiting, the thread is abandoned."""
        with _lock:
            if self.hung >= self.max_hung or _hung_total >= MAX_HUNG:
                raise ApiCallError(
                    f"{self.hung} earlier call(s) of this tool are still running long after their timeout "
                    f"({_hung_total} of all tools): it appears to hang, so it is not called again until "
                    "they finish. Use another API, or try later."
                )
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        state = {"finished": False, "abandoned": False}
        run = functools.partial(contextvars.copy_context().run, fn, **kwargs)

        def work() -> None:
            outcome: tuple[Any, BaseException | None]
            try:
                outcome = (run(), None)
            except BaseException as exc:  # handed to the caller, who turns it into the call's error
                outcome = (None, exc)
            self._finished(state)
            with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits any more
                loop.call_soon_threadsafe(_settle, future, outcome)

        threading.Thread(target=work, name=f"tool {self.name}", daemon=True).start()
        try:
            return await future
        except asyncio.CancelledError:
            self._abandoned(state)
            raise

    def _abandoned(self, state: dict[str, bool]) -> None:
        global _hung_total
        with _lock:
            if not state["finished"]:
                state["abandoned"] = True
                self.hung += 1
                _hung_total += 1

    def _finished(self, state: dict[str, bool]) -> None:
        global _hung_total
        with _lock:
            state["finished"] = True
            if state["abandoned"]:
                self.hung -= 1
                _hung_total -= 1


def _settle(future: asyncio.Future[Any], outcome: tuple[Any, BaseException | None]) -> None:
    if future.done():
        return
    result, error = outcome
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)
