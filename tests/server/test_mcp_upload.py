"""MCP's ``browser_file_upload`` on a real server and Chromium: the files reach the page's file
input, and a path outside the environment's upload directory is the answer's error."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import httpx
from mcp import Client
from mcp_types import TextContent

from palaestra.envs import BrowserEnv
from palaestra.server.config import ServerConfig
from palaestra.server.run import ServerThread
from palaestra.tasks.page import PageTask

PAGE = (Path(__file__).parents[1] / "envs" / "pages" / "upload.html").as_uri()


def test_browser_file_upload_fills_the_input_from_the_upload_directory(tmp_path: Path) -> None:
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    (uploads / "notes.txt").write_text("hello upload\n")
    (tmp_path / "secret.txt").write_text("not yours\n")

    def upload_page(task: str, **options: Any) -> BrowserEnv:  # every session gets the upload page
        return BrowserEnv(PageTask(PAGE, "Upload the notes."), upload_dir=uploads, **options)

    config = ServerConfig(env_options={"pages_ahead": 0})
    with ServerThread(config, env_factory=upload_page) as server, httpx.Client(base_url=server.url) as http:
        made = http.post("/sessions", json={"task": "upload-page", "seed": 0, "parts": ["axtree"]})
        assert made.status_code == 201, made.text

        async def play() -> tuple[str, str]:
            async with Client(server.url + made.json()["mcp"], mode="legacy") as mcp:
                tools = {t.name for t in (await mcp.list_tools()).tools}
                assert "browser_file_upload" in tools
                snapshot = text_of(await mcp.call_tool("browser_snapshot", {}))
                found = re.search(r"\[(\w+)\] button 'Choose File'", snapshot)  # the first file input
                assert found, snapshot
                args = {"element": "file input", "target": found.group(1)}
                refused = text_of(
                    await mcp.call_tool("browser_file_upload", {**args, "paths": ["../secret.txt"]})
                )
                done = text_of(await mcp.call_tool("browser_file_upload", {**args, "paths": ["notes.txt"]}))
                return refused, done

        refused, done = asyncio.run(play())
    assert "### Error" in refused and "outside the upload directory" in refused
    assert "### Error" not in done and "one: notes.txt = hello upload" in done


def text_of(result: object) -> str:
    content = result.content  # type: ignore[attr-defined]
    assert isinstance(content[0], TextContent)
    return content[0].text
