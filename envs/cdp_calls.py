"""CDP calls with large answers (the DOM snapshot, the accessibility tree), without Playwright's
walk over the answer.

``CDPSession.send`` hands its answer through Playwright's API mapping (``from_maybe_impl``), which
visits every dict and list in it to swap Playwright's own objects for their public wrappers. A CDP
answer is plain JSON and holds none, so the walk only costs: measured on a loaded machine (load
~12 on 2 cores), 76 ms for the snapshot and 281 ms for the accessibility tree of a table of 3,000
elements, and 0.27 s and 5.6 s on one of 24,000 (it grows faster than the answer). ``send_plain``
asks the session's implementation object directly, which answers the very same dict (the errors
are the same classes too), and uses the public call where a Playwright has no such object.
"""

from __future__ import annotations

from typing import Any, cast

from playwright.async_api import CDPSession


async def send_plain(
    session: CDPSession, method: str, params: dict[str, Any] | None = None
) -> dict[str, Any]:
    """``session.send(method, params)``'s answer, without the walk over it."""
    send = getattr(getattr(session, "_impl_obj", None), "send", None)
    if send is None:
        return await session.send(method, params)
    return cast(dict[str, Any], await send(method, params, None))
