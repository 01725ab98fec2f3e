"""What a desktop task is: the files and apps an episode starts with, a goal, and a judge that
reads the outcome (files the apps wrote, config files, what the apps show through AT-SPI).

A task never acts on the desktop itself and never talks to the agent. Its `evaluate` reads the
episode's HOME and the latest accessibility snapshot; an agent's words (`send_msg_to_user`) count
only beside evidence on the desktop. A task may declare steps for the environment to run on the
live desktop (`live_steps`): after its apps start, and once before a verdict given at the end of the
episode (`Judging.AT_END`).
"""

from __future__ import annotations

import random
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from palaestra.errors import ConfigError
from palaestra.tasks.base import Evaluation
from palaestra.tasks.desktop.live_steps import LiveStep


@dataclass(frozen=True)
class DesktopSetup:
    """An episode's start: the goal, files and folders in the fresh HOME, and the apps to launch.

    ``apps`` are argv lists; an argument starting with ``~/`` names a path in the episode's HOME.
    The first app's window must be up (and its accessibility tree registered) before the episode
    starts. File contents are bytes or text (UTF-8).
    """

    goal: str
    apps: tuple[tuple[str, ...], ...]
    files: dict[str, bytes | str] = field(default_factory=dict)
    dirs: tuple[str, ...] = ()
    #: Commands (argv lists) run to their end in HOME as the desktop user: ``commands`` before the
    #: apps start, ``after_apps`` once the first app's window is up (OSWorld's ``execute`` steps).
    commands: tuple[tuple[str, ...], ...] = ()
    after_apps: tuple[tuple[str, ...], ...] = ()
    #: Steps run in order after ``after_apps`` (a window brought to the front, then keys sent to it).
    steps: tuple[LiveStep, ...] = ()
    #: A path that stands for HOME in app and command arguments, for tasks written for another
    #: machine (OSWorld's ``/home/user``); "" for none.
    home_alias: str = ""
    #: Seconds to wait once everything started, before the first observation (at most 30).
    delay: float = 0.0
    #: Apps whose profile the task brings in its files or commands (e.g. "thunderbird"): the session
    #: does not write the profile it builds for them, which would mix with the task's.
    own_profiles: tuple[str, ...] = ()
    #: Ports of the host's loopback the episode's apps may reach (a page the task serves from the
    #: environment's side, a self-hosted site): run as root, each session has a network namespace of
    #: its own, and only these ports of the host are forwarded into it (`envs/desktop/host_relay.py`).
    host_ports: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        for port in self.host_ports:
            if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
                raise ConfigError(f"DesktopSetup.host_ports: {port!r} is no TCP port; give numbers 1-65535")


@dataclass(frozen=True)
class CommandResult:
    """How one of a task's judge commands ended, and what it printed."""

    returncode: int | None
    stdout: str
    stderr: str
    timed_out: bool = False


@dataclass
class DesktopOutcome:
    """What a task's judge may read after a step."""

    home: Path
    elements: list[dict[str, Any]]
    windows: list[dict[str, Any]]
    messages: list[str]
    #: The agent said it is finished (done()) or that the task cannot be done (fail()).
    done: bool = False
    failed: bool = False
    #: The apps' status: argv0, pid and returncode (None while running).
    apps: list[dict[str, Any]] = field(default_factory=list)
    #: What each of the task's `judge_commands` answered just now, by argv.
    command_results: dict[tuple[str, ...], CommandResult] = field(default_factory=dict)
    #: The accessibility tree as read from AT-SPI, every node (containers too), each with its
    #: ``key``, ``parent``, ``children``, ``role``, ``name``, ``states``, ``box``, ``text``, ``value``.
    nodes: list[dict[str, Any]] = field(default_factory=list)
    #: The tabs of the episode's browser (``title``, ``url``, ``visible``, ``focused``; ``content``,
    #: the page's HTML, for a task whose `reads_page_content`), as the
    #: session read them over the browser's DevTools pipe, for a task whose `reads_browser_tabs`;
    #: None when no browser of the episode answers (or the task did not ask).
    browser_tabs: list[dict[str, Any]] | None = None
    #: Each page of the task's `printed_pages` that could be printed, as a PDF file that exists
    #: while the verdict is made, by the URL the task named.
    printed_pages: dict[str, Path] = field(default_factory=dict)
    #: The output of the final steps' commands that keep it (`RunCommand.keep_output`), by name.
    kept_outputs: dict[str, str] = field(default_factory=dict)

    def path(self, relative: str) -> Path:
        path = (self.home / relative).resolve()
        if not path.is_relative_to(self.home.resolve()):
            raise ValueError(f"{relative!r} is outside the episode's HOME")
        return path

    def read_text(self, relative: str) -> str | None:
        """A file of the episode's HOME as text, or None when it does not exist."""
        try:
            return self.path(relative).read_text(encoding="utf-8", errors="replace")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None

    def texts(self, role: str) -> list[str]:
        """The text or value of every element of this role on screen."""
        return [str(e["value"] or e["text"] or "") for e in self.elements if e["role"] == role]

    def apps_running(self) -> bool:
        return any(a.get("returncode") is None for a in self.apps)


def verdict(success: bool, **raw: Any) -> Evaluation:
    return Evaluation(reward=1.0 if success else 0.0, done=success, success=success, raw=raw)


class Judging(Enum):
    """When the environment asks a task for its verdict.

    ``EVERY_STEP``: after every step; the episode ends as soon as the task is done (early success
    detection). ``AT_END``: once, when the episode ends (the agent's done() or fail(), or the step
    limit), after the task's `final_steps` ran on the live desktop; steps before earn 0 and never
    end the episode. OSWorld judges so: its postconfig saves and closes files before its checks.
    """

    EVERY_STEP = "every_step"
    AT_END = "at_end"


class DesktopTask(ABC):
    """One desktop task family; each `setup(rng)` draws one episode of it."""

    name: str = ""
    action_set: str = "desktop"
    #: Screen size in pixels (width, height).
    screen: tuple[int, int] = (1280, 800)
    #: When the task is judged (see `Judging`).
    judging: Judging = Judging.EVERY_STEP

    @abstractmethod
    def setup(self, rng: random.Random) -> DesktopSetup:
        """Draw an episode: its goal, starting files and apps. Remember what `evaluate` needs."""

    @abstractmethod
    def evaluate(self, outcome: DesktopOutcome) -> Evaluation:
        """Judge the episode from its outcome."""

    def judge_commands(self) -> tuple[tuple[str, ...], ...]:
        """Commands whose output `evaluate` reads (``outcome.command_results``), run in HOME as the
        desktop user before each verdict: what a judge cannot read from files or the screen (OSWorld's
        ``vm_command_line``). Running them as the desktop user, not as the environment's own user,
        keeps what the agent left in HOME from running with more rights than the agent had."""
        return ()

    def reads_browser_tabs(self) -> bool:
        """Whether `evaluate` reads ``outcome.browser_tabs``: only the session reaches the browser's
        DevTools, so they are asked of it before the verdict, only when needed."""
        return False

    def reads_page_content(self) -> bool:
        """Whether `evaluate` reads the tabs' HTML too (each tab's ``content`` in
        ``outcome.browser_tabs``): read only for the tasks that need it, being the larger part."""
        return False

    def printed_pages(self) -> tuple[str, ...]:
        """URLs the judge has printed to PDF before `evaluate` (``outcome.printed_pages``): only
        the session can load a page of the episode (its own network, its HOME), by a headless
        browser of its own that leaves the agent's browser alone."""
        return ()

    def final_steps(self) -> tuple[LiveStep, ...]:
        """Steps run once on the live desktop before a verdict at the end of the episode (only for
        tasks judged `Judging.AT_END`): what the judge needs done first, such as saving a file."""
        return ()
