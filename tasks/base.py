"""What a task is to an environment: it prepares a page, states a goal, and judges the outcome.

A task never talks to the agent. The environment shows the agent the goal and the page; the task's
``evaluate`` may read the page's hidden state (MiniWoB++'s reward variables), which the agent never sees.
"""

from __future__ import annotations

import math
import numbers
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from palaestra.errors import PalaestraError, TaskError

if TYPE_CHECKING:  # only annotations: listing tasks must not import a browser driver
    from playwright.async_api import Page


@dataclass(frozen=True)
class Evaluation:
    """The task's verdict after a step."""

    reward: float = 0.0
    done: bool = False
    success: bool = False
    raw: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Download:
    """A file the episode's pages downloaded: its suggested name (the ``download`` attribute's, or
    the server's ``Content-Disposition``), the URL it came from, and where it was saved for the
    evaluator (``.../N/<suggested_name>``, removed when the episode is retired). ``path`` is None
    when it could not be saved; ``failure`` then says why (it failed, or is still downloading)."""

    suggested_name: str
    url: str
    path: Path | None
    failure: str | None = None


@dataclass
class EpisodeState:
    """What the agent did besides acting on the page, for evaluators that need it."""

    messages: list[str] = field(default_factory=list)
    infeasible: str | None = None
    #: Why the episode ended without an answer ("Reach max steps 30"), when the runner asks for its
    #: verdict anyway (only tasks with ``judge_at_step_limit`` are asked); None in ordinary steps.
    early_stop: str | None = None
    #: The files the episode's pages downloaded so far, in order (browser environments).
    downloads: list[Download] = field(default_factory=list)


@dataclass
class Evidence:
    """What a task needs to judge a finished episode again later, without its agent (``palaestra
    judge``): what the agent answered and where it ended (``record``, plain JSON), the folder of
    the episode's own state (its databases) to snapshot, if it has one, and the network events
    its verdict reads (HAR entries, kept redacted as ``network.har``: ``runs.har``), if any.

    ``saved`` is a folder where that was written already, as a run writes it (an episode served by
    ``palaestra serve``: its server wrote it, `palaestra.server.evidence_wire`); a run keeps its
    files as they are, and ``record`` is then its ``evidence.json``."""

    record: dict[str, Any]
    state: Path | None = None
    network: list[dict[str, Any]] | None = None
    saved: Path | None = None


class ToolRunner(Protocol):
    """What an environment needs from a task's tools (a calculator, a unit converter, a search over
    its manuals), so that environments do not depend on `routing`: `palaestra.routing.TaskTools` is
    the implementation over the API registry, selector and executor. Agents reach it through
    `call_api` and `search_apis`; results appear in the next observation, never as exceptions.
    """

    def describe(self) -> str:
        """The tools for the observation: a listing when there are few, else how to search them."""
        ...

    async def call(self, api: str, arguments: dict[str, Any]) -> dict[str, Any]:
        """Run one call; answer `{"api", "ok", "content" or "error", ...}`, errors included as data."""
        ...

    async def search(self, query: str, k: int) -> dict[str, Any]:
        """The tools that fit `query`, best first, as `{"query", "matches": [...]}`."""
        ...

    async def awarm(self) -> None:
        """Load what the first call would (a search's embedding model) off the event loop. The
        environment awaits it before an episode starts, so that no step pays for it: on a busy
        machine a first load took longer than a whole step's timeout."""
        ...

    def begin_episode(self, episode_id: str | None, feedback: Any = None) -> None:
        """Calls from now on belong to episode `episode_id`; with `feedback` (a routing
        `FeedbackStore`), their outcomes and routes are recorded there under that id."""
        ...


class Task(ABC):
    """One task family; each ``setup(seed)`` starts one episode of it."""

    #: Registered name, such as "miniwob.click-test".
    name: str = ""
    #: Name of the action set agents get (see ``palaestra.envs.actions.ACTION_SETS``).
    action_set: str = "web"
    #: Viewport size in CSS pixels (width, height).
    viewport: tuple[int, int] = (1280, 720)
    #: URL patterns (fnmatch) the page may load; None allows everything.
    allowed_urls: tuple[str, ...] | None = None
    #: Whether ``setup`` touches nothing but its page, so that the environment may start an episode
    #: ahead of its reset, on a page prepared in the background, once it knows the episode's seed.
    #: Leave it False for a task whose setup changes anything shared (a server, a file, a database):
    #: that would happen while the previous episode still runs.
    setup_ahead: bool = False
    #: Whether an episode that ends without the agent's answer (at the step limit, or when the agent
    #: gives up) is still judged, with ``EpisodeState.early_stop`` saying why. WebArena's harness
    #: judges every episode so (its "Early stop: ..." answer), and its official tasks set this to
    #: match the published numbers; elsewhere such an episode is a failure without a verdict.
    judge_at_step_limit: bool = False
    #: Whether the agent's answer (``send_msg_to_user``) ends the episode, as on WebArena, where
    #: ``evaluate`` judges the first step that holds one. The step's actions after the answer then
    #: do not run (they are ``info["actions_not_run"]``), as after ``report_infeasible``: an answer
    #: followed by ``report_infeasible`` in one step met both an answer's reference and an "N/A"
    #: one, and actions after the answer changed the pages its verdict reads.
    ends_at_answer: bool = False

    async def evidence(self, page: Page, state: EpisodeState) -> Evidence | None:
        """What to keep of a finished episode to judge it again later (see ``Evidence``); None for
        tasks whose verdict cannot be reproduced outside their live page (the default)."""
        return None

    def site_origins(self) -> tuple[str, ...]:
        """The base URLs of the task's own sites, when it has several on this machine: ``goto``
        opens this machine's addresses only there and at the start page's origin (other ports are
        the environment server's, the UI's: not the task's). None besides the start page's, the
        default."""
        return ()

    def tools(self) -> ToolRunner | None:
        """The tools this task offers its agents (a calculator, its manuals), or None.

        With tools, the agent's action set gains `call_api` and `search_apis`, and observations gain
        `tools` (what is available) and `tool_results` (what the last step's calls answered).
        """
        return None

    async def warm_up(self) -> None:
        """Start what the task needs once (a server, a build of its data), before the first reset.

        The environment awaits it outside the reset's timeout, since a first build may take minutes.
        """
        return None

    @abstractmethod
    async def prepare(self, page: Page) -> None:
        """Load the task's page. Runs ahead of ``setup``, possibly while the previous episode runs."""

    @abstractmethod
    async def setup(self, page: Page, seed: int) -> str:
        """Start an episode on a prepared page; return the goal in words."""

    @abstractmethod
    async def evaluate(self, page: Page, state: EpisodeState) -> Evaluation:
        """Judge the episode so far."""

    async def shown(self, page: Page) -> None:  # noqa: B027  (optional hook)
        """The episode's first observation is taken and goes to the agent now.

        A task that times the agent starts its clock here, so that the time the environment spent
        observing the page (long on a busy machine) is not counted against the agent.
        """

    async def ended(self, page: Page) -> bool:
        """Whether the episode is over, asked between the actions of one step.

        The environment stops running a step's actions once this says so, so that actions after the
        answer cannot change the verdict (or start another problem on the page). Keep it to one cheap
        round trip, such as reading a done flag; the default says no, and the step's ``evaluate``
        decides once all its actions ran.
        """
        return False


def task_label(task: object) -> str:
    """The task's name and class, as an error about its code names them (``mine.pick`` in
    ``mytasks.PickGreen``): the author finds the code to fix."""
    cls = type(task)
    name = getattr(task, "name", "") or "?"
    return f"`{name}` ({cls.__module__}.{cls.__qualname__})"


#: What the agent's observation says when the task's own code failed: the error itself names the
#: task and may quote its evaluator, which agents never see (it is in ``info["error"]``).
TASK_FAILED_SHOWN = (
    "The episode ends here: the task could not judge it (a fault of the task, not of your actions)."
)


def code_failed(task: object, exc: Exception, method: str = "evaluate") -> TaskError:
    """A task's method that raised, as the episode's error: the exception and where to look."""
    return TaskError(
        f"The task {task_label(task)} failed in its {method}: {type(exc).__name__}: {exc}. "
        f"This is a bug in the task's code, not the agent's doing; fix its {method} and run the "
        "episode again."
    )


@contextmanager
def task_code(task: object, method: str) -> Iterator[None]:
    """Run a task's own method (``setup``, ``ended``, ``evaluate``): what it raises becomes a
    ``TaskError`` naming the task, except the machinery's own failures (Palaestra's errors, a
    browser's), which keep their kinds and their retries."""
    try:
        yield
    except PalaestraError:
        raise
    except Exception as exc:
        from playwright.async_api import Error as PlaywrightError  # a browser's: the machinery's

        if isinstance(exc, PlaywrightError):
            raise
        raise code_failed(task, exc, method) from exc


def checked_verdict(task: object, verdict: object) -> Evaluation:
    """``verdict`` if it is one a run can record: an ``Evaluation`` whose reward is a finite number
    (a bool, a text or NaN would be stored as a reward no one can compare); else a ``TaskError``."""
    if not isinstance(verdict, Evaluation):
        problem = f"returned {type(verdict).__name__} {verdict!r:.80}, not an Evaluation"
    elif isinstance(verdict.reward, bool) or not isinstance(verdict.reward, numbers.Real):
        problem = f"returned a reward of type {type(verdict.reward).__name__} ({verdict.reward!r:.40})"
    elif not math.isfinite(float(verdict.reward)):
        problem = f"returned the reward {verdict.reward}"
    else:
        return verdict
    raise TaskError(
        f"The task {task_label(task)} {problem}. Its evaluate must return "
        "Evaluation(reward=<a finite number>, done=..., success=...)."
    )
