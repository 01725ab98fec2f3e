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
- With a model that decodes under a grammar (the embedded one, llama.cpp servers), elements are
  named by what they say rather than by id (``click([button Yes])``, ``palaestra.agents.element_refs``)
  and the answer is constrained to calls over the current page's elements: a small model then
  copies the goal's words instead of looking up ids, and every answer parses.
"""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

from palaestra.agents.abstraction import AbstractionConfig, abstract_state
from palaestra.agents.base import Agent, AgentStep, TaskInfo
from palaestra.agents.element_refs import (
    RefState,
    action_grammar,
    from_refs,
    refer_state,
)
from palaestra.agents.llm import (
    Completion,
    LLMContextLengthError,
    MiniLMTokenCounter,
    Model,
    TokenCounter,
    agent_model,
    prompt_style,
)
from palaestra.agents.registry import AgentSpec
from palaestra.agents.retrieval import ExemplarSource, open_exemplar_source, page_signature, rank
from palaestra.agents.synapse_config import SynapseConfig
from palaestra.agents.synapse_prompt import (
    OMITTED,
    STOPS,
    SYSTEM,
    SYSTEM_REFS,
    completion_prompt,
    exemplar_steps,
    exemplar_text,
    extract_actions,
    render_trajectory,
    turn_messages,
    until_repeated,
    with_tools,
)
from palaestra.envs.obs import Observation
from palaestra.errors import ActionError
from palaestra.memory.exemplar import Exemplar, Hit

#: Times a prompt the model refused as past its window is fitted again to a window a quarter
#: smaller than what was sent, in an episode, before the episode ends as `context_length`.
CONTEXT_SHRINKS = 3


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
            model = agent_model(config, context_window=config.context_window)
        self.model = model
        #: Synapse's own layout for chat models: each step a user turn, each action an assistant turn.
        self.turns = config.prompt_style == "turns"
        self.style = prompt_style(model, "chat" if self.turns else config.prompt_style)
        #: Answers decoded under a grammar over the page's elements (text prompts only).
        self.constrained = self.style == "completion" and model.capabilities.grammar
        self.refs = config.refer_by == "text" or (config.refer_by == "auto" and self.constrained)
        if source is None:
            source = open_exemplar_source(config.memory)
        self.source = source
        self.counter = counter or MiniLMTokenCounter()
        self.candidates: list[Hit] = []
        self.exemplars: list[Exemplar] = []
        self.exemplar_texts: list[str] = []
        self.exemplar_steps: list[list[tuple[str, str]]] = []
        self.steps: list[tuple[str, str]] = []
        #: The window prompts are fitted to: `context_window`, until the model refuses a prompt as
        #: too long (our token counts are estimates of its tokenizer's), then smaller.
        self.window = config.context_window
        self.shrinks = 0

    async def awarm(self) -> None:
        """A first search and count load the memory's embedding model and the tokenizer."""
        await asyncio.to_thread(self.source.search, "warm up", 1)
        await asyncio.to_thread(self.counter.count, "warm up")

    async def areset(self, task: TaskInfo) -> None:
        await super().areset(task)
        # Off the event loop: embedding the goal takes a while, and the browser shares the loop.
        self.candidates = await asyncio.to_thread(self.source.search, task.goal, self.config.retrieve)
        self.exemplars = []
        self.exemplar_texts = []
        self.exemplar_steps = []
        self.steps = []
        self.window, self.shrinks = self.config.context_window, 0

    def choose_exemplars(self, obs: Observation) -> None:
        """On the first page: the best family's exemplars whose goals read most like this one."""
        assert self.task is not None
        ranked = rank(self.task.goal, page_signature(obs), self.candidates)
        self.exemplars = ranked[: self.config.exemplars]
        refs_for = self.task.action_set if self.refs else None
        self.exemplar_texts = [exemplar_text(e, refs_for) for e in self.exemplars]
        self.exemplar_steps = [exemplar_steps(e, refs_for) for e in self.exemplars]

    def build_messages(self, state: str) -> list[dict[str, str]]:
        """System and user messages within the window: exemplars go first, then older states (with
        ``turns``, the same exemplars and states as Synapse's chat turns)."""
        assert self.task is not None
        system = (SYSTEM_REFS if self.refs else SYSTEM).format(actions=self.actions_text())
        if self.turns:  # the turns call a state an observation, as Synapse's code does
            system = system.replace("at each step the state (", "at each step the observation (")
        budget = self.window - self.config.max_tokens - 64 - self.counter.count(system)
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
            state = "\n".join(words)
            current = render_trajectory(self.task.goal, steps, state)
        budget -= self.counter.count(current)
        blocks, kept = [], []
        for index, text in enumerate(self.exemplar_texts):
            cost = self.counter.count(text) + 4
            if cost <= budget:
                blocks.append(text)
                kept.append(index)
                budget -= cost
        blocks.reverse()  # the closest exemplar last, next to the trajectory it should guide
        if self.turns:
            shown = [(self.exemplars[i].goal, self.exemplar_steps[i]) for i in reversed(kept)]
            return [
                {"role": "system", "content": system},
                *turn_messages(shown, self.task.goal, steps, state),
            ]
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

    def grammar(self, state: RefState, obs: Observation) -> str | None:
        """Calls over the page's elements, of the actions the exemplars use (all when none), not
        starting with the last step's single call when that ran without error."""
        if not (self.refs and self.constrained):
            return None
        assert self.task is not None
        used = re.findall(r"^Action: ([a-z_]+)\(|^([a-z_]+)\(", "\n".join(self.exemplar_texts), re.M)
        names = sorted({a or b for a, b in used} & set(self.task.action_set.actions))
        last = self.steps[-1][1] if self.steps and not obs.get("last_action_error") else None
        return action_grammar(state, self.task.action_set, names or None, avoid=last)

    async def _ask(self, messages: list[dict[str, Any]], grammar: str | None = None) -> Completion:
        """One answer in the model's style: chat messages, or their text continued from ``Action:``."""
        if self.style == "chat":
            return await self.model.complete(messages)
        return await self.model.complete_text(
            completion_prompt(messages), stop=STOPS, max_tokens=self.config.max_tokens, grammar=grammar
        )

    async def _ask_fitted(
        self, messages: list[dict[str, Any]], state: str, grammar: str | None, step: AgentStep
    ) -> tuple[list[dict[str, Any]], Completion]:
        """The answer, and the messages it answered: a prompt refused as past the model's window is
        fitted again to three quarters of what it measured, up to `CONTEXT_SHRINKS` times."""
        while True:
            try:
                return messages, await self._ask(messages, grammar)
            except LLMContextLengthError:
                if self.shrinks == CONTEXT_SHRINKS:
                    raise  # the run records the episode as `context_length`, with the fix
                sent = sum(self.counter.count(str(m.get("content") or "")) for m in messages)
                self.window = min(self.window, sent + self.config.max_tokens + 64) * 3 // 4
                self.shrinks += 1
                step.extra["context_shrinks"] = step.extra.get("context_shrinks", 0) + 1
                messages = list(self.build_messages(state))

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
        refs = refer_state(state) if self.refs else None
        if refs is not None:
            state = refs.text
        grammar = self.grammar(refs, obs) if refs is not None else None
        messages: list[dict[str, Any]] = list(self.build_messages(state))
        step = AgentStep(action="noop(0)")
        started = time.perf_counter()
        for attempt in range(self.config.max_reasks + 1):
            messages, completion = await self._ask_fitted(messages, state, grammar, step)
            step.charge(completion)
            step.raw_response = completion.text
            shown = extract_actions(completion.text)
            if self.constrained:  # a small model under a grammar may loop: stop at a repeated call
                shown = until_repeated(shown)
            action = from_refs(shown, refs) if refs is not None else shown
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
            step.extra["shown_action"] = shown
            break
        step.messages, step.latency = messages, time.perf_counter() - started
        # How the messages went out (`completion`: as one text, `completion_prompt(messages)`), so
        # that `palaestra export` writes the prompt as the model got it.
        step.extra["prompt_style"] = "turns" if self.turns else self.style
        # Goals to read, ids to look the exemplars up (`palaestra memory show`, the UI) or remove them.
        step.extra["exemplars"] = [e.goal for e in self.exemplars]
        step.extra["exemplar_ids"] = [e.id for e in self.exemplars]
        self.steps.append((state, step.extra.get("shown_action", step.action)))
        self.history.append(step)
        return step

    async def aclose(self) -> None:
        await self.model.aclose()


SPEC = AgentSpec("synapse", SynapseAgent, SynapseConfig, "Synapse: trajectory-as-exemplar prompting")
