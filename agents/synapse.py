"""Synapse: trajectory-as-exemplar prompting with exemplar memory, over any OpenAI-compatible model.

Following Zheng et al., "Synapse: Trajectory-as-Exemplar Prompting with Memory for Computer
Control" (ICLR 2024), and general where its code was narrow:

- State abstraction is task-agnostic (``palaestra.agents.abstraction``), not 20 hand-written
  per-task prompts.
- Exemplars are whole trajectories (task, then state and action at each step), and the model
  continues the current trajectory; one answer may hold several actions, run as one step.
- Exemplars come from memory: the nearest goals, re-ranked on the first page by goal template and
  page make-up (``palaestra.agents.retrieval``, as the memory agent does), from the best family.
- The prompt is fitted to the model's window by measured token counts: exemplars are dropped
  (worst first) before earlier states of the current trajectory, and those before the current
  state is cut.
- The prompt style follows the model (``prompt_style``): a model that continues text gets the
  paper's completion prompt (instructions, exemplars, then the current trajectory ending in
  ``Action:``); a chat-only model gets the same text as a system and a user message.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import time
from dataclasses import dataclass
from typing import Any

from palaestra.agents.abstraction import AbstractionConfig, abstract_state
from palaestra.agents.base import Agent, AgentStep, TaskInfo
from palaestra.agents.checks import require_memory
from palaestra.agents.llm import (
    Completion,
    MiniLMTokenCounter,
    Model,
    TokenCounter,
    check_default_model,
    default_model,
    prompt_style,
)
from palaestra.agents.registry import AgentSpec
from palaestra.agents.retrieval import ExemplarSource, open_exemplar_source, page_signature, rank
from palaestra.envs.actions.parser import strip_code_fence
from palaestra.envs.obs import Observation
from palaestra.errors import ActionError
from palaestra.memory.exemplar import Exemplar, Hit

SYSTEM = """You control a web browser to complete tasks.
{actions}

Each example below is a whole trajectory: the task, then at each step the state (the elements of the
page that matter, as [id] kind "text") and the action taken. Element ids belong to their own page:
in a new page, find the element that plays the same part. Continue the last trajectory: answer with
the next action or actions, one call per line, and nothing else."""
OMITTED = "(earlier state omitted)"
#: Where a completion ends: the model starts the next state (or its element lines), task or example
#: itself. Most telling first: OpenAI's /v1/completions takes four, so ``ChatModel`` sends four.
STOPS = ("\nState:", "\n[", "\nTask:", "\n\n", "\nExample")
#: One action call on a line, as the parser reads it (the parser decides whether it is valid).
CALL = re.compile(r"^[a-z_]+\(.*\)$")


@dataclass(frozen=True)
class SynapseConfig:
    model: str = ""
    base_url: str | None = None
    api_key: str | None = None
    memory: str = ""  # ExemplarMemory directory; empty means no exemplars (zero-shot)
    exemplars: int = 3  # trajectories in the prompt
    retrieve: int = 50  # candidates fetched by goal embedding, then re-ranked on the first page
    temperature: float = 0.0
    max_tokens: int = 256
    context_window: int = 8192
    state_tokens: int = 800
    max_reasks: int = 2
    cache_dir: str | None = None
    budget_tokens: int | None = None
    prompt_style: str = "auto"  # auto (completion when the model has it), chat or completion
    #: Give up (end the episode) after this many times the longest exemplar's steps, plus two:
    #: an episode that long has lost its way, and every further step costs a model call. 0: never.
    give_up_factor: float = 2.0

    def check(self) -> None:
        """A memory, if given, must exist. No model named here or in the environment means the
        embedded LLM (``default_model``), so none is required."""
        require_memory(self.memory, "synapse", required=False)
        if not self.model and not self.base_url:
            check_default_model("synapse")


def render_trajectory(goal: str, steps: list[tuple[str, str]], pending_state: str | None) -> str:
    lines = [f"Task: {goal}"]
    for state, action in steps:
        lines += ["State:", state, f"Action: {action}"]
    if pending_state is not None:
        lines += ["State:", pending_state, "Action:"]
    return "\n".join(lines)


def exemplar_text(exemplar: Exemplar) -> str:
    steps = [(s.get("state", ""), s.get("action", "")) for s in exemplar.trajectory]
    return render_trajectory(exemplar.goal, steps, None)


def extract_actions(reply: str) -> str:
    """The calls in a reply: drop a code fence and an "Action:" label, and stop where the model
    goes on writing the trajectory itself (a new "State:", an element line "[12] ...", a new
    "Action:"). A reply with no call is returned whole, for the parser to say what is wrong."""
    text = strip_code_fence(reply.strip())
    text = text.split("\nState:")[0]
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if lines and lines[0].lower().startswith("action:"):
        lines[0] = lines[0][len("action:") :].strip()
    calls = list(itertools.takewhile(lambda ln: CALL.match(ln) is not None, lines))
    return "\n".join(calls or lines)


class SynapseAgent(Agent):
    name = "synapse"

    def __init__(
        self,
        config: SynapseConfig,
        *,
        model: Model | None = None,
        source: ExemplarSource | None = None,
        counter: TokenCounter | None = None,
    ) -> None:
        super().__init__()
        self.config = config
        if model is None:
            overrides: dict[str, Any] = {
                "temperature": config.temperature, "max_tokens": config.max_tokens,
                "context_window": config.context_window, "cache_dir": config.cache_dir,
                "budget_tokens": config.budget_tokens,
            }  # fmt: skip
            for key in ("model", "base_url", "api_key"):
                if getattr(config, key):
                    overrides[key] = getattr(config, key)
            model = default_model(**overrides)
        self.model = model
        self.style = prompt_style(model, config.prompt_style)
        if source is None:
            source = open_exemplar_source(config.memory)
        self.source = source
        self.counter = counter or MiniLMTokenCounter()
        self.candidates: list[Hit] = []
        self.exemplars: list[Exemplar] = []
        self.steps: list[tuple[str, str]] = []

    async def awarm(self) -> None:
        """A first search and count load the memory's embedding model and the tokenizer."""
        await asyncio.to_thread(self.source.search, "warm up", 1)
        await asyncio.to_thread(self.counter.count, "warm up")

    async def areset(self, task: TaskInfo) -> None:
        await super().areset(task)
        # Off the event loop: embedding the goal takes a while, and the browser shares the loop.
        self.candidates = await asyncio.to_thread(self.source.search, task.goal, self.config.retrieve)
        self.exemplars = []
        self.steps = []

    def choose_exemplars(self, obs: Observation) -> None:
        """On the first page: the best family's exemplars whose goals read most like this one."""
        assert self.task is not None
        ranked = rank(self.task.goal, page_signature(obs), self.candidates)
        self.exemplars = ranked[: self.config.exemplars]

    def build_messages(self, state: str) -> list[dict[str, str]]:
        """System and user messages within the window: exemplars go first, then older states."""
        assert self.task is not None
        system = SYSTEM.format(actions=self.actions_text())
        budget = self.config.context_window - self.config.max_tokens - 64 - self.counter.count(system)
        steps = list(self.steps)
        current = render_trajectory(self.task.goal, steps, state)
        for i in range(len(steps)):  # forget the oldest states first, keep their actions
            if self.counter.count(current) <= budget:
                break
            steps[i] = (OMITTED, steps[i][1])
            current = render_trajectory(self.task.goal, steps, state)
        if self.counter.count(current) > budget:
            words = state.split("\n")
            while (
                words
                and self.counter.count(render_trajectory(self.task.goal, steps, "\n".join(words))) > budget
            ):
                words.pop()
            current = render_trajectory(self.task.goal, steps, "\n".join(words))
        budget -= self.counter.count(current)
        blocks = []
        for exemplar in self.exemplars:
            text = exemplar_text(exemplar)
            cost = self.counter.count(text) + 4
            if cost <= budget:
                blocks.append(text)
                budget -= cost
        blocks.reverse()  # the closest exemplar last, next to the trajectory it should guide
        examples = "".join(f"Example {i + 1}\n{b}\n\n" for i, b in enumerate(blocks))
        # A completion model continues a list best when the current trajectory is its next item.
        header = f"Example {len(blocks) + 1}" if self.style == "completion" else "Now"
        return [
            {"role": "system", "content": system},
            {"role": "user", "content": f"{examples}{header}\n{current}"},
        ]

    def actions_text(self) -> str:
        """The action set for the prompt: described in full for chat models; for completion models,
        whose exemplars show how calls are written, signatures only (a third of the tokens)."""
        assert self.task is not None
        actions = self.task.action_set
        if self.style == "chat":
            return actions.describe()
        return "Actions: " + ", ".join(cls.signature() for cls in actions.actions.values())

    async def _ask(self, messages: list[dict[str, Any]]) -> Completion:
        """One answer in the model's style: chat messages, or their text continued from ``Action:``."""
        if self.style == "chat":
            return await self.model.complete(messages)
        return await self.model.complete_text(
            completion_prompt(messages), stop=STOPS, max_tokens=self.config.max_tokens
        )

    async def aact(self, obs: Observation) -> AgentStep:
        assert self.task is not None, "reset() before act()"
        if not self.steps:
            self.choose_exemplars(obs)
        longest = max((len(e.trajectory) for e in self.exemplars), default=0)
        if (
            self.config.give_up_factor
            and longest
            and len(self.steps) >= self.config.give_up_factor * longest + 2
        ):
            step = AgentStep(action="noop(0)", stop=True, extra={"gave_up": f"{len(self.steps)} steps"})
            self.history.append(step)
            return step
        state = abstract_state(
            obs, AbstractionConfig(max_tokens=self.config.state_tokens), self.counter.count
        ).text
        state = with_tools(state, obs, first_step=not self.steps)
        messages: list[dict[str, Any]] = list(self.build_messages(state))
        step = AgentStep(action="noop(0)")
        started = time.perf_counter()
        for attempt in range(self.config.max_reasks + 1):
            completion = await self._ask(messages)
            step.tokens_in += completion.input_tokens
            step.tokens_out += completion.output_tokens
            step.cost += completion.cost
            step.raw_response = completion.text
            action = extract_actions(completion.text)
            try:
                self.task.action_set.parse(action)
            except ActionError as exc:
                step.extra.setdefault("parse_errors", []).append(str(exc))
                if attempt == self.config.max_reasks:
                    break
                messages += [
                    {"role": "assistant", "content": completion.text},
                    {"role": "user", "content": f"That is not a valid action: {exc} Answer with calls only."},
                ]
                continue
            step.action = action
            break
        step.messages, step.latency = messages, time.perf_counter() - started
        step.extra["exemplars"] = [e.goal for e in self.exemplars]
        self.steps.append((state, step.action))
        self.history.append(step)
        return step

    async def aclose(self) -> None:
        await self.model.aclose()


def completion_prompt(messages: list[dict[str, Any]]) -> str:
    """The chat messages as one text ending in ``Action:``: instructions, exemplars and the current
    trajectory, then each re-ask as the rejected answer and why, for the model to try again."""
    system, user, *reasks = (str(m["content"]) for m in messages)
    prompt = f"{system}\n\n{user}"
    for answer, complaint in zip(reasks[::2], reasks[1::2], strict=False):
        prompt += f" {answer.strip()}\n{complaint}\nAction:"
    return prompt


def with_tools(state: str, obs: Observation, first_step: bool) -> str:
    """Add what the task's tools offer (on the first step) and what they just answered."""
    parts = [state]
    if first_step and obs.get("tools"):
        parts.append(obs["tools"])
    if obs.get("tool_results"):
        parts.append("Tool results:\n" + obs["tool_results"])
    return "\n".join(parts)


SPEC = AgentSpec("synapse", SynapseAgent, SynapseConfig, "Synapse: trajectory-as-exemplar prompting")
