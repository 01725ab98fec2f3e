"""``ComputerUseAgent``: a screenshot-only agent for models that answer with computer-use tool calls.

The model is shown the goal and the screenshot alone (no accessibility tree, no DOM), scaled down to
fit ``max_width`` x ``max_height`` (1280 x 800 by default, what most computer-use models are trained
on), and is offered one function tool, ``computer``, whose arguments are Anthropic's computer-tool
input (``{"action": "left_click", "coordinate": [x, y]}``) or OpenAI's computer-use action
(``{"type": "click", "x": x, "y": y}``), as ``dialect`` says. It runs over any OpenAI-compatible
endpoint: a server that fronts such a model (a proxy, vLLM serving UI-TARS with a tool parser)
passes the calls through as tool-call arguments. `palaestra.agents.computer_use_actions` maps the
points back to the screen and writes the calls in the environment's action set, so the same agent
plays browser tasks and desktop tasks. An answer without a tool call is the model's final answer:
sent to the user (``send_msg_to_user``), then, on the desktop, ``DONE``, which ends and judges the
episode. A call that cannot be played costs a step that waits, and the next prompt says what was
wrong with it (the point's range, the argument missing).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np

from palaestra.agents.base import Agent, AgentStep, TaskInfo
from palaestra.agents.computer_use_actions import ComputerUseActions, ComputerUseError, ScreenScale
from palaestra.agents.generic_prompt import png_part
from palaestra.agents.llm import Model
from palaestra.agents.llm.endpoint_args import EndpointArgs
from palaestra.agents.registry import AgentSpec
from palaestra.envs.obs import Observation
from palaestra.errors import ConfigError

Dialect = Literal["anthropic", "openai"]
_POINT = {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2}


def computer_tool(dialect: Dialect, size: tuple[int, int]) -> dict[str, Any]:
    """The ``computer`` function tool in ``dialect``, for a screenshot of ``size`` (width, height)."""
    screen = f"The screenshot is {size[0]} x {size[1]} pixels; (0, 0) is its top-left corner."
    if dialect == "anthropic":
        actions = [
            "left_click", "right_click", "middle_click", "double_click", "triple_click", "mouse_move",
            "left_click_drag", "left_mouse_down", "left_mouse_up", "scroll", "type", "key",
            "hold_key", "wait", "screenshot",
        ]  # fmt: skip
        properties: dict[str, Any] = {
            "action": {"type": "string", "enum": actions},
            "coordinate": {**_POINT, "description": "[x, y] on the screenshot"},
            "start_coordinate": {**_POINT, "description": "where left_click_drag starts"},
            "text": {
                "type": "string",
                "description": "text to type, keys ('ctrl+s'), or keys held while clicking",
            },
            "scroll_direction": {"type": "string", "enum": ["up", "down", "left", "right"]},
            "scroll_amount": {"type": "integer", "description": "wheel clicks"},
            "duration": {"type": "number", "description": "seconds (wait, hold_key)"},
        }
        required = ["action"]
    else:
        types = ["click", "double_click", "move", "drag", "scroll", "type", "keypress", "wait", "screenshot"]
        properties = {
            "type": {"type": "string", "enum": types},
            "x": {"type": "number"},
            "y": {"type": "number"},
            "button": {"type": "string", "enum": ["left", "right", "wheel"]},
            "path": {"type": "array", "items": {"type": "object"}, "description": "[{x, y}, ...] for drag"},
            "scroll_x": {"type": "number"},
            "scroll_y": {"type": "number"},
            "keys": {"type": "array", "items": {"type": "string"}},
            "text": {"type": "string"},
        }
        required = ["type"]
    return {
        "type": "function",
        "function": {
            "name": "computer",
            "description": f"Use the mouse and keyboard on the screen. {screen}",
            "parameters": {"type": "object", "properties": properties, "required": required},
        },
    }


def scaled(pixels: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The screenshot at ``size`` (width, height), each pixel the nearest of the original's (no
    image library needed; at 1280 x 800 text stays legible)."""
    height, width = pixels.shape[:2]
    if (width, height) == size:
        return pixels
    rows = (np.arange(size[1]) * height // size[1]).astype(np.intp)
    cols = (np.arange(size[0]) * width // size[0]).astype(np.intp)
    return pixels[rows][:, cols]


@dataclass(frozen=True)
class ComputerUseConfig(EndpointArgs):
    """The model's arguments (`EndpointArgs`: prices, cost budget, retries and timeout too), the
    tool dialect it speaks, and the screen it is shown."""

    dialect: Dialect = "anthropic"
    #: The largest screenshot the model is sent; larger screens are scaled down to fit, keeping
    #: their shape, and the model's points scaled back up.
    max_width: int = 1280
    max_height: int = 800
    #: How many of the agent's past actions the prompt repeats.
    history: int = 8

    def __post_init__(self) -> None:
        if self.dialect not in ("anthropic", "openai"):
            raise ConfigError(f"dialect is 'anthropic' or 'openai', got {self.dialect!r}.")
        for name in ("max_width", "max_height"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 64:
                raise ConfigError(f"{name} is a whole number of pixels, at least 64; got {value!r}.")
        self.check_endpoint("computer-use")


class ComputerUseAgent(Agent):
    """Screenshot in, ``computer`` tool calls out (see the module's doc)."""

    name = "computer-use"
    #: So that ``--agent palaestra.agents.computer_use:ComputerUseAgent`` takes ``--agent-arg``s.
    config_cls: ClassVar[type[ComputerUseConfig]] = ComputerUseConfig

    def __init__(self, config: ComputerUseConfig | None = None, *, model: Model | None = None) -> None:
        super().__init__()
        self.config = config or ComputerUseConfig()
        if model is None:
            from palaestra.agents.llm.default import agent_model

            model = agent_model(self.config)
        self.model = model
        self._writer: ComputerUseActions | None = None
        self._notes: list[str] = []  # past actions and what went wrong, for the prompt

    def observation_parts(self) -> frozenset[str]:
        return frozenset({"screenshot"})

    async def areset(self, task: TaskInfo) -> None:
        await super().areset(task)
        self._writer, self._notes = None, []

    async def aact(self, obs: Observation) -> AgentStep:
        assert self.task is not None, "areset first"
        pixels = np.asarray(obs.get("screenshot", ()))
        if pixels.ndim != 3 or 0 in pixels.shape:
            raise ConfigError(
                "The computer-use agent sees the screen only, and this observation has no screenshot: "
                "make the environment with ObsConfig(screenshot=True) (runs switch it on themselves)."
            )
        largest = (self.config.max_width, self.config.max_height)
        scale = ScreenScale.fit((pixels.shape[1], pixels.shape[0]), largest)
        writer = self._writer_for(scale)
        messages = self._messages(obs, scaled(pixels, scale.model), scale.model)
        completion = await self.model.complete(
            messages, tools=[computer_tool(self.config.dialect, scale.model)]
        )
        calls = [c for c in completion.tool_calls if c.name == "computer"]
        step = AgentStep(action="", thoughts=completion.text, messages=[*messages, completion.to_message()])
        step.raw_response = json.dumps([c.arguments for c in calls]) if calls else completion.text
        step.charge(completion)
        if not calls:  # the model's final answer
            step.action = writer.finish(completion.text.strip())
            return step
        try:
            lines = [line for call in calls for line in writer.write(self._arguments(call))]
        except ComputerUseError as exc:
            self._notes.append(f"{step.raw_response} -> not played: {exc}")
            step.action, step.extra["action_error"] = writer.wait(0), str(exc)
            return step
        step.action = "\n".join(lines)
        self._notes.append(step.raw_response)
        return step

    @staticmethod
    def _arguments(call: Any) -> Any:
        if call.error is not None:
            raise ComputerUseError(f"The tool call's arguments are not JSON ({call.error}).")
        return call.arguments

    def _writer_for(self, scale: ScreenScale) -> ComputerUseActions:
        assert self.task is not None
        if self._writer is None or self._writer.scale != scale:
            pointer = self._writer.pointer if self._writer is not None else None
            self._writer = ComputerUseActions(self.task.action_set, scale)
            self._writer.pointer = pointer
        return self._writer

    def _messages(self, obs: Observation, image: np.ndarray, size: tuple[int, int]) -> list[dict[str, Any]]:
        assert self.task is not None
        system = (
            "You operate a computer through the `computer` tool, seeing only screenshots. "
            f"The screenshot is {size[0]} x {size[1]} pixels. Call the tool for the next action; "
            "when the task is done, answer in plain text (the answer, if the task asks a question)."
        )
        past = self._notes[-self.config.history :]
        text = f"Goal: {self.task.goal}"
        if past:
            text += "\nYour last actions:\n" + "\n".join(f"- {n}" for n in past)
        if obs.get("last_action_error"):
            text += f"\nThe last action failed: {obs['last_action_error']}"
        content = [{"type": "text", "text": text}, png_part(image)]
        return [{"role": "system", "content": system}, {"role": "user", "content": content}]


SPEC = AgentSpec(
    "computer-use",
    ComputerUseAgent,
    ComputerUseConfig,
    "Screenshot-only agent for computer-use models (Anthropic's or OpenAI's tool calls)",
)
