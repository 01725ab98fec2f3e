"""One ``reset()`` or ``step()`` of an environment at a time, the others refused with a typed error.

An environment has one page. Two steps at once both acted on it and both were paid the end's
reward; a reset started while a step ran closed that step's episode under it; a step started while
a reset ran acted on no episode or on the half-started one; two resets at once raced over which
episode was left open. Each is a mistake of the calling program (an agent loop that does not await
its calls, two coroutines sharing one environment), so the later call is refused at once with
``EnvStateError`` naming the call still running, and the running one goes on unharmed. ``close()``
is never refused: it ends whatever runs. The runner's judging of an episode it ends without an
answer (``aearly_stop``) is a call of its own: judged during a step, the episode was judged twice.
A call made from within the running one (a step that reaches ``max_steps`` judges the episode
through ``aearly_stop``) is part of it, not refused.

A call that is being cancelled (Ctrl-C in a sync ``reset()``, the caller's own timeout) is not in
the way: the call after it waits for it to finish unwinding (a few milliseconds) rather than being
refused. The sync face cancels the interrupted call without waiting for it, so the caller's next
call often arrives before the cancelled one has ended.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from palaestra.errors import EnvStateError

#: What the refused call is told, by (running call, refused call).
REFUSALS = {
    ("step", "step"): (
        "Another step() of this environment is still running: await it first. An environment runs one "
        "step at a time; for steps in parallel, make one environment per stream."
    ),
    ("reset", "reset"): (
        "Another reset() of this environment is still running: await it first. An environment runs "
        "one reset() or step() at a time; for episodes in parallel, make one environment per stream."
    ),
    ("reset", "step"): (
        "step() while this environment's reset() is still running: await the reset first, and act "
        "on the observation it returns."
    ),
    ("step", "reset"): (
        "reset() while a step() of this environment is still running: await the step first (or "
        "cancel it; close() ends the environment at any time)."
    ),
    ("early_stop", "early_stop"): "The episode is already being judged (aearly_stop() is running): await it.",
    ("early_stop", "step"): (
        "step() while the episode is being judged (aearly_stop() is running): await it first; the "
        "episode has ended, so call reset() next."
    ),
    ("early_stop", "reset"): (
        "reset() while the episode is being judged (aearly_stop() is running): await it first."
    ),
    ("step", "early_stop"): (
        "aearly_stop() while a step() of this environment is still running: await the step first "
        "(it may end the episode itself)."
    ),
    ("reset", "early_stop"): (
        "aearly_stop() while this environment's reset() is still running: there is no episode to "
        "judge yet; await the reset first."
    ),
}


class OneCall:
    """Which call (``"reset"``, ``"step"`` or ``"early_stop"``) of one environment runs now, and in
    which task."""

    def __init__(self) -> None:
        self._running: tuple[str, asyncio.Task[object]] | None = None

    @contextlib.asynccontextmanager
    async def claim(self, call: str) -> AsyncIterator[None]:
        """Run ``call`` as the environment's only one; ``EnvStateError`` if another runs."""
        running = self._running
        if running is not None and running[1] is asyncio.current_task():
            yield  # called from within the running call: part of it
            return
        if running is not None and not running[1].done():
            other, task = running
            if not task.cancelling():
                raise EnvStateError(REFUSALS[other, call])
            await asyncio.wait({task})  # its cancellation is unwinding: let it end first
        me = asyncio.current_task()
        self._running = (call, me) if me is not None else None
        try:
            yield
        finally:
            if self._running is not None and self._running[1] is me:
                self._running = None

    def forget(self) -> None:
        """Drop the record of a call that ran on an event loop that has closed since."""
        self._running = None
