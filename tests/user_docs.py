"""The user documentation as the tests read it: the README and the pages under `docs/`, whose shell and
Python blocks are checked to run as written (tests/test_cli.py, tests/envs/test_desktop_env.py)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = (ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")))


def user_docs_text() -> str:
    """Every page's text, the README first, one after the other."""
    return "\n".join(page.read_text() for page in PAGES)
