"""The generic agent's whole prompt, estimated before it is sent, against the model's window.

`obs_tokens` caps the observation alone. With a model of a small window (8k), the system text, goal,
history and an image beside a capped observation can still be longer than the window, and the
first request of the episode was refused before the agent sent it again shorter. Given the window
(`context_window`), the agent estimates the whole prompt and cuts the observation (then the history)
until it fits, before anything is sent; the refusal and refit remain for what the estimate misses.

The estimate is the larger of the token counter's count and a tokenizer-free one (four characters
a token): MiniLM's WordPiece, the default counter, counts fewer tokens than chat models' BPE on
some text (long identifiers, URLs, markup), and an estimate that errs long costs a little
observation where one that errs short costs a refused request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Count = Callable[[str], int]
#: The messages for an observation budget and a number of past actions shown, and the
#: observation's text as shown.
Compose = Callable[[int, int], tuple[list[dict[str, Any]], str]]
#: Rounds of cutting a prompt to the window: each re-measures what the cut left; two or three
#: suffice, the rest is for an estimate the observation alone cannot absorb.
FIT_ROUNDS = 6
#: Tokens a chat message costs beyond its text (its role and separators), as OpenAI counts them.
MESSAGE_TOKENS = 4
#: What an image is taken to cost (OpenAI's figures for a 1280 x 720 screenshot: 85 tokens at
#: "low", about 1,100 tiled at "high"; "auto" is taken as "high", the larger).
IMAGE_TOKENS = {"low": 85, "high": 1105, "auto": 1105}


def estimate(text: str, count: Count) -> int:
    """Tokens of ``text``: the counter's count or a quarter of its characters, whichever is more."""
    return max(count(text), (len(text) + 3) // 4) if text else 0


def prompt_estimate(messages: list[dict[str, Any]], count: Count) -> int:
    """Tokens of a chat request's messages: their texts, images and per-message overhead."""
    total = 0
    for message in messages:
        total += MESSAGE_TOKENS
        content = message.get("content")
        if isinstance(content, str):
            total += estimate(content, count)
            continue
        for part in content or []:
            if part.get("type") == "text":
                total += estimate(str(part.get("text", "")), count)
            elif part.get("type") == "image_url":
                total += IMAGE_TOKENS.get(str((part.get("image_url") or {}).get("detail", "auto")), 1105)
    return total


def smaller_budget(observed: str, over: int, count: Count) -> int:
    """An observation budget (in the counter's tokens) that takes ``over`` estimated tokens off what
    was shown, in proportion; 0 when the observation alone cannot give that much."""
    shown = estimate(observed, count)
    if shown <= over:
        return 0
    return max(1, count(observed) * (shown - over) // shown - 1)


def fitted_to_window(
    compose: Compose, budget: int, shown: int, room: int, count: Count
) -> list[dict[str, Any]]:
    """The messages ``compose`` makes, cut until their estimate is within ``room`` tokens (0: no
    limit): the observation first, then the history (the last action and its error always stay).
    What cannot be cut enough is sent as it is, for the model's refusal and the refit to handle."""
    for _ in range(FIT_ROUNDS):
        messages, observed = compose(budget, shown)
        over = prompt_estimate(messages, count) - room if room > 0 else 0
        if over <= 0:
            break
        budget = smaller_budget(observed, over, count)
        if not budget:  # the observation cannot give enough: history too, the observation least
            budget, shown = 1, shown and max(1, shown >> 1)
    return messages
