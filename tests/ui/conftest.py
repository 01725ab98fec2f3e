"""Fixtures of the UI tests: real runs (real Chromium, real SQLite), the scripted model they asked, a
running UI over real HTTP, and a real Chromium for the person using it.

Screenshots of every page go to a temporary folder (or ``$PALAESTRA_UI_SHOTS``), printed at the end.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect, sync_playwright

from palaestra.cli import main
from palaestra.envs.browser import CHROMIUM_FLAGS, find_chromium
from palaestra.memory import SentenceTransformerEmbedder
from palaestra.server import ServerConfig
from palaestra.testing import ScriptedLLMServer
from palaestra.ui import UiOptions, UiRoots

sys.path.insert(0, str(Path(__file__).parent))
from ui_support import Person, Runs, ServedUi, person_at, script


@pytest.fixture(scope="session")
def llm() -> Iterator[ScriptedLLMServer]:
    with ScriptedLLMServer(script) as server:
        yield server


@pytest.fixture(scope="session")
def runs(tmp_path_factory: pytest.TempPathFactory, llm: ScriptedLLMServer) -> Runs:
    results = tmp_path_factory.mktemp("results")
    model_run, baseline = results / "with-model", results / "baseline"
    common = ["--tasks", "click-button", "--seeds", "0-1", "--workers", "1", "--max-steps", "2",
              "--episode-timeout", "90"]  # fmt: skip
    assert main(["eval", "--agent", "synapse", "--agent-arg", "model=scripted-model",
                 "--agent-arg", f"base_url={llm.base_url}", "--agent-arg", "max_reasks=0",
                 "--agent", "oracle", *common, "--out", str(model_run)]) == 0  # fmt: skip
    assert main(["eval", "--agent", "oracle", "--agent", "random", "--agent-arg", "seed=3",
                 *common, "--out", str(baseline)]) == 0  # fmt: skip
    return Runs(results, model_run, baseline)


@pytest.fixture(scope="module")
def ui(
    runs: Runs, tmp_path_factory: pytest.TempPathFactory, minilm: SentenceTransformerEmbedder
) -> Iterator[ServedUi]:
    memories = tmp_path_factory.mktemp("memories")
    roots = UiRoots.of([runs.results], [memories])
    options = UiOptions(embedder=minilm, agent_modules=("ui_own_agent",))  # test_live's own agent
    with ServedUi(roots, ServerConfig(max_sessions=3), options) as served:
        yield served


#: The machine is shared: what a person would wait a moment for may take seconds here.
expect.set_options(timeout=30_000)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=find_chromium(p), args=list(CHROMIUM_FLAGS))
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    configured = os.environ.get("PALAESTRA_UI_SHOTS")
    folder = Path(configured) if configured else tmp_path_factory.mktemp("ui-screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    yield folder
    print(f"\nUI screenshots: {folder}")


@pytest.fixture
def person(ui: ServedUi, browser: Browser, shots: Path) -> Iterator[Person]:
    with person_at(browser, ui.url, shots) as someone:
        yield someone
