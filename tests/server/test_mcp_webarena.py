"""MCP on WebArena's official tasks: an agent that ends without an answer is judged as WebArena's
harness judges its `stop` (a navigation task passes on the page it reached), whether it submits
nothing or leaves; before, such an episode got no verdict at all.

The task is WebArena's 44 (url_match on ``__GITLAB__/dashboard/todos``) on a loopback server playing
the user's GitLab (its log-in left out), served by a real server with Chromium behind it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import re
import sys
import tempfile
import textwrap
from collections.abc import Iterator

import httpx
import mcp.client.stdio as mcp_stdio_client
import pytest
from mcp import Client, StdioServerParameters, stdio_client
from mcp_types import TextContent

from palaestra.server.config import ServerConfig
from palaestra.server.run import ServerThread
from palaestra.tasks import registry
from palaestra.tasks.registry import TaskSpec
from palaestra.tasks.webarena.official import benchmark_configs
from palaestra.tasks.webarena.official_task import OfficialTask
from palaestra.testing.loopback import serve

from ..runs.test_webarena_step_limit import GitLab

TASK = "wa-mcp.44"
#: Registers the task in a `palaestra mcp` process, as the test does in its own (argv[1]: GitLab's URL).
STDIO_SERVER = textwrap.dedent(f"""
    import dataclasses, sys
    from palaestra.cli import main
    from palaestra.tasks import registry
    from palaestra.tasks.registry import TaskSpec
    from palaestra.tasks.webarena.official import benchmark_configs
    from palaestra.tasks.webarena.official_task import OfficialTask

    config = dataclasses.replace(benchmark_configs("webarena")["44"], require_login=False)
    make = lambda: OfficialTask(config, "{TASK}", "webarena", hosts={{"gitlab": sys.argv[1]}})
    registry._registry["{TASK}"] = TaskSpec("{TASK}", "wa-mcp", make)
    sys.exit(main(["mcp", "--task", "{TASK}", "--seed", "0"]))
""")


@pytest.fixture(scope="module")
def gitlab() -> Iterator[str]:
    """The user's GitLab as task 44 reads it (its to-do page), on loopback."""
    with serve(GitLab) as served:
        yield served.url


def text_of(result: object) -> str:
    content = result.content  # type: ignore[attr-defined]
    assert isinstance(content[0], TextContent)
    return content[0].text


async def follow_the_link(mcp: Client) -> None:
    link = re.search(r"\[(\w+)\] link 'To-Do List'", text_of(await mcp.call_tool("browser_snapshot", {})))
    assert link
    await mcp.call_tool("browser_click", {"element": "To-Do List", "target": link.group(1)})


def test_a_submission_without_an_answer_is_judged_on_the_page_reached(
    gitlab: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = dataclasses.replace(benchmark_configs("webarena")["44"], require_login=False)
    spec = TaskSpec(TASK, "wa-mcp", lambda: OfficialTask(config, TASK, "webarena", hosts={"gitlab": gitlab}))
    monkeypatch.setitem(registry._registry, TASK, spec)

    async def play(url: str) -> None:
        async with Client(url, mode="legacy") as mcp:
            await follow_the_link(mcp)
            await mcp.call_tool("submit", {})

    with (
        ServerThread(ServerConfig(pages_ahead=1)) as server,
        httpx.Client(base_url=server.url, timeout=60) as http,
    ):
        made = http.post("/sessions", json={"task": TASK, "seed": 0}).json()
        asyncio.run(play(server.url + made["mcp"]))
        state = http.get(f"/sessions/{made['id']}").json()["state"]
    assert state["terminated"] and state["success"] and state["reward"] == 1.0, state
    assert state["columns"]["paper"] == 1.0 and state["columns"]["corrected"] == 1.0  # the verdict's columns


def test_palaestra_mcp_judges_an_episode_its_agent_left_unanswered(
    gitlab: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The SDK's client waits 2 s for the server to exit after closing its stdin, then terminates
    # its process group (our Playwright driver with it); on a loaded test machine the judging can
    # take longer. What is tested is that the server judges the left episode and says so, so the
    # client here waits as a harness that reads the verdict would (failed once under load).
    monkeypatch.setattr(mcp_stdio_client, "PROCESS_TERMINATION_TIMEOUT", 60.0)
    # The whole environment: the MCP SDK passes a child only a few variables, not PYTHONPATH.
    params = StdioServerParameters(
        command=sys.executable, args=["-c", STDIO_SERVER, gitlab], env=dict(os.environ)
    )

    async def play(errors: object) -> None:
        async with Client(stdio_client(params, errlog=errors), mode="legacy") as mcp:  # type: ignore[arg-type]
            await follow_the_link(mcp)  # and leaves, never submitting

    with tempfile.TemporaryFile("w+") as errors:
        asyncio.run(play(errors))
        errors.seek(0)
        lines = [line for line in errors.read().splitlines() if line.startswith("{")]
    (verdict,) = [json.loads(line) for line in lines]
    assert verdict["success"] is True and verdict["submission"] is None and verdict["step_count"] == 1, (
        verdict
    )
    assert (
        verdict["columns"]["paper"] == 1.0 and verdict["early_stop"] == "The agent stopped without an answer"
    )
