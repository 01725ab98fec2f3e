"""Request bodies, validated: an unknown or mistyped field is a 422 that names it."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Part = Literal["axtree", "dom", "elements", "screenshot", "som"]
#: `palaestra.envs.obs.VIEWS`: foreign-shaped observations a session can make beside its own.
View = Literal["browsergym", "osworld"]
VIEWS_DESCRIPTION = (
    "views to make with each reset and step, answered as `views: {name: dict}`: browsergym "
    "(BrowserGym's observation dict; web tasks), osworld (OSWorld's; desktop tasks)"
)
ACTION_SET_DESCRIPTION = (
    "the actions the client's agent writes, among those of the task's environment (as `palaestra eval "
    "--action-set`): web or miniwob in a browser, pyautogui or computer_13 on a desktop; absent: the "
    "task's own"
)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CreateSession(Strict):
    """Open a session on any registered task, and (by default) start its first episode."""

    task: str = Field(
        min_length=1, max_length=200, description="a registered task id, e.g. miniwob.click-test"
    )
    seed: int | None = Field(default=None, ge=0, description="seed of the first episode (drawn if absent)")
    parts: list[Part] | None = Field(
        default=None, description="observation parts to compute (default: all but som)"
    )
    screenshots: bool = Field(
        default=False, description="send screenshots inline (base64 PNG) with each step"
    )
    record: bool = Field(default=False, description="write each episode as a trajectory on the server")
    views: list[View] = Field(default_factory=list, description=VIEWS_DESCRIPTION)
    browsergym: bool = Field(
        default=False,
        description='the older way to ask for the browsergym view: as views: ["browsergym"], and '
        "answers carry the dict under browsergym_observation too",
    )
    screenshot_once: bool = Field(
        default=False,
        description="a view's screenshot that is the observation's (sent with screenshots: true) "
        'travels once, as the observation\'s: the view holds "screenshot_from": "observation" in its '
        "place (browsergym; osworld's always does)",
    )
    reset: bool = Field(default=True, description="start the first episode now")
    action_set: str = Field(default="", max_length=40, description=ACTION_SET_DESCRIPTION)


class ResetSession(Strict):
    seed: int | None = Field(default=None, ge=0)
    episode_id: str | None = Field(default=None, max_length=255)


class EarlyStopSession(Strict):
    """End the episode without the agent's answer and have it judged, as WebArena's harness does."""

    reason: str = Field(
        default="The agent stopped without an answer",
        min_length=1,
        max_length=500,
        description='why it ended, e.g. "Reach max steps 30" (the paper column gets "Early stop: <reason>")',
    )


class AgentNote(BaseModel):
    """What the agent said with its action, kept in the trajectory (optional)."""

    model_config = ConfigDict(extra="allow")
    thoughts: str = ""
    messages: list[dict[str, Any]] = Field(default_factory=list)
    raw_response: str = ""


class StepSession(Strict):
    action: str = Field(description="an action string such as click('12'); several calls one per line")
    agent: AgentNote | None = None


class OpenEnvReset(BaseModel):
    """OpenEnv's ResetRequest, plus which task and session (OpenEnv's own HTTP routes are stateless)."""

    model_config = ConfigDict(extra="forbid")
    seed: int | None = Field(default=None, ge=0)
    episode_id: str | None = Field(default=None, max_length=255)
    task: str | None = Field(default=None, min_length=1, max_length=200)
    session_id: str | None = Field(default=None, max_length=64)
    parts: list[Part] | None = None
    screenshots: bool | None = None
    views: list[View] | None = Field(default=None, description=VIEWS_DESCRIPTION)
    record: bool | None = Field(
        default=None,
        description="write each episode as a trajectory on the server (`palaestra serve --trajectories "
        "DIR`); chosen when the reset opens a session",
    )
    action_set: str | None = Field(
        default=None,
        max_length=40,
        description=ACTION_SET_DESCRIPTION + "; chosen when the reset opens a session",
    )


class OpenEnvAction(BaseModel):
    """The action of OpenEnv's step: ``{"action": "click('12')"}`` (``metadata`` is accepted)."""

    model_config = ConfigDict(extra="forbid")
    action: str
    metadata: dict[str, Any] = Field(default_factory=dict)


class OpenEnvStep(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: OpenEnvAction
    session_id: str = Field(max_length=64, description="the session POST /reset answered with")
    timeout_s: float | None = Field(default=None, gt=0)
    request_id: str | None = Field(default=None, max_length=255)
