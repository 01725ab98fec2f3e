"""Seeded datasets, built once and cached under a checksum of their recipe.

``built("shop")`` returns the folder of the shop's current build, building it first when the recipe
(the builder modules, the apps' settings and the versions of the apps) changed or nothing was built
yet. Builds run in a subprocess at low priority, into a temporary folder renamed into place when
complete; a file lock keeps parallel workers from building the same dataset twice. The cache lives in
``$PALAESTRA_SITES_CACHE``, else ``$XDG_CACHE_HOME/palaestra/sites`` (``~/.cache/...``); a build
of an older recipe is removed once nothing has used it for two days (another checkout may use it).
"""

from __future__ import annotations

import ast
import fcntl
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from palaestra.errors import SiteError
from palaestra.sites.registry import DATASETS, get_dataset

HERE = Path(__file__).parent
#: Distributions whose versions are part of every recipe (their migrations shape the database).
APP_VERSIONS = ("django", "django-oscar", "django-spirit", "django-haystack", "whoosh", "pillow")


#: Touched whenever a build is used; another recipe's build removes it only after this many days unused.
USED_STAMP = "last-used"
UNUSED_DAYS = 2


def cache_root() -> Path:
    explicit = os.environ.get("PALAESTRA_SITES_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "palaestra" / "sites"


def check_installed(dataset: str) -> None:
    """A clear error when the apps of ``dataset`` are not installed."""
    missing = [m for m in get_dataset(dataset).requires if importlib.util.find_spec(m) is None]
    absent = [(prog, pkg) for prog, pkg in get_dataset(dataset).programs if shutil.which(prog) is None]
    if absent:
        packages = " ".join(pkg for _, pkg in absent)
        raise SiteError(
            f"The {dataset} site needs the program {absent[0][0]}, which is not installed. "
            f"Run ./scripts/setup, or: apt-get install -y {packages}"
        )
    if missing:
        raise SiteError(
            f"The {dataset} site needs {', '.join(missing)}, which is not installed. "
            "Run ./scripts/setup, or: pip install 'palaestra[sites]'."
        )


def recipe_checksum(dataset: str) -> str:
    """What the build of ``dataset`` depends on: its recipe files (builders, word lists, settings;
    the rest of the apps' code does not shape the seed), as syntax trees, and the apps' versions."""
    digest = hashlib.sha256(dataset.encode())
    for name in get_dataset(dataset).recipe:
        digest.update(name.encode())
        # The code's syntax tree, not its text: reformatting or a comment does not force a rebuild.
        digest.update(ast.dump(ast.parse((HERE / name).read_text())).encode())
    for dist in (*APP_VERSIONS, *get_dataset(dataset).versions):
        try:
            digest.update(f"{dist}={importlib.metadata.version(dist)}".encode())
        except importlib.metadata.PackageNotFoundError:
            digest.update(f"{dist}=missing".encode())
    digest.update(f"python{sys.version_info[:2]}".encode())
    for program, _ in get_dataset(dataset).programs:
        digest.update(_program_version(program).encode())
    return digest.hexdigest()[:12]


def _program_version(program: str) -> str:
    """The first line of ``program version`` (what a program's seed format may depend on)."""
    try:
        done = subprocess.run([program, "version"], capture_output=True, text=True, timeout=30, check=False)
    except OSError:
        return f"{program}=missing"
    return (done.stdout.splitlines() or [""])[0]


def build_dir(dataset: str) -> Path:
    return cache_root() / f"{dataset}-{recipe_checksum(dataset)}"


def built(dataset: str, *, force: bool = False, log: Callable[[str], None] | None = None) -> Path:
    """The folder of ``dataset``'s current build, building it if needed (see the module's doc)."""
    get_dataset(dataset)
    final = build_dir(dataset)
    if not force and (final / "manifest.json").is_file():
        _mark_used(final)
        return final
    check_installed(dataset)
    final.parent.mkdir(parents=True, exist_ok=True)
    with (final.parent / f"{dataset}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another worker may be building it right now
        if not force and (final / "manifest.json").is_file():
            return final
        if log is not None:
            log(f"building the {dataset} seed into {final} (once per recipe; about a minute or two)")
        _build(dataset, final)
        _mark_used(final)
        _prune(dataset, keep=final)
    return final


def _mark_used(build: Path) -> None:
    (build / USED_STAMP).touch()


def _prune(dataset: str, keep: Path) -> None:
    """Remove the dataset's other builds that nothing used for ``UNUSED_DAYS``. Not all at once: the
    cache is shared by every checkout and installed version of Palaestra on the machine, and another
    one may be serving its own recipe's build right now."""
    cutoff = time.time() - UNUSED_DAYS * 86400
    for old in keep.parent.glob(f"{dataset}-*"):
        if old == keep or not old.is_dir() or "." in old.name:
            continue
        stamp = old / USED_STAMP if (old / USED_STAMP).exists() else old
        if stamp.stat().st_mtime < cutoff:
            shutil.rmtree(old, ignore_errors=True)


def _build(dataset: str, final: Path) -> None:
    tmp = final.with_name(f"{final.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE=get_dataset(dataset).settings,
        PALAESTRA_SITES_BUILD=str(tmp),
        PALAESTRA_SITES_BUILDING="1",
        PALAESTRA_SITE=dataset,
    )
    env.pop("PALAESTRA_SITES_EPISODES", None)
    log_path = tmp.with_suffix(".log")
    with log_path.open("w") as log_file:
        done = subprocess.run(
            [sys.executable, "-m", get_dataset(dataset).builder, "--dataset", dataset, "--out", str(tmp)],
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            preexec_fn=_lower_priority,
            check=False,
        )
    if done.returncode != 0:
        tail = log_path.read_text(errors="replace")[-3000:]
        shutil.rmtree(tmp, ignore_errors=True)
        raise SiteError(f"Building the {dataset} seed failed (log: {log_path}):\n{tail}")
    if final.exists():
        shutil.rmtree(final)
    tmp.rename(final)
    log_path.unlink(missing_ok=True)


def _lower_priority() -> None:
    os.nice(10)


def manifest(build: Path) -> dict[str, Any]:
    return dict(json.loads((build / "manifest.json").read_text()))


def verify(dataset: str, build: Path) -> None:
    """A clear error when the seed on disk is damaged (checked once per site start)."""
    db = build / "db.sqlite3"
    problem = ""
    if not db.is_file() or not (build / "manifest.json").is_file():
        problem = "files are missing"
    else:
        try:
            with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
                (result,) = conn.execute("PRAGMA quick_check").fetchone()
            if result != "ok":
                problem = f"SQLite reports: {result}"
        except sqlite3.DatabaseError as exc:
            problem = f"SQLite reports: {exc}"
    if problem:
        raise SiteError(
            f"The {dataset} seed at {build} is damaged ({problem}). "
            f"Rebuild it with: palaestra sites build {dataset} --force"
        )


def all_datasets() -> list[str]:
    return sorted(DATASETS)
