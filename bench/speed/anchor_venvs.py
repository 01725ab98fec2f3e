"""The reference environments ("anchors") the speed bench compares against, each in its own venv.

BrowserGym pins Playwright 1.44 and the ``miniwob`` package needs Selenium; neither may touch the
project's virtualenv, so each anchor gets a venv under the bench's cache folder, made only when the
user asks (``--install``). Nothing here downloads a browser: BrowserGym's Playwright is pointed at
Debian's Chromium through a symbolic link, and the Selenium environment uses Debian's chromedriver.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import IO

REPO = Path(__file__).resolve().parent.parent
RUNNERS = Path(__file__).resolve().parent / "runners"
DEFAULT_CACHE = REPO / ".cache" / "bench"
#: Debian's real Chromium binary (``/usr/bin/chromium`` is a shell wrapper around it).
CHROMIUM_BINARY = Path("/usr/lib/chromium/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
#: The Chromium build Playwright 1.44 expects, if its ``browsers.json`` cannot be read.
PLAYWRIGHT_144_CHROMIUM_REVISION = "1117"
#: Marks a venv whose install finished; holds the requirements it was made with.
READY_MARKER = ".bench-requirements"


def miniwob_version() -> str:
    """The ``miniwob`` version Palaestra runs, so every anchor serves the very same task pages."""
    return metadata.version("miniwob")


@dataclass(frozen=True)
class Anchor:
    """One reference environment: its venv, what goes in it, and how its runner is started."""

    name: str
    runner: str
    requirements: tuple[str, ...]
    variants: tuple[str, ...]

    def venv(self, cache: Path) -> Path:
        return cache / f"venv-{self.name}"

    def python(self, cache: Path) -> Path:
        return self.venv(cache) / "bin" / "python"

    def runner_path(self) -> Path:
        return RUNNERS / self.runner


def known_anchors() -> dict[str, Anchor]:
    version = miniwob_version()
    return {
        "browsergym": Anchor(
            name="browsergym",
            runner="browsergym_runner.py",
            # browsergym-miniwob does not pull the miniwob package, whose HTML it serves.
            requirements=(
                "browsergym-core==0.14.3",
                "browsergym-miniwob==0.14.3",
                f"miniwob=={version}",
                "psutil",
            ),
            variants=("default", "nosleep"),
        ),
        "miniwob": Anchor(
            name="miniwob",
            runner="miniwob_runner.py",
            requirements=(f"miniwob=={version}", "selenium", "psutil"),
            variants=("default",),
        ),
    }


def install_command(anchor: Anchor, cache: Path) -> str:
    """The one command that creates (or refreshes) ``anchor``'s venv."""
    command = [".venv/bin/python", "-m", "bench.speed.env_speed", "--anchors", anchor.name, "--install"]
    if cache.resolve() != DEFAULT_CACHE:
        command += ["--cache", str(cache)]
    return shlex.join(command)


def missing_reason(anchor: Anchor, cache: Path) -> str | None:
    """Why ``anchor`` cannot run now (None when it can)."""
    marker = anchor.venv(cache) / READY_MARKER
    if not anchor.python(cache).exists() or not marker.exists():
        return f"no finished venv at {anchor.venv(cache)}"
    made_for = marker.read_text().split()
    if made_for != list(anchor.requirements):
        return f"the venv at {anchor.venv(cache)} was made for other versions ({' '.join(made_for)})"
    if anchor.name == "browsergym" and not CHROMIUM_BINARY.exists():
        return f"{CHROMIUM_BINARY} is missing (apt-get install -y chromium)"
    if anchor.name == "miniwob" and not CHROMEDRIVER.exists():
        return f"{CHROMEDRIVER} is missing (apt-get install -y chromium-driver)"
    return None


def install(anchor: Anchor, cache: Path, log: Path) -> None:
    """Create or refresh ``anchor``'s venv (pip output goes to ``log``). Raises on failure."""
    venv = anchor.venv(cache)
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        if not anchor.python(cache).exists():
            _run([sys.executable, "-m", "venv", str(venv)], out)
        (venv / READY_MARKER).unlink(missing_ok=True)
        _run([str(anchor.python(cache)), "-m", "pip", "install", *anchor.requirements], out)
        if anchor.name == "miniwob" and not CHROMEDRIVER.exists():
            _install_chromedriver(out)
    if anchor.name == "browsergym":
        link_playwright_chromium(anchor, cache)
    (venv / READY_MARKER).write_text("\n".join(anchor.requirements) + "\n")


def _install_chromedriver(out: IO[str]) -> None:
    """Debian's chromedriver matches Debian's Chromium; apt's lists may need a refresh first."""
    if os.geteuid() != 0:
        raise RuntimeError("chromedriver is missing; run as root: apt-get install -y chromium-driver")
    try:
        _run(["apt-get", "install", "-y", "chromium-driver"], out)
    except subprocess.CalledProcessError:
        _run(["apt-get", "update"], out)
        _run(["apt-get", "install", "-y", "chromium-driver"], out)


def _run(command: list[str], out: IO[str]) -> None:
    print("$", shlex.join(command), file=out, flush=True)
    subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, check=True)


def browsers_path(cache: Path) -> Path:
    """Where BrowserGym's Playwright looks for its browsers (``PLAYWRIGHT_BROWSERS_PATH``)."""
    return cache / "ms-playwright"


def link_playwright_chromium(anchor: Anchor, cache: Path) -> Path:
    """Make Playwright 1.44's expected Chromium path a link to Debian's Chromium.

    Playwright launches ``$PLAYWRIGHT_BROWSERS_PATH/chromium-<rev>/chrome-linux/chrome`` for
    both of BrowserGym's browsers (the task's and the chat's); the link stands in for the build
    it would otherwise download.
    """
    link = browsers_path(cache) / f"chromium-{_chromium_revision(anchor, cache)}" / "chrome-linux" / "chrome"
    link.parent.mkdir(parents=True, exist_ok=True)
    if link.is_symlink() or link.exists():
        if link.resolve() == CHROMIUM_BINARY.resolve():
            return link
        link.unlink()
    link.symlink_to(CHROMIUM_BINARY)
    return link


def _chromium_revision(anchor: Anchor, cache: Path) -> str:
    """The Chromium build number in the installed Playwright's ``browsers.json``."""
    found = sorted(
        anchor.venv(cache).glob("lib/python*/site-packages/playwright/driver/package/browsers.json")
    )
    if found:
        for browser in json.loads(found[0].read_text()).get("browsers", []):
            if browser.get("name") == "chromium":
                return str(browser["revision"])
    return PLAYWRIGHT_144_CHROMIUM_REVISION


def runner_env(anchor: Anchor, cache: Path) -> dict[str, str]:
    """The environment variables ``anchor``'s runner needs, on top of this process's."""
    env = dict(os.environ)
    if anchor.name == "browsergym":
        link_playwright_chromium(anchor, cache)
        env["PLAYWRIGHT_BROWSERS_PATH"] = str(browsers_path(cache))
        # BrowserGym serves the task pages of the miniwob package in its own venv.
        pages = sorted(anchor.venv(cache).glob("lib/python*/site-packages/miniwob/html/miniwob"))
        if pages:
            env["MINIWOB_URL"] = pages[0].as_uri() + "/"
        else:
            env.pop("MINIWOB_URL", None)  # the runner then finds its miniwob package itself
    elif anchor.name == "miniwob":
        env["MINIWOB_CHROME_BINARY"] = str(CHROMIUM_BINARY)
        env["MINIWOB_CHROMEDRIVER"] = str(CHROMEDRIVER)
    return env
