"""The prompt playground: send a step's (edited) prompt to a model again and parse what it answers.

The model is the one the episode's agent was configured with (its recorded `model` and
`base_url`), unless the person names another; with neither, the default model (the endpoint
`PALAESTRA_LLM_*` names, else the embedded one). The API key comes from the environment
(`PALAESTRA_LLM_API_KEY`), since runs never record keys, and goes only to the endpoint the
environment names: a base URL the person types, or one a shared run recorded, gets no key
(`may_send_environment_key`), or anyone who may use the UI could read the key off their own
server. The answer is read as the step's agent reads its replies (the generic agent: the last
fenced block; otherwise as Synapse does), and then parsed as the environment would, so the
playground shows the action the agent would have taken.

A vision step's prompt is recorded with each image as a stub naming the file its bytes were kept in
(`palaestra.runs.call_images`); the editor shows those stubs, and the server, not the page, puts the
images back (`with_recorded_images`), so the model is sent the images it saw without megabytes of
base64 going through the browser.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from palaestra.agents.generic_prompt import action_of
from palaestra.agents.llm import ChatModel, LLMConfig, LLMError, Model
from palaestra.agents.llm.config import NO_KEY, may_send_environment_key
from palaestra.agents.llm.default import default_model, endpoint_configured
from palaestra.agents.synapse import extract_actions
from palaestra.errors import PalaestraError
from palaestra.runs.call_images import FILE_KEY, RecordedImageError, is_image_part, sent_url
from palaestra.ui.actions import describe_action

ROLES = ("system", "user", "assistant", "tool")

#: Where a recorded image file is, by its name (`episode_view.call_image_path` for the step's episode).
ImagePath = Callable[[str], Path]


class PlaygroundError(PalaestraError, ValueError):
    """A playground request that cannot be sent (no model configured, malformed messages)."""


def check_messages(messages: Any) -> list[dict[str, Any]]:
    """The messages as the chat API takes them, or a PlaygroundError naming what is wrong."""
    if not isinstance(messages, list) or not messages:
        raise PlaygroundError("`messages` must be a non-empty list of {role, content} objects.")
    out = []
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or m.get("role") not in ROLES:
            raise PlaygroundError(f"messages[{i}] needs a role among {', '.join(ROLES)}.")
        content = m.get("content")
        if not isinstance(content, str | list):
            raise PlaygroundError(f"messages[{i}].content must be text (or a list of content parts).")
        out.append({"role": m["role"], "content": content})
    return out


def with_recorded_images(
    messages: list[dict[str, Any]], image_path: ImagePath | None
) -> list[dict[str, Any]]:
    """``messages`` with each image part that names a recorded file (``file``) sent as it was: its
    ``data:`` URL rebuilt from the file, the ``file`` key dropped (the model never saw it). Parts the
    person removed are not there to rebuild; text is sent as edited. A name that is not a file of
    the step's episode folder, or a missing file, is a PlaygroundError naming the part."""
    out = []
    for i, message in enumerate(messages):
        content = message["content"]
        if isinstance(content, list):
            content = [
                _sent_part(p, image_path, f"messages[{i}].content[{j}]") for j, p in enumerate(content)
            ]
        out.append({**message, "content": content})
    return out


def _sent_part(part: Any, image_path: ImagePath | None, where: str) -> Any:
    if not is_image_part(part) or FILE_KEY not in part:
        return part
    if image_path is None:
        raise PlaygroundError(
            f"{where} names the recorded image {part[FILE_KEY]!r}, but the request names no run, episode "
            "and step to read it from. Fix: open the prompt from its step (`p`), or remove the part."
        )
    try:
        url = sent_url(image_path(str(part[FILE_KEY])))
    except RecordedImageError as exc:
        raise PlaygroundError(f"{where}: {exc} Or remove the part to send the prompt without it.") from None
    image = part.get("image_url")
    details = image if isinstance(image, dict) else {}
    return {**{k: v for k, v in part.items() if k != FILE_KEY}, "image_url": {**details, "url": url}}


def choose_model(recorded: Mapping[str, Any], overrides: Mapping[str, Any]) -> Model:
    """The model to ask: the person's choice, else the agent's recorded one, else the default one
    (the endpoint ``PALAESTRA_LLM_*`` names, or the embedded model)."""
    values: dict[str, Any] = {}
    for key in ("model", "base_url"):
        chosen = overrides.get(key) or recorded.get(key)
        if chosen:
            values[key] = str(chosen)
    for key, kind in (("temperature", float), ("max_tokens", int)):
        chosen = overrides.get(key, recorded.get(key))
        if chosen not in (None, ""):
            try:
                values[key] = kind(chosen)
            except (TypeError, ValueError):
                raise PlaygroundError(f"`{key}` must be a number, got {chosen!r}.") from None
    if not may_send_environment_key(values.get("base_url")):  # a person's or a shared run's endpoint
        values["api_key"] = NO_KEY
    try:
        if endpoint_configured() or values.get("model") or values.get("base_url"):
            return ChatModel(LLMConfig.from_env(**values, max_retries=1))  # a person waits: fail fast
        return default_model(**values)
    except LLMError as exc:
        raise PlaygroundError(str(exc)) from None


#: How each agent (by its registered name) takes the action out of a reply, where it differs from Synapse.
_ACTION_READERS: dict[str, Callable[[str], str]] = {"generic": action_of}


def action_reader(agent_name: object) -> Callable[[str], str]:
    """How the agent named ``agent_name`` reads the action out of a reply (Synapse's way by default)."""
    return _ACTION_READERS.get(str(agent_name), extract_actions)


async def send(
    messages: list[dict[str, Any]], model: Model, read_action: Callable[[str], str] = extract_actions
) -> dict[str, Any]:
    """Ask the model once; the answer, the action ``read_action`` takes from it and how that parses."""
    base_url = model.config.base_url if isinstance(model, ChatModel) else None
    started = time.perf_counter()
    try:
        completion = await model.complete(messages)
    except LLMError as exc:
        return {"ok": False, "error": str(exc), "model": model.name, "base_url": base_url}
    finally:
        await model.aclose()
    action = read_action(completion.text)
    return {
        "ok": True,
        "answer": completion.text,
        "action": action,
        "parsed": describe_action(action),
        "tokens_in": completion.input_tokens,
        "tokens_out": completion.output_tokens,
        "cost": completion.cost,
        "latency": time.perf_counter() - started,
        "model": model.name,
        "base_url": base_url,
    }
