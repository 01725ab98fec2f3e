"""Shared fixtures. Every test in a process shares one Chromium (the background loop's host)."""

from __future__ import annotations

import asyncio
import json
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, async_playwright

import palaestra  # noqa: F401  (registers the Gymnasium ids)
from palaestra.envs import BrowserEnv
from palaestra.envs.browser import find_chromium
from palaestra.memory import SentenceTransformerEmbedder
from palaestra.testing.fixtures import llm_server, make_llm_server

__all__ = ["bfcl_mini", "llm_server", "make_env", "make_llm_server", "minilm"]
BFCL_MINI = Path(__file__).parent / "fixtures" / "bfcl_mini.json"


@pytest.fixture
def make_env() -> Iterator[Callable[..., BrowserEnv]]:
    """Build environments that are closed when the test ends."""
    made: list[BrowserEnv] = []

    def factory(task: Any, **kwargs: Any) -> BrowserEnv:
        env = BrowserEnv(task, **kwargs)
        made.append(env)
        return env

    yield factory
    for env in made:
        env.close()


@pytest.fixture(scope="session")
def minilm() -> SentenceTransformerEmbedder:
    """The real all-MiniLM-L6-v2, loaded once (a few seconds) from the offline wheel.

    One torch thread: the tests share two cores with browser tests, and torch's default threads
    spin-wait on each other under that load (about ten times slower here).
    """
    embedder = SentenceTransformerEmbedder(num_threads=1)
    embedder.embed(["warm up"])
    return embedder


def write_bfcl_mini(folder: Path) -> Path:
    """A wheel shaped like bfcl-eval's, holding `fixtures/bfcl_mini.json` as BFCL v4's data files
    (one JSON object a line; ground truths in `possible_answer/`), written into `folder`."""
    spec = json.loads(BFCL_MINI.read_text())

    def function(name: str) -> dict[str, Any]:
        description, params = spec["tools"][name]
        properties = {p: {"type": t, "description": p.replace("_", " ")} for p, t in params.items()}
        return {
            "name": name,
            "description": description,
            "parameters": {"type": "dict", "properties": properties, "required": list(params)},
        }

    def entry(query_id: str, text: str, candidates: list[str]) -> dict[str, Any]:
        question = [[{"role": "system", "content": "Be brief."}, {"role": "user", "content": text}]]
        return {"id": query_id, "question": question, "function": [function(n) for n in candidates]}

    files: dict[str, list[dict[str, Any]]] = {}
    for number, (category, text, gold, candidates) in enumerate(spec["labelled"]):
        query_id = f"{category}_{number}"
        files.setdefault(f"BFCL_v4_{category}.json", []).append(entry(query_id, text, candidates))
        truth = [{name: {}} for name in gold]
        files.setdefault(f"possible_answer/BFCL_v4_{category}.json", []).append(
            {"id": query_id, "ground_truth": truth}
        )
    for number, (category, text, candidates) in enumerate(spec["irrelevant"]):
        query = entry(f"{category}_{number}", text, candidates)
        files.setdefault(f"BFCL_v4_{category}.json", []).append(query)
    folder.mkdir(parents=True, exist_ok=True)
    wheel = folder / "bfcl_eval-0.0.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, rows in files.items():
            archive.writestr(f"bfcl_eval/data/{name}", "\n".join(json.dumps(row) for row in rows) + "\n")
    return wheel


@pytest.fixture
def bfcl_mini(tmp_path: Path) -> Path:
    """A data-set cache folder (`--cache`) whose `bfcl/` holds the tiny BFCL-shaped wheel: the BFCL
    loader, the routing benchmark and the training commands run on it with no download."""
    write_bfcl_mini(tmp_path / "cache" / "bfcl")
    return tmp_path / "cache"


@pytest.fixture(scope="module")
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    """An event loop for tests that drive Playwright's async API themselves."""
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


@pytest.fixture(scope="module")
def browser(loop: asyncio.AbstractEventLoop) -> Iterator[Browser]:
    """A Chromium of the module's own, on ``loop``."""
    manager = async_playwright()
    p = loop.run_until_complete(manager.__aenter__())
    launched = loop.run_until_complete(
        p.chromium.launch(executable_path=find_chromium(p), args=["--no-sandbox"])
    )
    yield launched
    loop.run_until_complete(launched.close())
    loop.run_until_complete(manager.__aexit__(None, None, None))
