"""A Palaestra task as an environment whose actions are tool calls: online RL with TRL.

TRL's `GRPOTrainer(environment_factory=...)` trains a model by letting it call an environment's
public methods as tools during generation (one environment instance per rollout, ``reset`` with the
dataset row's columns before each, ``get_reward`` after it). `ToolEnv` is that environment for any
Palaestra task: ``reset(task=..., seed=...)`` starts the episode and answers the goal and the page;
each tool runs one action and answers the page after it (and the action's error, if any);
``get_reward`` is the episode's reward so far. Its subclasses are the tool sets: `WebToolEnv`'s
``click``, ``fill``, ``select_option``, ``press``, ``scroll`` and ``send_message`` for web tasks,
`palaestra.envs.desktop.tool_env.DesktopToolEnv`'s for desktop ones. A tool is a plain method with
typed arguments and a Google-style docstring, which is what TRL (through transformers'
``get_json_schema``) turns into a tool schema; every public method but ``reset`` and ``get_reward``
is one, so the base class has none.

The model sees only what an agent sees: the goal and the page. The task's name and seed are dataset
columns that TRL passes to ``reset``, never shown. Environments in one process share one Chromium
(the synchronous face's background loop); with ``server`` the episodes are played by a
``palaestra serve`` elsewhere (`palaestra.server.remote.RemoteEnv`), so a GPU trainer need not run
browsers.
"""

from __future__ import annotations

import contextlib
import weakref
from typing import Any

from palaestra.config import ConfigError
from palaestra.envs.base import PalaestraEnv, make_env
from palaestra.envs.loop import LoopStopped
from palaestra.envs.obs import ObsConfig, Observation
from palaestra.envs.page_address import where
from palaestra.envs.tool_forms import ToolForm, id_text
from palaestra.errors import check_choice
from palaestra.whole_numbers import whole_number

OVER = "The episode is over (reward {reward:g}): call no more tools."
#: What the model is shown besides the text: nothing, the screenshot, or the screenshot with each
#: element's id drawn over it (set-of-marks, the ids the tools take).
VISIONS = ("none", "screenshot", "som")
#: An answer: text, or with ``vision`` the content parts TRL passes to a vision-language model (an
#: image, then the text).
Reply = str | list[dict[str, Any]]
#: The web tools' call forms, which their action errors show (`palaestra.envs.tool_forms`).
CLICK = ToolForm('click(element_id="12")', {"id": "element_id"})
FILL = ToolForm('fill(element_id="12", text="hello")', {"id": "element_id"})
SELECT_OPTION = ToolForm(
    'select_option(element_id="12", option="Blue")', {"id": "element_id", "options": "option"}
)
PRESS = ToolForm('press(keys="Enter")')
SCROLL = ToolForm("scroll(pixels=300)", {"dy": "pixels"})
SEND_MESSAGE = ToolForm('send_message(text="The answer is 42.")')


def _close_quietly(env: PalaestraEnv) -> None:
    """Close ``env``; at the process's exit, after the background loop stopped (and closed the
    browser with it), there is nothing left to close."""
    with contextlib.suppress(LoopStopped):
        env.close()


class ToolEnv:
    """One episode of a Palaestra task at a time, acted on through a subclass's tools (see the module).

    ``task`` is the task played when ``reset`` names none (a dataset may carry a ``task`` column
    instead); ``max_steps`` ends an episode after that many tool calls (truncated); the page's text
    is cut to ``max_chars`` characters; ``vision`` (one of `VISIONS`) adds the screenshot to every
    answer but the last, as an image part before the text; ``server`` plays the episodes on an
    environment server; ``env_options`` go to the environment (``make_env``), for example
    ``settle_ms``.
    """

    #: What the answers call the observation: a subclass's tools and docstrings name it so too.
    VIEW = "The page"

    def __init__(
        self,
        task: str | None = None,
        *,
        max_steps: int = 10,
        max_chars: int = 6000,
        vision: str = "none",
        server: str | None = None,
        env_options: dict[str, Any] | None = None,
    ) -> None:
        if max_steps < 1 or max_chars < 1:
            raise ConfigError(f"max_steps and max_chars must be 1 or more, got {max_steps} and {max_chars}.")
        check_choice("vision", vision, VISIONS)
        self._default_task, self._server, self._vision = task, server, vision
        self._max_steps, self._max_chars = max_steps, max_chars
        shown = ObsConfig(dom=False, screenshot=vision != "none", som=vision == "som")
        self._options = {"obs_config": shown, **(env_options or {})}
        self._env: PalaestraEnv | None = None
        self._closer: weakref.finalize[Any, Any] | None = None
        self._task: str | None = None
        self._reward, self._steps, self._done = 0.0, 0, False

    def reset(self, task: str | None = None, seed: int | None = None, **columns: Any) -> Reply:
        """Start an episode of ``task`` (or the default one) with ``seed``; other dataset columns
        (TRL passes the whole row, ``prompt`` included) are ignored. Answers the goal and the page,
        which TRL appends to the prompt's last user message."""
        name = task or self._default_task
        if not name:
            raise ConfigError(
                f"{type(self).__name__}.reset needs a task: give the dataset a `task` column (and `seed`), "
                f"or {type(self).__name__}(task='miniwob.click-test')."
            )
        if self._env is None or name != self._task:
            self._close()
            self._env = make_env(name, server=self._server, **self._options)
            self._task = name
            # TRL keeps its instances for the whole run and never closes them: the environment is
            # closed when this instance is collected or the process exits (a server's session would
            # otherwise stay open until its idle timeout and count against its session limit).
            self._closer = weakref.finalize(self, _close_quietly, self._env)
        obs, _ = self._env.reset(seed=None if seed is None else int(seed))
        self._reward, self._steps, self._done = 0.0, 0, False
        return self._reply(f"\n\nGoal: {self._env.goal}\n\n{self.VIEW}:\n{self._page(obs)}", obs)

    def get_reward(self) -> float:
        """The episode's reward so far (TRL calls this once the rollout is over)."""
        return self._reward

    def _act(self, action: str, form: ToolForm | None = None) -> Reply:
        """One step of ``action``, answered with the page after it; the action's error, if any,
        first, told in the calling tool's terms when its ``form`` is given (`ToolForm.told`)."""
        if self._env is None:
            raise ConfigError(
                f"{type(self).__name__}: call reset(task=...) before its tools (TRL does so itself)."
            )
        if self._done:
            return OVER.format(reward=self._reward)
        obs, reward, terminated, truncated, _ = self._env.step(action)
        self._steps += 1
        self._reward += float(reward)
        self._done = terminated or truncated or self._steps >= self._max_steps
        error = str(obs.get("last_action_error") or "")
        if error and form is not None:
            error = form.told(error)
        parts = [f"Error: {error}"] if error else []
        if self._done:
            return "\n\n".join([*parts, OVER.format(reward=self._reward)])
        return self._reply("\n\n".join([*parts, f"{self.VIEW}:\n{self._page(obs)}"]), obs)

    def _reply(self, text: str, obs: Observation) -> Reply:
        """``text``, after the screenshot ``vision`` asks for (as a PIL image, which TRL's
        vision-language path takes) when it asks for one."""
        if self._vision == "none":
            return text
        import numpy as np
        from PIL import Image

        pixels = np.asarray(obs["som_screenshot" if self._vision == "som" else "screenshot"], dtype=np.uint8)
        return [{"type": "image", "image": Image.fromarray(pixels)}, {"type": "text", "text": text}]

    def _page(self, obs: Observation) -> str:
        """The page's address and tabs (as the generic agent shows them: none for a local page),
        then its accessibility tree, cut to ``max_chars``."""
        text = str(obs.get("axtree") or "")
        if len(text) > self._max_chars:
            text = f"{text[: self._max_chars]}\n[... {len(text) - self._max_chars} characters cut]"
        place = where(obs)
        return f"{place}\n{text}" if place else text

    def _close(self) -> None:
        if self._closer is not None:
            self._closer()  # closes the environment, once
        self._env, self._task, self._closer = None, None, None


class WebToolEnv(ToolEnv):
    """A web task's episode through the tools a browser agent needs (element ids as the page's
    text gives them)."""

    def click(self, element_id: str) -> Reply:
        """Click an element of the page.

        Args:
            element_id: The element's id, the number in brackets before it in the page's text.
        """
        return self._act(f"click({id_text(element_id)!r})", CLICK)

    def fill(self, element_id: str, text: str) -> Reply:
        """Replace the text of an input field or text area.

        Args:
            element_id: The field's id, the number in brackets before it in the page's text.
            text: The text to put in the field.
        """
        return self._act(f"fill({id_text(element_id)!r}, {text!r})", FILL)

    def select_option(self, element_id: str, option: str) -> Reply:
        """Choose an option of a drop-down list.

        Args:
            element_id: The list's id, the number in brackets before it in the page's text.
            option: The option's label or value.
        """
        return self._act(f"select_option({id_text(element_id)!r}, {option!r})", SELECT_OPTION)

    def press(self, keys: str) -> Reply:
        """Press a key or a key combination on whatever has the keyboard focus.

        Args:
            keys: The keys, as "Enter", "Tab", "ArrowDown" or "Control+a".
        """
        return self._act(f"keyboard_press({keys!r})", PRESS)

    def scroll(self, pixels: int) -> Reply:
        """Scroll the page down (positive) or up (negative).

        Args:
            pixels: How far to scroll, in pixels.
        """
        return self._act(f"scroll(0, {whole_number(pixels)!r})", SCROLL)

    def send_message(self, text: str) -> Reply:
        """Send the user a message, such as the answer to their question.

        Args:
            text: The message.
        """
        return self._act(f"send_msg_to_user({text!r})", SEND_MESSAGE)
