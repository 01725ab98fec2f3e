"""The rows `palaestra export` writes, one per model call or per step, in the shapes trainers read.

- ``messages``: TRL's conversational format, ``{"messages": [..., {"role": "assistant", ...}]}``,
  the conversation the agent sent and the answer it got back, word for word;
- ``prompt-completion``: TRL's ``{"prompt", "completion"}``: a text prompt when the agent sent one
  text (Synapse with a completion model), else the conversational form (a list of messages, and
  the answer as one assistant message), never chat messages flattened into a text nobody sent;
- a call that sent images (a vision agent's) is written in TRL's vision-language form: each
  message's content a list of text and ``{"type": "image"}`` parts, the images in ``file_names``
  (`runs.export_images`); with ``--no-images`` it is written as text, its images counted;
- ``steps``: offline RL and behaviour cloning: the goal, the observation text the agent saw, the
  action, what it led to, and the index of the next observation; and the screenshot the step acted
  on in ``file_name`` (`runs.export_images`), unless ``--no-images`` or the run kept none.

Every row also carries provenance keys that trainers ignore and users filter on: ``task``,
``seed``, ``step``, ``agent``, ``run``, ``model``, ``reward``, ``success``, ``episode_success``.
"""

from __future__ import annotations

from typing import Any

from palaestra.agents.synapse_prompt import completion_prompt
from palaestra.runs.export_cli import FORMATS
from palaestra.runs.export_images import IMAGES_KEY, ImageSink, text_parts, vision_messages
from palaestra.runs.export_source import ExportEpisode

__all__ = ["FORMATS", "call_row", "recorded_style", "step_row", "without_answer", "without_local_path"]

#: How a ``file://`` address is shown to a policy, as the generic agent shows it (`agents.generic`).
LOCAL_PAGE = "url: (a local page)"


def provenance(episode: ExportEpisode, step: dict[str, Any]) -> dict[str, Any]:
    """Where a row comes from and how it went: the step's reward and success, the episode's verdict."""
    return {
        "task": episode.task, "seed": episode.seed, "step": step.get("index"), "agent": episode.agent,
        "agent_name": episode.agent_name, "run": episode.run, "model": episode.model,
        "reward": float(step.get("reward") or 0.0), "success": bool(step.get("success")),
        "episode_success": episode.success, "episode_reward": episode.reward, "outcome": episode.outcome,
        "action": str(step.get("action") or ""), "action_error": str(step.get("error") or ""),
    }  # fmt: skip


def text_messages(messages: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    """The messages with their image parts left out, a content of text parts only joined into one
    string, and how many images were left out."""
    out, dropped = [], 0
    for message in messages:
        content = message.get("content")
        if isinstance(content, list):
            texts = [
                str(p.get("text", "")) for p in content if isinstance(p, dict) and p.get("type") == "text"
            ]
            dropped += sum(1 for p in content if isinstance(p, dict) and p.get("type") == "image_url")
            content = "\n".join(texts)
        out.append({"role": message.get("role", "user"), "content": content})
    return out, dropped


def call_row(
    fmt: str, episode: ExportEpisode, step: dict[str, Any], messages: list[dict[str, Any]], answer: str,
    *, style: str = "chat", sink: ImageSink | None = None,
) -> dict[str, Any]:  # fmt: skip
    """One model call as a ``messages`` or ``prompt-completion`` row. ``style`` is how the prompt was
    sent: ``completion`` (one text, Synapse's `completion_prompt`) or chat messages. With ``sink``,
    a call whose images the run kept is a vision-language row, its images copied into ``sink``."""
    if sink is not None and style != "completion":
        shown, paths, missing = vision_messages(messages, episode.folder, sink, episode.step_name(step))
        if paths:
            return _vision_row(fmt, episode, step, shown, paths, missing, answer)
    sent, images = text_messages(messages)
    row: dict[str, Any]
    if fmt == "messages":
        row = {"messages": [*sent, {"role": "assistant", "content": answer}]}
    elif style == "completion":
        row = {"prompt": completion_prompt(sent), "completion": answer}
    else:
        row = {"prompt": sent, "completion": [{"role": "assistant", "content": answer}]}
    return _call_details(row, episode, step, sent, images)


def _vision_row(
    fmt: str, episode: ExportEpisode, step: dict[str, Any], shown: list[dict[str, Any]], paths: list[str],
    missing: int, answer: str,
) -> dict[str, Any]:  # fmt: skip
    reply = {"role": "assistant", "content": text_parts(answer)}
    row: dict[str, Any] = {"messages": [*shown, reply]} if fmt == "messages" else {"prompt": shown}
    if fmt != "messages":
        row["completion"] = [reply]
    row[IMAGES_KEY] = paths
    return _call_details(row, episode, step, shown, missing)


def _call_details(
    row: dict[str, Any], episode: ExportEpisode, step: dict[str, Any], sent: list[dict[str, Any]],
    dropped: int,
) -> dict[str, Any]:  # fmt: skip
    """The provenance and the call's own keys: tokens, re-asks, images left out."""
    row.update(provenance(episode, step))
    row["tokens_in"], row["tokens_out"] = int(step.get("tokens_in") or 0), int(step.get("tokens_out") or 0)
    extra = step.get("extra")
    asked_again = extra.get("parse_errors") if isinstance(extra, dict) else None
    if isinstance(asked_again, list) and asked_again:
        # Answers that did not parse were asked again: the conversation holds them, and the re-asks.
        row["reasks"] = min(len(asked_again), sum(1 for m in sent if m["role"] == "assistant"))
    if dropped:
        row["images_dropped"] = dropped
    return row


def without_answer(messages: list[dict[str, Any]], answer: str) -> list[dict[str, Any]]:
    """The messages that were sent: an agent that records its chat with the answer at its end
    (AgentLab's ``chat_messages``) would otherwise have the answer twice in its row."""
    last = messages[-1] if messages else {}
    content = last.get("content")
    if isinstance(content, list):
        content = "\n".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    if last.get("role") == "assistant" and answer and content == answer:
        return messages[:-1]
    return messages


def recorded_style(step: dict[str, Any]) -> str:
    """How a recorded step's prompt went out (Synapse says so in its notes; others send chat)."""
    extra = step.get("extra")
    style = extra.get("prompt_style") if isinstance(extra, dict) else None
    return str(style or "chat")


def step_row(
    episode: ExportEpisode, step: dict[str, Any], observation: str, final_observation: str = ""
) -> dict[str, Any]:
    """One step for offline RL: the observation the action was chosen on, the action and its outcome.

    ``final_observation`` is the page after the episode's last step, on that step's row only ("" on
    the others): no row holds it as its observation, and a value learner bootstraps from it when the
    episode was truncated (the step limit) rather than ended."""
    index = int(step.get("index") or 0)
    return {
        "goal": episode.goal, "observation": without_local_path(observation),
        "action": str(step.get("action") or ""),
        "reward": float(step.get("reward") or 0.0), "terminated": bool(step.get("terminated")),
        "truncated": bool(step.get("truncated")), "next_observation_index": index + 1,
        "final_observation": without_local_path(final_observation),
        **provenance(episode, step),
    }  # fmt: skip


def without_local_path(observation: str) -> str:
    """The observation text with a ``file://`` address (its ``url:`` line) shown as a local page.

    The address is a path on the machine that recorded the run (``/.../miniwob/click-test.html``):
    it names a MiniWoB++ page's task, which a policy must not be trained to read, and a folder that
    differs on the machine it will be evaluated on. The generic agent hides it from its model too.
    """
    lines = observation.split("\n")
    return "\n".join(LOCAL_PAGE if line.startswith("url: file:") else line for line in lines)
