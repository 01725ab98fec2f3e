"""What every MCP tool set shares, whatever the task's kind: action strings, the server that
answers an unknown tool with did-you-mean and bad arguments by their names, acting through the
session manager, ``submit`` and the goal resource. The tool sets themselves live in `mcp` (a web
browser) and `mcp_desktop` (a desktop).
"""

from __future__ import annotations

import difflib
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import BeforeValidator, Field, ValidationError

from palaestra.server.http import field_errors
from palaestra.server.sessions import Session, SessionManager
from palaestra.whole_numbers import as_element_id

#: What a tool answers once the task has ended the episode, instead of the environment's "call
#: reset()", which no tool does.
EPISODE_ENDED = "The episode is over (the task ended it); no more actions. Call submit to finish."
#: The prefixes tool names share (``browser_click``, ``desktop_click``); did-you-mean ignores them.
PREFIXES = ("browser_", "desktop_")
#: Turns the answer, whether it is infeasible and the reason into the episode's last action string
#: ("" for none): each tool set says it in its own action language.
Finish = Callable[[str | None, bool, str], str]


def call(name: str, *args: Any) -> str:
    """An action string: ``call("fill", "12", "it's")`` -> ``fill('12', "it's")`` (Python literals)."""
    return f"{name}({', '.join(repr(a) for a in args)})"


def element_ref(value: Any) -> Any:
    """An element id as a model writes it: a string (``"15"``, as the snapshot shows it) as is, a
    whole number (``15``, ``15.0``: small models write ids as numbers) as its digits. Anything else
    (``15.5``, ``true``) is refused, naming what an id is, rather than read as another element."""
    found = as_element_id(value)
    if found is not None:
        return found
    raise ValueError(
        "an element id is the number in brackets before the element in the snapshot, written as a "
        f"string ('15') or a whole number (15); got {value!r}"
    )


#: Put first in a ``target`` argument's ``Annotated`` (before its ``Field``).
ElementRef = BeforeValidator(element_ref)


def target_id(target: str) -> str:
    """Accept ``15``, ``[15]`` and ``ref=15`` alike."""
    return target.strip().strip("[]").removeprefix("ref=").strip()


def _bare(name: str) -> str:
    return next((name.removeprefix(p) for p in PREFIXES if name.startswith(p)), name)


class PalaestraMCP(MCPServer):
    """The SDK's server, with an unknown tool answered by the tools there are (did-you-mean), not
    only "Unknown tool": a model that guessed a name learns the right one from the answer."""

    async def call_tool(self, name: str, arguments: dict[str, Any], context: Any = None) -> Any:
        known = [t.name for t in await self.list_tools()]
        if name not in known:  # matched without the shared prefix, which makes every name look close
            bare = {_bare(k): k for k in known}
            close = difflib.get_close_matches(_bare(name), list(bare), n=2, cutoff=0.6)
            hint = f" Did you mean: {', '.join(f'`{bare[c]}`' for c in close)}?" if close else ""
            raise ToolError(f"Unknown tool `{name}`.{hint} This task's tools: {', '.join(known)}.")
        try:
            return await super().call_tool(name, arguments, context)
        except ToolError as exc:
            if not isinstance(exc.__cause__, ValidationError):
                raise
            # Pydantic's text names its model and a web page; a model needs the argument and the fix.
            problems = argument_problems(exc.__cause__)
            raise ToolError(
                f"Bad arguments for {name}: {problems}. Fix: call it again with the arguments its input "
                "schema names (tools/list)."
            ) from exc.__cause__


def argument_problems(exc: ValidationError) -> str:
    r"""Pydantic's errors as a model reads them: ``\`target\`: Field required; ...``."""
    fields = field_errors(exc, whole="arguments").fields
    return "; ".join(f"`{f['field']}`: {f['message']}" for f in fields)


def hints(read_only: bool = False) -> ToolAnnotations:
    """Palaestra's tools act inside one sandboxed episode: never destructive, never open-world."""
    return ToolAnnotations(read_only_hint=read_only, destructive_hint=False, open_world_hint=False)


def acting(
    session: Session, sessions: SessionManager, render: Callable[[Session, str], str]
) -> Callable[[str], Awaitable[str]]:
    """The function tools act through: one step of ``action`` (one at a time, within the request
    timeout, like any transport's), answered with ``render(session, action)``."""

    async def act(action: str) -> str:
        if session.submission is not None:
            raise ToolError("The episode was submitted; no more actions.")
        if session.done:
            raise ToolError(EPISODE_ENDED)
        await sessions.run(session, lambda: session.step(action))
        return render(session, action)

    return act


def add_submit_and_goal(
    server: MCPServer,
    session: Session,
    act: Callable[[str], Awaitable[str]],
    finish: Finish,
    unanswered: Callable[[], Awaitable[object]] | None = None,
) -> None:
    """``submit`` (the episode's end, said in the tool set's own action) and ``palaestra://goal``.
    A submission with no action to say it (no answer) awaits ``unanswered``, which judges the
    episode as it stands where its task is judged so (WebArena's: a navigation task's ``stop``)."""

    @server.tool(annotations=hints())
    async def submit(
        answer: Annotated[str | None, Field(description="the answer, if the task asks for one")] = None,
        infeasible: Annotated[bool, Field(description="true if the task cannot be done")] = False,
        reason: str = "",
    ) -> str:
        """Finish the task: give the answer (if it asks for one), or say it is infeasible and why."""
        if session.submission is not None:
            raise ToolError("Already submitted.")
        if not session.done:
            last = finish(answer, infeasible, reason)
            if last:
                await act(last)
            elif unanswered is not None:
                await unanswered()
        session.submit(answer=answer, infeasible=infeasible, reason=reason)
        return "Submitted. The episode is over."

    @server.resource("palaestra://goal", name="goal", description="The task's goal", mime_type="text/plain")
    def goal_resource() -> str:
        return session.env.goal
