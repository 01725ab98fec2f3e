"""The reproducibility record each invocation of a run stores: enough to redo it or explain a change.

Package versions, the git commit and whether the tree was dirty, the platform and browser, the full
resolved configuration, and the agents with their model identifiers and seeds.
"""

from __future__ import annotations

import importlib.metadata
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

from palaestra.redaction import SECRETS, redact
from palaestra.runs.spec import RunConfig

_PACKAGES = (
    "palaestra", "gymnasium", "playwright", "numpy", "openai", "miniwob", "faiss-cpu",
    "sentence-transformers", "torch", "ray",
)  # fmt: skip


def package_versions() -> dict[str, str]:
    versions = {}
    for name in _PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return versions


def git_state(path: Path | None = None) -> dict[str, Any]:
    """Commit and dirty state of the checkout Palaestra runs from (empty outside a git checkout)."""
    where = str(path or Path(__file__).resolve().parent.parent)
    try:
        commit = subprocess.run(
            ["git", "-C", where, "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
        status = subprocess.run(
            ["git", "-C", where, "status", "--porcelain"], capture_output=True, text=True, timeout=10
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    return {"commit": commit, "dirty": bool(status.strip())}


def browser_version() -> str:
    from palaestra.envs import find_chromium

    try:
        path = find_chromium()
        if path is None:
            return "Playwright's own Chromium"
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=20)
        return out.stdout.strip() or path
    except Exception as exc:  # a record must not stop a run
        return f"unknown ({type(exc).__name__})"


def reproducibility_record(config: RunConfig, argv: list[str] | None = None) -> dict[str, Any]:
    """The record of one invocation, with secrets (keys, tokens, passwords) redacted."""
    agents = [
        {
            "label": a.display,
            "name": a.name,
            "args": a.args_dict(),
            "config_hash": a.config_hash,
            "model": a.args_dict().get("model", ""),
        }
        for a in config.agents
    ]
    return {
        "argv": SECRETS.argv(sys.argv if argv is None else argv),
        "config": redact(config.to_json()),
        "agents": redact(agents),
        "seeds": config.seeds,
        "packages": package_versions(),
        "git": git_state(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "browser": browser_version(),
    }
