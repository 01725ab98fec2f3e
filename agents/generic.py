"""The generic chat agent: the baseline of AgentLab (its ``GenericAgent``) and WebArena (its CoT
``PromptAgent``), over any OpenAI-compatible model.

Each step it sends one conversation: a system message with the action set's own description (a
browser's actions, or the desktop's PyAutoGUI or computer_13 sets) and the reply format, then a
user message with the goal, the observation as text (the accessibility tree by default) cut to a
token budget around the focused element, the agent's last actions with the errors the environment
reported for them, and optionally the screenshot or the set-of-marks screenshot as an image. The
model reasons, then writes the action in a fenced block, which the environment's own parser reads
(nothing of the reply is run). A reply that does not parse is asked again with the parser's error;
when the re-asks run out, the step is sent as it is, so the environment records the error in
``last_action_error`` and the model sees it in its history next step.

It asks for the observation parts it reads (``observation_parts``): ``palaestra eval`` switches them
on when it makes the environment, so ``--agent-arg vision=som`` needs nothing else.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from palaestra.agents.base import Agent, AgentStep, TaskInfo
from palaestra.agents.checks import (
    require_key_for_default_endpoint,
    require_model_capabilities,
    require_reachable_endpoint,
)
from palaestra.agents.generic_prompt import (
    IMAGE_DETAILS,
    JUST_ACT,
    OBSERVATIONS,
    REASK,
    THINK,
    VISIONS,
    PastAction,
    action_of,
    fit,
    has_images,
    history_text,
    page_text,
    reasoning_of,
    system_text,
    vision_parts,
)
from palaestra.agents.generic_window import fitted_to_window
from palaestra.agents.llm import (
    Completion,
    LLMAuthError,
    LLMCapabilityError,
    LLMContextLengthError,
    LLMRequestError,
    Model,
    TokenCounter,
    agent_model,
    check_default_model,
    default_token_counter,
    endpoint_configured,
)
from palaestra.agents.llm.endpoint_args import EndpointArgs
from palaestra.agents.registry import AgentSpec
from palaestra.config import ConfigError
from palaestra.envs.obs import Observation
from palaestra.envs.page_address import where
from palaestra.errors import ActionError, check_choice

#: How many times a prompt the model refused as longer than its window is halved (observation and
#: history) and sent again, in an episode, before the episode ends as `context_length`.
CONTEXT_SHRINKS = 3


@dataclass(frozen=True)
class GenericConfig(EndpointArgs):
    """The model's arguments (`EndpointArgs`, ``max_tokens`` leaving room for the reasoning as
    well as the action), and how the page and the history are put to it."""

    #: How the page is shown: "axtree", "text" (its controls and texts, one a line) or "abstract"
    #: (only what the goal points at, as Synapse sees it).
    observation: str = "axtree"
    #: The observation's budget in tokens; a longer one keeps the lines around the focused element.
    #: 0: no limit.
    obs_tokens: int = 6000
    #: The model's window in tokens: the whole prompt is cut to leave `max_tokens` of it for the
    #: answer before it is sent. 0: not known (only `obs_tokens` cuts; a refused prompt is sent
    #: again shorter).
    context_window: int = 0
    #: How many of the agent's last actions (with their errors) the prompt shows.
    history: int = 10
    #: Ask for step-by-step reasoning before the action (chain of thought).
    cot: bool = True
    #: Re-asks of a reply that is not an action, each with the parser's error.
    parse_retries: int = 2
    #: "none", "screenshot" (the observation's screenshot as an image) or "som" (the set-of-marks
    #: screenshot, and its list of marks as text).
    vision: str = "none"
    #: How closely the model looks at the image: "auto" (the server's default), "low" (85 tokens an
    #: image at OpenAI) or "high" (OpenAI's ``detail``).
    image_detail: str = "auto"

    def check(self) -> None:
        """Choices are known ones; images need a model that reads them, and the embedded one does not."""
        check_choice("generic: observation", self.observation, OBSERVATIONS)
        check_choice("generic: vision", self.vision, VISIONS)
        check_choice("generic: image_detail", self.image_detail, IMAGE_DETAILS)
        self.check_endpoint("generic")
        for name in ("obs_tokens", "history", "parse_retries", "context_window"):
            if getattr(self, name) < 0:
                raise ConfigError(f"generic: {name} must be 0 or more, got {getattr(self, name)}.")
        if 0 < self.context_window <= self.max_tokens:
            raise ConfigError(
                f"generic: context_window={self.context_window} leaves no room for a prompt beside "
                f"max_tokens={self.max_tokens} (the answer's room). Fix: the model's real window, or a "
                "smaller max_tokens."
            )
        endpoint = bool(self.model or self.base_url or endpoint_configured())
        if self.vision != "none" and not endpoint:
            raise ConfigError(
                f"generic: vision={self.vision} sends images, and the embedded model reads text only. "
                "Fix: pass --agent-arg model=NAME (and base_url=http://HOST/v1) of a model that reads "
                "images, or export PALAESTRA_LLM_MODEL=NAME, or leave vision=none."
            )
        if not endpoint:
            check_default_model("generic")
        else:
            if self.vision != "none":  # what the endpoint is declared to serve, as its ChatModel reads it
                needed = {"images": (f"vision={self.vision} sends images", "--agent-arg vision=none")}
                require_model_capabilities("generic", None, needed, declare="PALAESTRA_LLM_CAPABILITIES=")
            require_key_for_default_endpoint(self.base_url, self.api_key, "generic")
            require_reachable_endpoint(self.base_url, "generic")


class GenericAgent(Agent):
    name = "generic"

    def __init__(
        self, config: GenericConfig, *, model: Model | None = None, counter: TokenCounter | None = None
    ) -> None:
        super().__init__()
        check_choice("generic: observation", config.observation, OBSERVATIONS)
        check_choice("generic: vision", config.vision, VISIONS)
        check_choice("generic: image_detail", config.image_detail, IMAGE_DETAILS)
        self.config = config
        self.model = model or agent_model(config)
        self.counter = counter or default_token_counter()
        self.past: list[PastAction] = []
        #: How many times this episode's prompts were halved to fit the model's window: later steps
        #: start there, rather than be refused again.
        self.shrink = 0

    def observation_parts(self) -> frozenset[str]:
        """The text it reads, and the pixels its ``vision`` sends."""
        parts = {"axtree"} if self.config.observation == "axtree" else {"axtree", "elements"}
        if self.config.vision != "none":
            parts.add(self.config.vision)
        return frozenset(parts)

    async def awarm(self) -> None:
        """The token counter's tokenizer loads here, before the first episode's clock."""
        await asyncio.to_thread(self.counter.count, "warm up")

    async def areset(self, task: TaskInfo) -> None:
        await super().areset(task)
        self.past, self.shrink = [], 0

    def build_messages(self, obs: Observation, shrink: int = 0) -> list[dict[str, Any]]:
        """The system message and this step's user message (text, then the image if any). Each
        ``shrink`` halves the observation (its budget, or its measured size when that is less) and
        the history shown, after the model refused a prompt longer than its window. Given the
        model's ``context_window``, the observation (then the history) is cut until the whole
        prompt's estimate leaves ``max_tokens`` for the answer (`agents.generic_window`)."""
        config, count = self.config, self.counter.count
        page = page_text(obs, config.observation, count)
        budget = config.obs_tokens
        if shrink:  # half of what was sent: the budget, or the page when that is shorter
            size = count(page)
            budget = max(1, min(budget or size, size) >> shrink)
        shown = config.history and max(1, config.history >> shrink)  # the last error always stays
        room = config.context_window - config.max_tokens if config.context_window else 0
        return fitted_to_window(lambda b, h: self._compose(obs, page, b, h), budget, shown, room, count)

    def _compose(
        self, obs: Observation, page: str, budget: int, shown: int
    ) -> tuple[list[dict[str, Any]], str]:
        """The messages with the observation within ``budget`` tokens and ``shown`` past actions,
        and the observation's text as shown (page and marks)."""
        assert self.task is not None
        config = self.config
        focus = obs.get("focused_element", "")
        page = fit(page, budget, self.counter.count, focus=focus)
        marks, images = vision_parts(obs, config.vision, config.image_detail)
        marks = fit(marks, budget, self.counter.count, focus, "list of marks")  # a line a control
        sections = [("Goal", self.task.goal)]
        sections += [("Page", location)] if (location := where(obs)) else []
        sections += [("Focused window", obs["focused_window"])] if obs.get("focused_window") else []
        sections.append(("Observation", page or "(empty)"))
        sections += [("Set-of-marks (the numbered boxes of the image)", marks)] if marks else []
        sections += [("Tools", obs["tools"])] if obs.get("tools") else []
        sections += [("Tool results", obs["tool_results"])] if obs.get("tool_results") else []
        past = history_text(self.past, shown)
        sections.append(("Your past actions", past or "(none yet: this is the first step)"))
        sections.append(("Next", THINK if config.cot else JUST_ACT))
        text = "\n\n".join(f"# {title}\n{body}" for title, body in sections)
        content: str | list[dict[str, Any]] = [{"type": "text", "text": text}, *images] if images else text
        messages: list[dict[str, Any]] = [
            {"role": "system", "content": system_text(self.task.action_set)},
            {"role": "user", "content": content},
        ]
        return messages, f"{page}\n{marks}"

    async def aact(self, obs: Observation) -> AgentStep:
        assert self.task is not None, "reset() before act()"
        if self.past:  # what the environment said of the last action
            self.past[-1].error = obs.get("last_action_error", "")
        step = AgentStep(action="")
        started = time.perf_counter()
        for shrink in range(self.shrink, CONTEXT_SHRINKS + 1):
            messages = self.build_messages(obs, shrink)
            try:
                await self._answer(messages, step)
                self.shrink = shrink
                break
            except LLMContextLengthError:
                if shrink == CONTEXT_SHRINKS:
                    raise  # the run records the episode as `context_length`, with the fix
                step.extra["context_shrinks"] = step.extra.get("context_shrinks", 0) + 1
        # The messages as sent, images and all: a run writes each image beside the episode once and
        # records its file's name (`palaestra.runs.call_images`), so the call can be exported whole.
        step.messages, step.latency = messages, time.perf_counter() - started
        self.past.append(PastAction(step.action))
        self.history.append(step)
        return step

    async def _answer(self, messages: list[dict[str, Any]], step: AgentStep) -> None:
        """Ask until the reply parses as an action (or the re-asks run out), into ``step``."""
        assert self.task is not None
        for attempt in range(self.config.parse_retries + 1):
            completion = await self._ask(messages)
            step.charge(completion)
            step.raw_response = completion.text
            step.action, step.thoughts = action_of(completion.text), reasoning_of(completion.text)
            try:
                self.task.action_set.parse(step.action)
            except ActionError as exc:
                step.extra.setdefault("parse_errors", []).append(str(exc))
                if attempt < self.config.parse_retries:
                    messages += [
                        {"role": "assistant", "content": completion.text},
                        {"role": "user", "content": REASK.format(error=exc)},
                    ]
                continue
            break

    async def _ask(self, messages: list[dict[str, Any]]) -> Completion:
        """One chat answer; a request with an image that the model refuses fails the episode, saying so."""
        try:
            return await self.model.complete(messages)
        except LLMRequestError as exc:
            if not has_images(messages) or isinstance(
                exc, LLMCapabilityError | LLMAuthError | LLMContextLengthError
            ):
                raise  # a refused key, or a prompt too long, is not a refused image
            raise LLMCapabilityError(
                f"The model `{self.model.name}` refused a request holding an image ({exc}). Fix: choose a "
                f"model that reads images (--agent-arg model=NAME), or pass --agent-arg vision=none.",
                status=exc.status,
            ) from exc

    async def aclose(self) -> None:
        await self.model.aclose()


SPEC = AgentSpec("generic", GenericAgent, GenericConfig, "Generic chat agent (AgentLab / WebArena baseline)")
