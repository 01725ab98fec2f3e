"""OSWorld's own ``PromptAgent`` as a Palaestra agent (`osworld-prompt`), run in OSWorld's venv.

`OSWorldPrompt` is the agent's process (``osworld_driver.py`` under that venv's Python, which
``scripts/setup`` makes), kept for an episode's steps since the agent remembers its trajectory,
and reset between episodes with the agent's own ``reset()``, as OSWorld's loop does. It is given
OSWorld's observation dict (`palaestra.envs.desktop.osworld_compat`: the screen as PNG, OSWorld's
accessibility-tree XML), which runs hand an agent asking for the ``osworld`` view
(`Agent.see_views`: made in-process, or by the environment server's session with ``--env-server``).

`OSWorldPromptAgent` plays its answers as OSWorld's loop does: each of the answer's actions is one
step, and the model is asked again once they are played. An answer with no action is sent as an
empty action, so the environment says so in ``last_action_error``. As in OSWorld's loop, the run's
``--max-steps`` counts answers, not actions (`palaestra.runs.step_count`; ``step_limit_counts``).

Any model behind an OpenAI-compatible endpoint (vLLM, Ollama, llama.cpp...) runs under its own
name: the driver routes every name through OSWorld's OpenAI branch (``route_every_model_to_openai``).
That branch sends whatever the observation type holds, so whether the model reads images is decided
here, from what the endpoint is declared to serve (the LLM layer's `declared_capabilities`:
``capabilities``, else ``PALAESTRA_LLM_CAPABILITIES``): an observation type that sends the screen
to a model declared without ``images`` is refused before the run starts, as OSWorld's own branches
for text-only families refuse it (their ``pure_text_settings``), rather than every request failing.

OSWorld's agent reports no token counts: its driver reads them from the ``usage`` of the responses
the agent received, and they are priced (``price_*_per_mtok``) and charged to the run's budget as
a `ChatModel`'s are.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from palaestra.agents.base import STEP_UNITS, Agent, AgentStep, TaskInfo
from palaestra.agents.checks import require_model_capabilities
from palaestra.agents.foreign.osworld_driver import azure_refusal
from palaestra.agents.foreign.process import (
    NO_KEY,
    VENVS,
    SideProcess,
    Spending,
    endpoint,
    side_env,
    venv_python,
)
from palaestra.agents.pricing import check_own_cost_budget
from palaestra.agents.registry import AgentSpec
from palaestra.errors import ConfigError, check_choice
from palaestra.server.view_wire import osworld_json

DRIVER = Path(__file__).resolve().parent / "osworld_driver.py"
VENV = "venv-osworld"
OBSERVATION_TYPES = ("screenshot", "a11y_tree", "screenshot_a11y_tree", "som")
#: The observation types OSWorld's PromptAgent sends the screen with, as an image: all but the tree's.
IMAGE_TYPES = ("screenshot", "screenshot_a11y_tree", "som")
#: OSWorld's action spaces, by the name of our desktop action set that parses each.
ACTION_SPACES = {"pyautogui": "desktop", "computer_13": "computer_13"}
#: desktop-env releases whose PromptAgent cannot be built with computer_13: its constructor's
#: ``str.format`` trips on the JSON braces of its computer_13 prompts (`osworld_driver`).
COMPUTER_13_BROKEN = frozenset({"1.0.2"})
#: The line OSWorld's set-of-marks agent puts before its code for each mark: ``tag_3=(640, 400)``.
MARK_LINE = re.compile(r"^tag_(\d+)=\((-?\d+), (-?\d+)\)$")
MARK_NAME = re.compile(r"\btag_(\d+)\b")


def resolve_marks(code: str) -> str:
    """OSWorld's ``som`` code with its ``tag_N=(x, y)`` lines taken out and each ``tag_N`` written
    as the ``x, y`` it names, as the Python OSWorld runs would read it: our parser takes literal
    calls only (``pyautogui.click(tag_3)`` becomes ``pyautogui.click(640, 400)``). A name no line
    defines is left, and the environment's parse error names it."""
    marks: dict[str, str] = {}
    rest: list[str] = []
    for line in code.split("\n"):
        found = MARK_LINE.match(line.strip())
        if found and not rest:
            marks[found[1]] = f"{found[2]}, {found[3]}"
        else:
            rest.append(line)
    if not marks:
        return code
    return MARK_NAME.sub(lambda m: marks.get(m[1], m[0]), "\n".join(rest))


def linearize(xml: str, platform: str = "ubuntu") -> str:
    """OSWorld's ``linearize_accessibility_tree`` of ``xml``: the table its agents prompt with."""
    import subprocess

    done = subprocess.run(
        [str(venv_python(VENV)), str(DRIVER), "--linearize", "--platform", platform],
        input=xml, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"OSWorld's linearize_accessibility_tree failed:\n{done.stderr}")
    return str(json.loads(done.stdout)["table"])


class OSWorldPrompt:
    """``PromptAgent(model, observation_type, action_space, platform, max_tokens, temperature)`` in
    its own process, given ``env`` (the model's ``OPENAI_BASE_URL`` and ``OPENAI_API_KEY``), over
    `side_env`'s variables (``PATH``...). Without a key (or an empty one) it gets `NO_KEY`, which a local
    server ignores: OSWorld's agent reads ``OPENAI_API_KEY`` on every call, and without one each
    call failed and each answer was silently empty."""

    def __init__(
        self,
        env: Mapping[str, str],
        *,
        model: str = "gpt-4o",
        observation_type: str = "a11y_tree",
        action_space: str = "pyautogui",
        platform: str = "ubuntu",
        max_tokens: int = 1500,
        temperature: float = 0.5,
        start_timeout: float = 120.0,
        answer_timeout: float = 300.0,
    ) -> None:
        options = ["--model", model, "--observation-type", observation_type, "--action-space", action_space]
        options += [
            "--platform",
            platform,
            "--max-tokens",
            str(max_tokens),
            "--temperature",
            str(temperature),
        ]
        self.answer_timeout = answer_timeout
        #: The model calls of the last `predict` and their tokens, from the responses' ``usage``.
        self.last_usage: dict[str, int] = {}
        #: The last `predict`'s failed model calls in words (HTTP status and the server's answer).
        self.last_errors: list[str] = []
        #: The messages the last `predict` sent its model (its last request's), images and all.
        self.last_messages: list[dict[str, Any]] = []
        self.process = SideProcess(
            "OSWorld's PromptAgent",
            [str(venv_python(VENV)), str(DRIVER), *options],
            side_env({**env, "OPENAI_API_KEY": env.get("OPENAI_API_KEY") or NO_KEY}),
        )
        self.process.wait_ready(start_timeout)

    def predict(self, instruction: str, obs: Mapping[str, Any]) -> tuple[str, list[Any] | None]:
        """The agent's response and actions for one OSWorld-shaped observation."""
        sent = osworld_json(obs)  # the screen's PNG as base64, as the environment server sends it
        answer = self.process.ask({"instruction": instruction, "obs": sent}, self.answer_timeout)
        usage = dict(answer.get("usage") or {})
        self.last_errors = [str(e) for e in usage.pop("errors", None) or []]
        self.last_usage = usage
        self.last_messages = list(answer.get("messages") or [])
        return str(answer.get("response") or ""), answer.get("actions")

    def reset(self) -> None:
        """Forget the trajectory (a new episode)."""
        self.process.ask({"reset": True}, self.answer_timeout)

    def close(self) -> None:
        self.process.close()

    def __enter__(self) -> OSWorldPrompt:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


@dataclass(frozen=True)
class OSWorldPromptConfig:
    #: Any name the server at ``base_url`` serves: it is sent as is, through OSWorld's gpt branch
    #: (the driver's `route_every_model_to_openai`); ``azure-gpt-4o*`` is refused (Azure's branch).
    model: str = "gpt-4o"
    base_url: str | None = None  # else PALAESTRA_LLM_BASE_URL / OPENAI_BASE_URL
    api_key: str | None = None  # else PALAESTRA_LLM_API_KEY / OPENAI_API_KEY; never recorded
    observation_type: str = "a11y_tree"
    #: What the endpoint serves, as the LLM layer declares it (``chat,tools,images``; None: from
    #: PALAESTRA_LLM_CAPABILITIES, else its default, which has images). Without ``images`` only
    #: ``a11y_tree`` is taken: every other observation type sends the screen as an image.
    capabilities: str | None = None
    #: Must be the run's desktop action set: pyautogui (the default) or computer_13 (with
    #: `--action-set computer_13`; desktop-env 1.0.2's agent cannot start with it, see the driver).
    action_space: str = "pyautogui"
    max_tokens: int = 1500
    temperature: float = 0.5
    platform: str = "ubuntu"
    #: The model's prices (per million tokens), for the step's cost; budgets as a ChatModel's.
    price_input_per_mtok: float = 0.0
    price_output_per_mtok: float = 0.0
    budget_tokens: int | None = None
    budget_cost: float | None = None
    #: Seconds for the process to import OSWorld's agent, and for one answer (the model's call included).
    start_timeout: float = 120.0
    answer_timeout: float = 300.0
    #: What the run's ``--max-steps`` counts: ``answers`` (OSWorld's loop: that many predictions,
    #: each one's actions all played; what OSWorld's published numbers mean), or ``actions``.
    step_limit_counts: str = "answers"

    def check(self) -> None:
        check_choice("osworld-prompt: step_limit_counts", self.step_limit_counts, STEP_UNITS)
        check_own_cost_budget("osworld-prompt", self)
        check_choice("osworld-prompt: observation_type", self.observation_type, OBSERVATION_TYPES)
        check_choice("osworld-prompt: action_space", self.action_space, tuple(ACTION_SPACES))
        if self.observation_type == "som" and self.action_space != "pyautogui":
            raise ConfigError(
                "osworld-prompt: observation_type=som writes PyAutoGUI code on its marks only (OSWorld's "
                "PromptAgent refuses som with computer_13). Fix: --agent-arg action_space=pyautogui."
            )
        version = installed_desktop_env()
        if self.action_space == "computer_13" and version in COMPUTER_13_BROKEN:
            raise ConfigError(  # before the run: else each of its episodes fails alike at the agent's start
                f"osworld-prompt: action_space=computer_13 cannot start with OSWorld's desktop-env {version} "
                "(its PromptAgent fails formatting its own computer_13 prompts, in OSWorld's harness too). "
                "Fix: --agent-arg action_space=pyautogui, without --action-set computer_13."
            )
        if not self.model.strip():
            raise ConfigError(
                "osworld-prompt: model is empty. Fix: --agent-arg model=NAME, the name your "
                "OpenAI-compatible server serves (gpt-4o, Qwen/Qwen2.5-7B-Instruct, llama3.1...)."
            )
        refused = azure_refusal(self.model)
        if refused is not None:
            raise ConfigError(f"osworld-prompt: {refused}")
        needed = {"chat": ("OSWorld's agent asks for chat completions", "a model with /v1/chat/completions")}
        if self.observation_type in IMAGE_TYPES:
            why = f"observation_type={self.observation_type} sends the screen as an image"
            needed["images"] = (why, "--agent-arg observation_type=a11y_tree (the accessibility tree, text)")
        require_model_capabilities("osworld-prompt", self.capabilities, needed)


def installed_desktop_env() -> str | None:
    """The version of desktop-env in OSWorld's venv (its dist-info folder's name); None without one."""
    found = sorted(VENVS.glob(f"{VENV}/lib/python3*/site-packages/desktop_env-*.dist-info"))
    return found[-1].name.removeprefix("desktop_env-").removesuffix(".dist-info") if found else None


class OSWorldPromptAgent(Agent):
    """OSWorld's ``PromptAgent`` asked each step (see the module doc)."""

    name = "osworld-prompt"

    def __init__(self, config: OSWorldPromptConfig) -> None:
        super().__init__()
        config.check()
        self.config = config
        self.step_limit_counts = "answers" if config.step_limit_counts == "answers" else "actions"
        self.prompt: OSWorldPrompt | None = None
        self.view: dict[str, Any] = {}
        self.queued: deque[str] = deque()
        self.spending = Spending(config.budget_tokens, config.budget_cost)

    def observation_parts(self) -> frozenset[str]:
        return frozenset({"osworld"})

    def see_views(self, views: Mapping[str, Any]) -> None:
        self.view = dict(views.get("osworld") or {})

    async def awarm(self) -> None:
        """OSWorld's agent imports (seconds) before the first episode's clock."""
        await asyncio.to_thread(self._started)

    def _started(self) -> OSWorldPrompt:
        if self.prompt is None:
            c = self.config
            url, key = endpoint(c.base_url, c.api_key)
            self.prompt = OSWorldPrompt(
                side_env({"OPENAI_BASE_URL": url, "OPENAI_API_KEY": key}),
                model=c.model, observation_type=c.observation_type, action_space=c.action_space,
                platform=c.platform, max_tokens=c.max_tokens, temperature=c.temperature,
                start_timeout=c.start_timeout, answer_timeout=c.answer_timeout,
            )  # fmt: skip
        return self.prompt

    async def areset(self, task: TaskInfo) -> None:
        await super().areset(task)
        wanted = ACTION_SPACES[self.config.action_space]
        if task.action_set.name != wanted:
            raise ConfigError(
                f"osworld-prompt: action_space={self.config.action_space} writes what the action set "
                f"{wanted!r} parses, and this run's environment takes {task.action_set.name!r}. Fix: run a "
                f"desktop suite with --action-set {self.config.action_space}, or pass "
                "--agent-arg action_space="
                + ("pyautogui" if wanted == "computer_13" else "computer_13")
                + "."
            )
        self.queued.clear()
        prompt = self.prompt
        if prompt is not None and not prompt.process.alive:  # it failed the last episode: a new one
            await self.aclose()
            prompt = None
        if prompt is None:
            await asyncio.to_thread(self._started)
        else:
            await asyncio.to_thread(prompt.reset)

    async def aact(self, obs: Any) -> AgentStep:
        assert self.task is not None, "reset() before act()"
        if self.queued:  # the rest of the last answer, one step each as OSWorld's loop plays them
            action = self.queued.popleft()
            step = AgentStep(action=action, answer_continues=bool(self.queued), extra={"queued": True})
        else:
            if not self.view:
                raise ConfigError(
                    "osworld-prompt was not handed OSWorld's observation (the run's `osworld` view)."
                )
            prompt = self._started()
            self.spending.check()
            response, actions = await asyncio.to_thread(prompt.predict, self.task.goal, self.view)
            own = [a if isinstance(a, str) else json.dumps(a) for a in actions or []]
            played = [resolve_marks(a) for a in own] if self.config.observation_type == "som" else own
            step = AgentStep(
                action=played[0] if played else "", thoughts=response, raw_response=response,
                answer_continues=len(played) > 1, messages=prompt.last_messages,
            )  # fmt: skip
            self._account(step, prompt.last_usage)
            if prompt.last_errors:  # why the answer may be empty: OSWorld's agent only logs it
                step.extra["model_errors"] = prompt.last_errors
            step.extra["actions"] = played
            if played != own:  # the agent's own code, its marks by name
                step.extra["osworld_actions"] = own
            self.queued.extend(played[1:])
        self.history.append(step)
        return step

    def _account(self, step: AgentStep, usage: Mapping[str, int]) -> None:
        """The step's tokens and cost, from what the agent's model calls reported; charged."""
        c = self.config
        step.tokens_in = int(usage.get("prompt_tokens") or 0)
        step.tokens_out = int(usage.get("completion_tokens") or 0)
        priced = step.tokens_in * c.price_input_per_mtok + step.tokens_out * c.price_output_per_mtok
        step.cost = priced / 1e6
        step.extra["model_calls"] = int(usage.get("calls") or 0)
        self.spending.charge(step.tokens_in, step.tokens_out, step.cost)

    async def aclose(self) -> None:
        prompt, self.prompt = self.prompt, None
        if prompt is not None:
            await asyncio.to_thread(prompt.close)


SPEC = AgentSpec(
    "osworld-prompt", OSWorldPromptAgent, OSWorldPromptConfig, "OSWorld's own PromptAgent, in its venv"
)
