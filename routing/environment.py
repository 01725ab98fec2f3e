"""Tools inside environments: a task's APIs, reached by the agent through `call_api` and `search_apis`.

`TaskTools` is what a task returns from `Task.tools()`. It joins a registry (what exists), an
executor (validation, timeouts, the destructive-call policy, feedback) and a selector (for
`search_apis`). Every answer is data for the next observation: a failed call is a result with
`ok: false` and a message naming the fix, as MCP's `isError`, never an exception.

When an API that the agent's last search returned is then called successfully, the search's query
and the API are a route: it goes to the feedback store (when there is one) and into the
selector's route history, so later searches that read alike find that API first.
"""

from __future__ import annotations

import asyncio
from typing import Any

from palaestra.routing.executor import ApiExecutor
from palaestra.routing.feedback import FeedbackStore
from palaestra.routing.records import ApiRecord
from palaestra.routing.registry import ApiRegistry

#: Up to this many tools are listed in the observation; beyond it the agent searches them.
LIST_LIMIT = 20


def _type_of(schema: object) -> str:
    return str(schema.get("type", "any")) if isinstance(schema, dict) else "any"


def tool_line(record: ApiRecord) -> str:
    """`calc/evaluate(expression: string): Evaluate an arithmetic expression.`"""
    properties = record.parameters.get("properties", {})
    required = set(record.parameters.get("required", []))
    params = ", ".join(
        f"{name}{'' if name in required else '?'}: {_type_of(schema)}" for name, schema in properties.items()
    )
    first = record.description.split(". ")[0].rstrip(".")
    return f"{record.key}({params}): {first}."


class TaskTools:
    """The tools of one task (one instance per environment; calls are independent)."""

    def __init__(
        self,
        registry: ApiRegistry,
        *,
        executor: ApiExecutor | None = None,
        selector: Any = None,
        feedback: FeedbackStore | None = None,
        timeout_s: float = 10.0,
    ) -> None:
        self.registry = registry
        self.executor = executor or ApiExecutor(registry, timeout_s=timeout_s, feedback=feedback)
        self._selector = selector
        self._searched: tuple[str, frozenset[str]] | None = None  # the last search: query, keys
        self.episode_id: str | None = None

    def begin_episode(self, episode_id: str | None, feedback: FeedbackStore | None = None) -> None:
        """Calls from now on belong to `episode_id`; a `feedback` store given here replaces the
        executor's and teaches the selector (if built) the routes it remembers."""
        self.episode_id, self._searched = episode_id, None
        if feedback is not None and feedback is not self.executor.feedback:
            self.executor.feedback = feedback
            if self._selector is not None:
                self._selector.learn_from(feedback)

    def describe(self) -> str:
        records = sorted(self.registry, key=lambda r: r.key)
        if len(records) > LIST_LIMIT:
            return (
                f"{len(records)} tools are available. Find the ones you need with "
                "search_apis('what you need'), then call one with call_api('namespace/name', {...})."
            )
        lines = [tool_line(r) for r in records]
        return "Tools (call with call_api('name', {arguments})):\n" + "\n".join(lines)

    async def call(self, api: str, arguments: dict[str, Any]) -> dict[str, Any]:
        result = await self.executor.call(api, arguments, episode_id=self.episode_id)
        if result.ok and result.key:
            self._learn_route(result.key)
        answer: dict[str, Any] = {"api": result.key or api, "ok": result.ok}
        if result.ok:
            answer["content"] = result.content
        else:
            answer["error"] = result.message
            answer["error_kind"] = result.error_kind
        answer["latency_s"] = round(result.latency_s, 4)
        return answer

    async def awarm(self) -> None:
        if self._selector is None:
            await asyncio.to_thread(lambda: self.selector)

    async def search(self, query: str, k: int) -> dict[str, Any]:
        # In a thread: ranking embeds the query, which must not stall the loop the pages share.
        selection = await asyncio.to_thread(lambda: self.selector.select(query, k=k))
        matches = [
            {"api": hit.record.key, "score": round(float(hit.score), 3), "usage": tool_line(hit.record)}
            for hit in selection.hits
        ]
        answer: dict[str, Any] = {"query": query, "matches": matches}
        self._searched = (query, frozenset(selection.keys))
        if selection.abstained:
            answer["note"] = "No tool fits this query well; these are the closest."
        return answer

    def _learn_route(self, key: str) -> None:
        if self._searched is None or key not in self._searched[1]:
            return
        query = self._searched[0]
        if self.executor.feedback is not None:
            self.executor.feedback.record_route(query, key, episode_id=self.episode_id)
        self.selector.learn([(query, key)])

    @property
    def selector(self) -> Any:
        """Built on first search, so that tasks that never search load no model; it follows the
        registry's changes. It starts with the routes the feedback store remembers."""
        if self._selector is None:
            from palaestra.routing.selector import ApiSelector

            self._selector = ApiSelector()
            self._selector.follow(self.registry)  # tools a server adds later are found too
            self._selector.build()  # embed now: this runs when the environment warms, in a thread
            if self.executor.feedback is not None:
                self._selector.learn_from(self.executor.feedback)
        return self._selector
