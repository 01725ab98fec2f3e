"""The reproducibility record each invocation of a run stores: enough to redo it or explain a change.

Package versions, the git commit and whether the tree was dirty, the platform and browser, the full
resolved configuration, and the agents with their model identifiers and seeds.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import platform
import subprocess
import sys
import urllib.parse
from pathlib import Path
from typing import Any

from palaestra.agents.registry import agent_source
from palaestra.redaction import SECRETS, redact
from palaestra.runs.provenance import machine_record
from palaestra.runs.repro_agents import model_record, resolved_settings, side_packages
from palaestra.runs.spec import RunConfig
from palaestra.runs.task_digest import suite_digests
from palaestra.runs.task_env import RECORD_KEY as TASK_ENV_KEY
from palaestra.runs.task_env import task_env_record

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
    """Commit and dirty state of the checkout Palaestra was installed from.

    Found from the installation's own record (PEP 610's ``direct_url.json``), not from where the
    package's files happen to lie: a wheel installed in a virtual environment inside some other
    repository must not report that repository's commit. An editable install reports its checkout;
    an install from a git URL, the commit pip recorded; anything else, no git state.
    """
    if path is None:
        origin = _install_origin()
        if "commit" in origin:
            return {"commit": origin["commit"], "dirty": False, "source": origin.get("url", "")}
        if "checkout" not in origin:
            return {}
        path = Path(origin["checkout"])
    where = str(path)
    try:
        top = subprocess.run(
            ["git", "-C", where, "rev-parse", "--show-toplevel"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        if Path(top).resolve() != path.resolve():
            return {}  # the folder is inside some other repository, not a checkout of its own
        commit = subprocess.run(
            ["git", "-C", where, "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
        status = subprocess.run(
            ["git", "-C", where, "status", "--porcelain"], capture_output=True, text=True, timeout=10
        ).stdout
        if not status.strip():
            return {"commit": commit, "dirty": False, "checkout": where}
        diff = subprocess.run(
            ["git", "-C", where, "diff", "HEAD", "--binary"], capture_output=True, timeout=30, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    # Which uncommitted changes: two dirty runs of one commit ran the same code only if these agree.
    changed = [line[3:] for line in status.splitlines() if line.strip()]
    digest = hashlib.sha256(diff + "\n".join(sorted(changed)).encode()).hexdigest()
    return {
        "commit": commit,
        "dirty": True,
        "checkout": where,
        "diff_sha256": digest,
        "changed": changed[:50],
    }


def _install_origin() -> dict[str, str]:
    """Where pip installed Palaestra from: an editable checkout, a VCS commit, or neither."""
    try:
        raw = importlib.metadata.distribution("palaestra").read_text("direct_url.json")
        direct = json.loads(raw or "{}")
    except (importlib.metadata.PackageNotFoundError, ValueError):
        return {}
    return origin_of(direct, Path(__file__).resolve().parent.parent)


def origin_of(direct: dict[str, Any], imported: Path) -> dict[str, str]:
    """Where the code that runs came from, given pip's ``direct_url.json`` and the folder the
    ``palaestra`` package was imported from.

    A checkout put first on ``PYTHONPATH`` (a second worktree, a colleague's branch) shadows the
    installed one: its code runs, so its commit is the one to record, not the install's.
    """
    own = (imported / "pyproject.toml").is_file() and 'name = "palaestra"' in (
        imported / "pyproject.toml"
    ).read_text()
    if own:  # a source checkout's code runs, whatever pip recorded for the installed one
        return {"checkout": str(imported)}
    url = str(direct.get("url", ""))
    if "vcs_info" in direct and direct["vcs_info"].get("commit_id"):
        return {"commit": str(direct["vcs_info"]["commit_id"]), "url": url}
    if direct.get("dir_info", {}).get("editable") and url.startswith("file://"):
        return {"checkout": urllib.parse.unquote(urllib.parse.urlparse(url).path)}
    return {}


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
            **model_record(a.name, a.args_dict()),
            "settings": resolved_settings(a.name, a.args_dict()),
            **({"source": source} if (source := agent_source(a.name)) else {}),
        }
        for a in config.agents
    ]
    return {
        "argv": SECRETS.argv(sys.argv if argv is None else argv),
        "config": redact(config.to_json()),
        "agents": redact(agents),
        "seeds": config.seeds,
        "task_definitions": _task_definitions(config),
        TASK_ENV_KEY: task_env_record(),  # the variables that change what the tasks are
        "packages": package_versions(),
        **(
            {"side_packages": side}
            if (side := side_packages([a.name for a in config.agents], Path(sys.prefix)))
            else {}
        ),
        "git": git_state(),
        "python": sys.version.split()[0],
        "machine": machine_record(),
        "cwd": os.getcwd(),
        "platform": platform.platform(),
        "browser": browser_version(),
    }


def _task_definitions(config: RunConfig) -> dict[str, Any]:
    """Per suite, a digest of the definitions of the tasks the run plays (`runs.task_digest`)."""
    from palaestra.runs.spec import resolve_tasks

    try:
        return suite_digests(resolve_tasks(config.settings.suite, config.settings.tasks))
    except Exception:  # a record must not stop a run; the tasks' own error comes later
        return {}


def changed_sources(previous: list[dict[str, Any]], record: dict[str, Any], finished: set[str]) -> list[str]:
    """What a resumed run should say: each agent with finished episodes whose source file changed
    since the last invocation that recorded it (resuming keeps those episodes as they were)."""
    before: dict[str, dict[str, str]] = {}
    for invocation in previous:
        for agent in invocation["record"].get("agents", []):
            if agent.get("source"):
                before[agent["label"]] = agent["source"]
    notes = []
    for agent in record["agents"]:
        old, new = before.get(agent["label"]), agent.get("source")
        if agent["label"] in finished and old and new and old["sha256"] != new["sha256"]:
            notes.append(
                f"Note: {new['file']} changed since `{agent['label']}`'s finished episodes were run; "
                "they are kept as they were. To re-run them, use a new --out (or label)."
            )
    return notes
