"""Site processes and episodes: one process per site per worker, one copy of the seed per episode.

``get_runtime()`` is the worker's runtime. ``runtime.new_episode(["shop"])`` starts the sites the
episode needs (on a free loopback port each, with a health check and their logs captured), copies
each dataset's seeded database into a fresh episode folder (a few milliseconds: the folder is in
``/dev/shm`` when there is one) and returns an ``Episode``: the header its browser context sends,
the cookies that log it in, and its database files. Site processes find the episode by the header
(see ``palaestra.sites.apps.episode``), so episodes never see each other's writes, also when the
same task runs in several workers, and the next episodes' pages can be prepared ahead in the
background without restarting anything.

Processes stop with the runtime (``stop()``, at interpreter exit, or when the worker dies: each site
watches its parent).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from palaestra.errors import SiteCrashedError, SiteError
from palaestra.sites import build as builds
from palaestra.sites.apps.serve import EXIT_PORT_IN_USE
from palaestra.sites.registry import SiteDef, get_dataset, get_site

HEADER = "X-Palaestra-Episode"
#: Generous: a cold start on a busy two-core machine (imports, URL resolvers) can take a while.
START_TIMEOUT = 180.0


@dataclass
class SiteProcess:
    site: SiteDef
    process: subprocess.Popen[bytes]
    port: int
    log: Path
    #: Counts starts of this site in this runtime: an episode made before a restart is stale.
    generation: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def alive(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, chars: int = 2000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


@dataclass
class Episode:
    """One episode's state on the sites: its folder, header and log-in cookies."""

    id: str
    folder: Path
    sites: tuple[str, ...]
    runtime: SiteRuntime
    generations: dict[str, int] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return {HEADER: self.id}

    def database(self, dataset: str) -> Path:
        return self.folder / f"{dataset}.sqlite3"

    def url(self, site: str) -> str:
        return self.runtime.url(site)

    def login_cookies(self, accounts: dict[str, str] | None = None) -> list[Any]:
        """Cookies that log the episode in on each of its sites, as the site's default account or as
        ``accounts[site]``; the sessions were stored in the seed by the build. (Playwright's
        ``SetCookieParam`` dictionaries, which it does not export as a type.)"""
        cookies = []
        for name in self.sites:
            site = get_site(name)
            account = (accounts or {}).get(name) or self.runtime.default_account(name)
            cookies.append(
                {
                    "name": site.session_cookie,
                    "value": self.runtime.session_key(site.dataset, account),
                    "url": self.runtime.origin(name),
                }
            )
        return cookies

    def check_alive(self) -> None:
        """Raise ``SiteCrashedError`` if a site of this episode stopped or was restarted since it began."""
        for name in self.sites:
            process = self.runtime.processes.get(name)
            if process is None or not process.alive() or process.generation != self.generations.get(name):
                tail = process.log_tail(600) if process is not None else ""
                raise SiteCrashedError(f"The {name} site stopped during the episode. Its log ends:\n{tail}")

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


class SiteRuntime:
    """The site processes of this worker and the folders of their episodes."""

    def __init__(self, root: Path | None = None) -> None:
        base = Path("/dev/shm") if os.access("/dev/shm", os.W_OK) else None
        self.root = root or Path(tempfile.mkdtemp(prefix="palaestra-sites-", dir=base))
        self.episodes = self.root / "episodes"
        self.episodes.mkdir(parents=True, exist_ok=True)
        self.logs = self.root / "logs"
        self.logs.mkdir(exist_ok=True)
        self.processes: dict[str, SiteProcess] = {}
        self._builds: dict[str, Path] = {}
        self._manifests: dict[str, dict[str, Any]] = {}
        self._starts = 0
        self._lock = threading.RLock()
        self._stopped = False

    # -- seeds ------------------------------------------------------------------------------------

    def build_of(self, dataset: str) -> Path:
        with self._lock:
            if dataset not in self._builds:
                build = builds.built(dataset, log=lambda m: print(f"palaestra.sites: {m}", file=sys.stderr))
                builds.verify(dataset, build)
                self._builds[dataset] = build
                self._manifests[dataset] = builds.manifest(build)
            return self._builds[dataset]

    def manifest(self, dataset: str) -> dict[str, Any]:
        self.build_of(dataset)
        return self._manifests[dataset]

    def default_account(self, site: str) -> str:
        definition = get_site(site)
        return str(self.manifest(definition.dataset)["accounts"][definition.account_key])

    def session_key(self, dataset: str, account: str) -> str:
        sessions = self.manifest(dataset)["sessions"]
        if account not in sessions:
            from palaestra.errors import UnknownNameError

            raise UnknownNameError(f"{dataset} account", account, sessions)
        return str(sessions[account])

    # -- processes --------------------------------------------------------------------------------

    def ensure(self, site: str, port: int = 0) -> SiteProcess:
        """The running process of ``site``, started (or restarted after a crash) if needed."""
        with self._lock:
            if self._stopped:
                raise SiteError("This site runtime was stopped.")
            process = self.processes.get(site)
            if process is not None and process.alive():
                return process
            self.processes[site] = self._start(get_site(site), port)
            return self.processes[site]

    def _start(self, site: SiteDef, port: int) -> SiteProcess:
        build = self.build_of(site.dataset)
        default = self._default_episode(site.dataset)
        self._starts += 1
        log = self.logs / f"{site.name}-{self._starts}.log"
        env = dict(
            os.environ,
            DJANGO_SETTINGS_MODULE=get_dataset(site.dataset).settings,
            PALAESTRA_SITES_BUILD=str(build),
            PALAESTRA_SITES_EPISODES=str(self.episodes),
            PALAESTRA_SITES_DATASET=site.dataset,
            PALAESTRA_SITES_DEFAULT_EPISODE=default,
            PALAESTRA_SITE=site.name,
        )
        env.pop("PALAESTRA_SITES_BUILDING", None)
        command = [sys.executable, "-m", get_dataset(site.dataset).server, "--port", str(port)]
        command += ["--parent-pid", str(os.getpid())]
        with log.open("wb") as log_file:
            process = subprocess.Popen(
                command, env=env, stdout=subprocess.PIPE, stderr=log_file, start_new_session=True
            )
        started = SiteProcess(site, process, self._await_port(process, log, site, port), log, self._starts)
        self._health_check(started)
        return started

    def _await_port(self, process: subprocess.Popen[bytes], log: Path, site: SiteDef, port: int) -> int:
        assert process.stdout is not None
        deadline = time.monotonic() + START_TIMEOUT
        line = b""
        while time.monotonic() < deadline:
            ready, _, _ = select.select([process.stdout], [], [], 0.2)
            if ready:
                line = process.stdout.readline()
                if line.startswith(b"LISTENING "):
                    return int(line.split()[1])
            if process.poll() is not None:
                break
        _terminate(process)
        text = log.read_text(errors="replace")
        if process.returncode == EXIT_PORT_IN_USE:
            raise SiteError(f"Port {port} is in use; choose another with --port, or omit it for a free one.")
        raise SiteError(f"The {site.name} site did not start (log {log}):\n{text[-2500:]}")

    def _health_check(self, process: SiteProcess) -> None:
        deadline = time.monotonic() + 15
        error: Exception | None = None
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{process.url}/-/health", timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError as exc:
                error = exc
            time.sleep(0.05)
        _terminate(process.process)
        raise SiteError(f"The {process.site.name} site does not answer ({error}); log {process.log}")

    def _default_episode(self, dataset: str) -> str:
        """The state a person browsing the site (without the episode header) sees: fresh per runtime."""
        name = f"_default_{dataset}"
        folder = self.episodes / name
        if not (folder / f"{dataset}.sqlite3").is_file():
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(self.build_of(dataset) / "db.sqlite3", folder / f"{dataset}.sqlite3")
        return name

    def origin(self, site: str) -> str:
        return self.ensure(site).url

    def url(self, site: str) -> str:
        """The site's base URL (what ``__SHOP__`` and the like stand for)."""
        return self.origin(site) + get_site(site).base_path

    def alive(self, site: str) -> bool:
        process = self.processes.get(site)
        return process is not None and process.alive()

    # -- episodes ---------------------------------------------------------------------------------

    def new_episode(self, sites: list[str] | tuple[str, ...], state: Path | None = None) -> Episode:
        """Fresh seeded state for the ``sites`` (started if needed) in a new episode folder; with
        ``state``, a copy of that folder instead (a finished episode's, restored to judge it again)."""
        names = tuple(dict.fromkeys(sites))
        generations = {name: self.ensure(name).generation for name in names}
        episode_id = uuid.uuid4().hex
        folder = self.episodes / episode_id
        if state is not None:
            shutil.copytree(state, folder)
            return Episode(episode_id, folder, names, self, generations)
        folder.mkdir()
        for dataset in dict.fromkeys(get_site(n).dataset for n in names):
            shutil.copyfile(self.build_of(dataset) / "db.sqlite3", folder / f"{dataset}.sqlite3")
        return Episode(episode_id, folder, names, self, generations)

    # -- lifetime ---------------------------------------------------------------------------------

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            for process in self.processes.values():
                _terminate(process.process)
            self.processes.clear()
            shutil.rmtree(self.root, ignore_errors=True)

    def kill(self, site: str) -> None:
        """Kill a site's process abruptly (what a crash looks like; for tests and benchmarks)."""
        process = self.processes.get(site)
        if process is not None:
            process.process.kill()
            process.process.wait()


def _terminate(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    if process.stdout is not None:
        process.stdout.close()


_runtime: SiteRuntime | None = None
_runtime_lock = threading.Lock()


def get_runtime() -> SiteRuntime:
    """This process's runtime, made on first use and stopped at exit."""
    global _runtime
    with _runtime_lock:
        if _runtime is None or _runtime._stopped:
            _runtime = SiteRuntime()
            atexit.register(_runtime.stop)
        return _runtime
