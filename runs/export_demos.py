"""Demonstrations as an LLM agent's model calls (`palaestra export --as-agent generic|synapse`).

An episode played by an agent that asks no model (the oracle, the memory agent, a person in the
UI, a replay) has no prompt to export. To teach a model to *be* an LLM agent, each recorded step is
played through that agent's own code: the agent is given the episode's goal and, step by step, the
observation recorded whole (`obs-NNN.json.gz`), and its model is one that answers with the recorded
action written in the agent's answer format. The prompt is then exactly what the agent would
have sent on that page, after those actions: the system text, the page as it renders it, its own
history with the errors the environment reported.

What cannot be rebuilt is said, not guessed: images (a demonstration's steps sent none; the run
keeps their JPEG screenshots, not the PNG a vision agent would send, and no set-of-marks picture),
so ``vision`` must be ``none``; Synapse's exemplars come from
its memory only when ``memory=DIR`` is given (zero-shot otherwise, as Synapse without a memory);
an action the agent's answer format cannot express (Synapse naming elements by text) is left out.
The agent is told what any episode tells it, the goal and the action set, never the task's name,
whoever recorded the demonstration (the privileged oracle too).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from palaestra.agents.base import Agent, TaskInfo
from palaestra.agents.llm import Completion, Model
from palaestra.agents.llm.model import Capabilities
from palaestra.config import ConfigError, build_config
from palaestra.envs.actions import ActionSet, get_action_set
from palaestra.envs.obs import Observation
from palaestra.errors import PalaestraError, check_choice
from palaestra.runs.export_source import ExportEpisode
from palaestra.runs.observations import load_observation, record_name

#: The agents whose prompts demonstrations can be rendered through.
RENDERERS = ("generic", "synapse")


@dataclass
class Rendered:
    """One demonstration step as the agent's model call: what it sent, and the answer."""

    step: dict[str, Any]
    messages: list[dict[str, Any]]
    answer: str
    style: str


class RecordedAction(Model):
    """A model whose answer is the demonstration's next action in the agent's answer format, and
    which keeps the prompt it was given."""

    name = "demonstration"
    capabilities = Capabilities(chat=True, completion=True)

    def __init__(self) -> None:
        self.answer = ""
        self.prompt: str | None = None

    async def complete(self, messages: Any, tools: Any = None, tool_choice: Any = None) -> Completion:
        return Completion(text=self.answer, model=self.name)

    async def complete_text(self, prompt: str, **_: Any) -> Completion:
        self.prompt = prompt
        return Completion(text=self.answer, model=self.name)

    async def aclose(self) -> None:
        return None


@dataclass
class DemoRenderer:
    """Renders demonstrations through agent ``name`` configured with ``args`` (its `--agent-arg`s)."""

    name: str
    args: Mapping[str, str] = field(default_factory=dict)
    fmt: str = "messages"

    def __post_init__(self) -> None:
        check_choice("--as-agent", self.name, RENDERERS)
        defaults: dict[str, Any] = {}
        if self.name == "generic":
            defaults |= {"parse_retries": 0, "cot": False}  # a demonstration holds no reasoning
        else:  # Synapse: a chat prompt for messages rows, its completion prompt for prompt-completion
            defaults |= {"max_reasks": 0, "prompt_style": "completion" if self.fmt != "messages" else "chat"}
        from palaestra.agents.registry import get_agent_spec

        spec = get_agent_spec(self.name)
        self.config = build_config(
            spec.config_cls, {**defaults, **self.args}, where=f"--as-agent {self.name}"
        )
        if getattr(self.config, "vision", "none") != "none":
            raise ConfigError(
                "--as-agent generic with vision: the run keeps JPEG screenshots, not the images an agent "
                "sends (nor set-of-marks pictures), so they cannot be rebuilt. Fix: leave vision out."
            )
        if getattr(self.config, "refer_by", "") == "text":
            raise ConfigError(
                "--as-agent synapse with refer_by=text: recorded actions name elements by id, which that "
                "answer format cannot say. Fix: leave refer_by out (ids)."
            )

    def _agent(self, model: RecordedAction) -> Agent:
        if self.name == "generic":
            from palaestra.agents.generic import GenericAgent

            return GenericAgent(self.config, model=model)
        from palaestra.agents.retrieval import open_exemplar_source
        from palaestra.agents.synapse import SynapseAgent

        return SynapseAgent(self.config, model=model, source=open_exemplar_source(self.config.memory))

    def answer(self, action: str, thoughts: str, agent: Agent) -> str:
        """The recorded action as the agent's model would write it."""
        if self.name == "generic":
            fenced = f"```\n{action}\n```"
            return f"{thoughts.strip()}\n{fenced}" if thoughts.strip() and self.config.cot else fenced
        style = getattr(agent, "style", "chat")
        if getattr(agent, "turns", False):
            return f"```\n{action}\n```"
        return f" {action}" if style == "completion" else action

    async def render(
        self, episode: ExportEpisode, steps: Sequence[dict[str, Any]], skip: Callable[[str, int], None]
    ) -> list[Rendered]:
        """The model calls of ``steps`` (the episode's, in order); a step that cannot be rendered is
        reported to ``skip(reason)`` and ends the episode's rendering (later prompts would show a
        history that did not happen)."""
        assert episode.trajectory is not None
        model = RecordedAction()
        agent = self._agent(model)
        action_set = task_action_set(episode)
        out: list[Rendered] = []
        try:
            await agent.areset(TaskInfo(episode.goal, action_set, suite=episode.task.partition(".")[0]))
            for number, step in enumerate(steps):
                obs = recorded_observation(episode, step)
                if obs is None:
                    skip("no observation record (obs-NNN.json.gz) to render", len(steps) - number)
                    break
                action = str(step.get("action") or "")
                model.answer, model.prompt = self.answer(action, str(step.get("thoughts") or ""), agent), None
                taken = await agent.aact(obs)
                if taken.action.strip() != action.strip():
                    skip(f"action not expressible in {self.name}'s answers", len(steps) - number)
                    break
                style = "completion" if model.prompt is not None else "chat"
                out.append(Rendered(step, list(taken.messages), model.answer, style))
        finally:
            await agent.aclose()
        return out


def recorded_observation(episode: ExportEpisode, step: dict[str, Any]) -> Observation | None:
    """The observation step ``step`` acted on, as recorded whole (None when it was not)."""
    assert episode.trajectory is not None
    path = episode.trajectory.file(record_name(str(step.get("observation") or "")))
    if path is None:
        return None
    try:
        record = load_observation(path)
    except ValueError:
        return None
    record.pop("format", None)
    return record  # type: ignore[return-value]


def task_action_set(episode: ExportEpisode) -> ActionSet:
    """The action set the episode's agent wrote: the run's `--action-set`, else the task's own."""
    if episode.action_set:
        return get_action_set(episode.action_set)
    from palaestra.tasks.registry import get_task_spec, resolve

    try:
        spec = get_task_spec(episode.task)
    except PalaestraError:  # a task this installation does not know (a loose trajectory): the web actions
        return get_action_set("web")
    own = getattr(resolve(spec.factory, f"task `{spec.name}`"), "action_set", None)
    if not isinstance(own, str):
        own = spec.make().action_set
    return get_action_set(own)
