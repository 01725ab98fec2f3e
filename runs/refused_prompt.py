"""What a `context_length` episode sent: the prompt the model refused as longer than its window.

Such an episode ends before its step is recorded, so it kept no prompt, and a researcher could not
see what filled the window (the page's text? the history? a system prompt?). The chat client puts
the refused messages on the error (`LLMContextLengthError.prompt`, the agent's last shrink); the run
keeps their sizes in the episode's row (`extra["refused_prompt"]`, small) and the messages
themselves in the trajectory's end line, redacted like every other line, for `palaestra show
--prompts` and the UI's episode page.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

#: About four characters a token: an estimate without the model's tokenizer, which a run may not
#: have (`agents.abstraction.approx_tokens` counts the same way).
CHARS_PER_TOKEN = 4


def estimated_tokens(chars: int) -> int:
    return -(-chars // CHARS_PER_TOKEN)


def _text_and_images(content: Any) -> tuple[str, int, int]:
    """A message's text, its number of images and their data's characters."""
    if isinstance(content, str):
        return content, 0, 0
    if not isinstance(content, list):
        return "" if content is None else str(content), 0, 0
    texts, images, image_chars = [], 0, 0
    for part in content:
        if not isinstance(part, dict):
            continue
        if part.get("type") == "image_url":
            images += 1
            url = part.get("image_url")
            image_chars += len(str(url.get("url", "") if isinstance(url, dict) else url or ""))
        elif isinstance(part.get("text"), str):
            texts.append(part["text"])
    return "\n".join(texts), images, image_chars


def prompt_sizes(messages: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Per message its role, characters of text and estimated tokens (and images, when it has any),
    and the totals: what `show` and the UI say filled the window."""
    parts = []
    for message in messages:
        text, images, _ = _text_and_images(message.get("content"))
        chars = len(text)
        part: dict[str, Any] = {"role": str(message.get("role", "?")), "chars": chars}
        part["tokens_est"] = estimated_tokens(chars)
        if images:
            part["images"] = images
        parts.append(part)
    chars = sum(p["chars"] for p in parts)
    return {"messages": len(parts), "chars": chars, "tokens_est": estimated_tokens(chars), "parts": parts}


def kept_messages(messages: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The messages as the trajectory keeps them: their text whole, an image as a note of its size
    (a data URL would make the end line megabytes long and says nothing read as text)."""
    kept = []
    for message in messages:
        text, images, image_chars = _text_and_images(message.get("content"))
        if images:
            text += f"\n[{images} image(s) sent: {image_chars} characters of data, not kept]"
        kept.append({"role": str(message.get("role", "?")), "content": text})
    return kept


def describe_sizes(sizes: dict[str, Any]) -> str:
    """`3 messages, 48210 characters (~12053 tokens): system 2100 (~525), user 46110 (~11528)`."""
    each = ", ".join(
        f"{p['role']} {p['chars']} (~{p['tokens_est']}{_images(p)})" for p in sizes.get("parts", [])
    )
    return (
        f"{sizes.get('messages', 0)} messages, {sizes.get('chars', 0)} characters "
        f"(~{sizes.get('tokens_est', 0)} tokens): {each}"
    )


def _images(part: dict[str, Any]) -> str:
    return f", {part['images']} image(s)" if part.get("images") else ""
