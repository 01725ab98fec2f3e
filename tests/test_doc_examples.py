"""Every ```python block of the README and `docs/` runs as written, each in a fresh interpreter in a
working directory of its own, and every value it prints is the one the comment on its `print` line
says. What the reader already has (a server the text before the block starts, a model endpoint) the
test provides; it never edits a block (one that cannot run as written is a doc bug: fix the page).
A block this module does not know fails `test_every_block_of_the_docs_is_run_somewhere`, so a new
example gets a test with it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .user_docs import PAGES, ROOT

RUNNER = Path(__file__).with_name("doc_examples_runner.py")
ELLIPSIS = "..."


@dataclass(frozen=True)
class Block:
    """One ```python block: its page (relative to the checkout), the page line of its first code line,
    and its code."""

    page: str
    line: int
    code: str

    @property
    def key(self) -> tuple[str, str]:
        return self.page, self.code.splitlines()[0]


def doc_blocks() -> list[Block]:
    blocks = []
    for page in PAGES:
        text = page.read_text()
        for found in re.finditer(r"^```python\n(.*?)^```", text, re.S | re.M):
            line = text.count("\n", 0, found.start(1)) + 1
            blocks.append(Block(str(page.relative_to(ROOT)), line, found.group(1)))
    return blocks


@dataclass(frozen=True)
class Run:
    """How this module runs a block: what the reader already has running, on the port the block names
    (`serve_port`: `palaestra serve --port N`; `llm_port`: the scripted OpenAI-compatible server
    answering `llm_answers`, 0 for any free port; either way `PALAESTRA_LLM_BASE_URL` and
    `OPENAI_BASE_URL` are exported to it, as its user would), what the model must have been asked
    (`expect_chat`: the model's name, the number of requests), and variables the text has the reader
    export (`env`)."""

    serve_port: int | None = None
    llm_port: int | None = None
    llm_answers: tuple[str, ...] = ()
    expect_chat: tuple[str, int] | None = None
    env: dict[str, str] = field(default_factory=dict)


#: Run elsewhere, by a test that already sets up what the block needs (an Xvfb desktop is slow).
ELSEWHERE = {
    ("docs/desktop.md", "import gymnasium as gym"): (
        "tests/envs/test_desktop_env.py::test_the_readmes_desktop_snippets_print_what_their_comments_say"
    ),
    ("docs/desktop.md", "import random"): (
        "tests/envs/test_desktop_env.py::test_the_readmes_desktop_snippets_print_what_their_comments_say"
    ),
}

#: Hugging Face's libraries told not to ask the hub (nothing here is on it).
HUB_OFFLINE = {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}

#: Run here. A `# name.py` first line is the file the reader saves the block as (and
#: tests/test_cli.py writes it so, for the `palaestra eval --agent myagent:...` line after it).
HERE = {
    ("docs/runs.md", "import json"): Run(env=HUB_OFFLINE),
    # TRL's GRPOTrainer playing MiniWoB++ episodes through WebToolEnv, the tiny scripted policy its model.
    ("docs/runs.md", "from datasets import Dataset"): Run(env=HUB_OFFLINE),
    ("README.md", "import gymnasium as gym"): Run(),
    ("README.md", "import asyncio"): Run(),
    ("docs/agents.md", "# myagent.py"): Run(),
    ("docs/environments.md", "import gymnasium as gym"): Run(),
    # The next section starts `palaestra serve --port 8765 &`, the port the block names.
    ("docs/environments.md", "from palaestra.server.browsergym_remote import BrowserGymClient"): Run(
        serve_port=8765
    ),
    ("docs/osworld.md", "from palaestra.envs.desktop import DesktopEnv, OSWorldObservation"): Run(),
    # The reader's own model server on the port the block names; this one answers as a model that
    # can add would, and the loop must stop at the task's end: one request, under the block's name.
    ("docs/osworld.md", "import os"): Run(
        llm_port=8000,
        llm_answers=("```python\npyautogui.write('7311+7890=')\n```",),
        expect_chat=("Qwen/Qwen2.5-7B-Instruct", 1),
    ),
    ("docs/routing.md", "import asyncio"): Run(),
    ("docs/tasks.md", "from palaestra.tasks import Evaluation"): Run(),
}

#: Comments on `print` lines that explain rather than say what is printed.
NOT_OUTPUT = {
    ("docs/osworld.md", "why an answer is empty: the failed model calls, in words"),
}


def block_by_key(key: tuple[str, str]) -> Block:
    found = [b for b in doc_blocks() if b.key == key]
    assert found, f"{key[0]} has no ```python block starting {key[1]!r} any more: update this module's tables"
    return found[0]


def test_every_block_of_the_docs_is_run_somewhere() -> None:
    keys = [b.key for b in doc_blocks()]
    assert len(keys) >= 10
    assert len(set(keys)) == len(keys), "two blocks of a page start alike: key them by more than a line"
    unknown = [f"{page}: {first}" for page, first in keys if (page, first) not in {**HERE, **ELSEWHERE}]
    assert unknown == [], f"add these blocks to HERE (or ELSEWHERE, naming their test): {unknown}"
    stale = [f"{page}: {first}" for page, first in {**HERE, **ELSEWHERE} if (page, first) not in keys]
    assert stale == [], f"these blocks are gone from the docs; remove them from the tables: {stale}"


def claims(block: Block, code: str) -> dict[int, str]:
    """What each `print` line's comment says it prints, by the line's number within the code."""
    said = {}
    for number, line in enumerate(code.splitlines(), 1):
        if line.lstrip().startswith("print(") and "  # " in line:
            comment = line.split("  # ", 1)[1].strip()
            if (block.page, comment) not in NOT_OUTPUT:
                said[number] = comment
    return said


def matches(comment: str, printed: str) -> bool:
    """The comment is whole lines of what was printed, leading indentation aside; `...` in it stands
    for anything (other lines included)."""
    pattern = ".*?".join(re.escape(part.strip()) for part in comment.split(ELLIPSIS))
    return re.search(rf"(?:\A|\n)[ \t]*{pattern}[ \t]*(?:\n|\Z)", printed.rstrip("\n"), re.S) is not None


def run_block(block: Block, code: str, run: Run, tmp_path: Path) -> dict[str, object]:
    work = tmp_path / "work"
    work.mkdir()
    first = code.splitlines()[0]
    named = re.fullmatch(r"# (\w+\.py)", first)
    file = named.group(1) if named else "example.py"
    (work / file).write_text(code)
    private = bool(run.serve_port or run.llm_port)  # a fixed port
    spec = {
        "cwd": str(work),
        "file": file,
        "private_network": private,
        "serve_port": run.serve_port,
        "llm_port": run.llm_port,
        "llm_answers": list(run.llm_answers),
        "env": run.env,
        "timeout": 600,
        "result": str(tmp_path / "result.json"),
    }
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    done = subprocess.run(
        [sys.executable, str(RUNNER), str(tmp_path / "spec.json")],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, f"{block.page}:{block.line}: the runner failed: {done.stderr}"
    return dict(json.loads((tmp_path / "result.json").read_text()))


@pytest.mark.parametrize("key", list(HERE), ids=lambda key: f"{key[0]}:{key[1]}")
def test_the_block_runs_as_written_and_prints_what_its_comments_say(
    key: tuple[str, str], tmp_path: Path
) -> None:
    block, run = block_by_key(key), HERE[key]
    code = block.code
    result = run_block(block, code, run, tmp_path)
    assert result["returncode"] == 0, f"{block.page}:{block.line}: the block failed:\n{result['stderr']}"
    prints = result["prints"]
    assert isinstance(prints, list)
    printed: dict[int, str] = {}
    for note in prints:
        printed[note["line"]] = printed.get(note["line"], "") + note["text"]
    code_lines = code.splitlines()
    wrong = []
    for number, comment in claims(block, code).items():
        where = f"{block.page}:{block.line + number - 1}: `{code_lines[number - 1].split('  # ')[0].strip()}`"
        if number not in printed:
            wrong.append(f"{where} printed nothing; its comment says {comment!r}")
        elif not matches(comment, printed[number]):
            wrong.append(f"{where} printed {printed[number].rstrip()!r}; its comment says {comment!r}")
    assert wrong == [], "\n".join(wrong)
    if run.expect_chat is not None:
        model, count = run.expect_chat
        chat = result["chat"]
        assert isinstance(chat, list)
        models = list(chat)
        assert models == [model] * count, (
            f"{block.page}:{block.line}: the model got {len(models)} requests, for {sorted(set(models))}; "
            f"a loop that stops at the task's end sends {count}, for {model!r}"
        )
