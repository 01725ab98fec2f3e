"""The UI mounted in the environment server: `ui_extension(roots)` for `create_app(extensions=...)`.

The server's tokens decide who may use the UI and its cookie carries a person's token; its session
manager holds the live environments (same limits, same owners, recorded when the server records);
its shutdown closes what the UI opened. `palaestra ui` serves exactly this.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.routing import BaseRoute, Mount

from palaestra.ui.guard import Guard
from palaestra.ui.live import LiveSessions
from palaestra.ui.roots import UiRoots
from palaestra.ui.webapp import UiOptions, app

if TYPE_CHECKING:
    from palaestra.server.app import Extension, ServerContext

#: Where the server mounts the UI; links into it (`palaestra.ui.links`) assume it.
PREFIX = "/ui"


def ui_extension(roots: UiRoots, options: UiOptions | None = None) -> Extension:
    """The server extension that mounts the UI over ``roots`` at ``/ui``."""

    def extension(context: ServerContext) -> list[BaseRoute]:
        from palaestra.server.auth import AuthError
        from palaestra.server.http import owner_of

        def accepts(token: str) -> bool:
            try:
                context.auth.owner_of_token(token)
            except AuthError:
                return False
            return True

        sessions = LiveSessions(context.sessions)
        ui_app = app(roots, sessions, Guard(owner_of, accepts), options)
        context.extras["ui"] = ui_app
        return [Mount(PREFIX, ui_app)]

    return extension
