"""What an environment needs from a task's tools, so that `envs` does not depend on `routing`.

A task that declares tools (a calculator, a unit converter, a search over its manuals) hands the
environment a `ToolRunner`; `palaestra.routing.TaskTools` is the implementation over the API
registry, selector and executor. The agent reaches it through `call_api` and `search_apis`; the
results appear in the next observation, never as exceptions.
"""

from __future__ import annotations

from typing import Any, Protocol


class ToolRunner(Protocol):
    def describe(self) -> str:
        """The tools for the observation: a listing when there are few, else how to search them."""
        ...

    async def call(self, api: str, arguments: dict[str, Any]) -> dict[str, Any]:
        """Run one call; answer `{"api", "ok", "content" or "error", ...}`, errors included as data."""
        ...

    async def search(self, query: str, k: int) -> dict[str, Any]:
        """The tools that fit `query`, best first, as `{"query", "matches": [...]}`."""
        ...

    def begin_episode(self, episode_id: str | None, feedback: Any = None) -> None:
        """Calls from now on belong to episode `episode_id`; with `feedback` (a routing
        `FeedbackStore`), their outcomes and routes are recorded there under that id."""
        ...
