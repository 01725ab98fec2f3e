"""What the generic agent sends and reads: the system text, the observation as text within a budget,
its own past actions with their errors, the screenshot as an image part, and the action in a reply.

Kept apart from the agent (``palaestra.agents.generic``) so each piece can be read and tested on its
own; the renderers of the page are the ones Synapse uses (``page_tree``, ``page_text``,
``abstraction``), not new ones.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from palaestra.agents.abstraction import AbstractionConfig, abstract_state
from palaestra.agents.page_text import describe, is_interactive
from palaestra.agents.page_tree import Page, candidates
from palaestra.config import ConfigError
from palaestra.envs.actions.action_set import ActionSet
from palaestra.envs.desktop.parse import code_blocks
from palaestra.envs.obs import Observation
from palaestra.errors import ActionError

Count = Callable[[str], int]
#: How the page is shown: the accessibility tree, the page's controls and texts one a line, or
#: only those the goal points at (Synapse's state abstraction).
OBSERVATIONS = ("axtree", "text", "abstract")
#: What the model is shown of the pixels, if anything.
VISIONS = ("none", "screenshot", "som")
#: How closely the model looks at the image (OpenAI's ``detail``): "auto" sends none (the server's
#: default); "low" is one 512 x 512 view, 85 tokens at OpenAI's prices whatever the screen's size, where
#: "high" tiles a 1280 x 720 screenshot into six 512 px tiles, about 1,100 tokens.
IMAGE_DETAILS = ("auto", "low", "high")
#: Tokens kept back from the observation's budget for the lines that say what was cut.
MARKER_TOKENS = 24

SYSTEM = """You operate a computer to complete a user's task. Each turn you are shown the goal, what \
is on the screen now, and the actions you took so far with the errors they raised; you answer with \
the next action.

{actions}

Answer with your reasoning first, then the action: one fenced code block, the last thing in your \
answer, holding only the call or calls, for example:
```
{example}
```"""
THINK = (
    "Think step by step: what the screen shows, what is left to do for the goal, and which action "
    "does it next. Then write that action in a fenced code block."
)
JUST_ACT = "Write the next action in a fenced code block."
REASK = (
    "Your answer could not be read as an action: {error}\nAnswer again, ending with the action in "
    "one fenced code block."
)


@dataclass
class PastAction:
    """One action the agent sent, and the error the environment reported for it ("" for none)."""

    action: str
    error: str = ""


def system_text(action_set: ActionSet) -> str:
    """The instructions: the action set's own description and the reply format, with the first
    action's example as the sample block (a desktop set's is a PyAutoGUI call, a browser's a click)."""
    examples = [cls.example for cls in action_set.actions.values() if getattr(cls, "example", "")]
    return SYSTEM.format(actions=action_set.describe(), example=examples[0] if examples else "noop()")


def page_text(obs: Observation, kind: str, count: Count) -> str:
    """The observation as text, as ``kind`` (one of ``OBSERVATIONS``) says."""
    if kind == "axtree":
        return obs.get("axtree", "")
    if kind == "abstract":
        return abstract_state(obs, AbstractionConfig(max_tokens=10**9), count).text
    page = Page.of(obs)
    found = candidates(page)
    shown = {el["id"] for el in found.controls} | {el["id"] for el in found.texts}
    return "\n".join(
        describe(el, 200, interactive=is_interactive(el)) for el in page.elements if el["id"] in shown
    )


def fit(text: str, budget: int, count: Count, focus: str = "", what: str = "observation") -> str:
    """``text`` within ``budget`` tokens, whole lines around the line of element ``focus`` (the top
    when there is none), with a line above and below saying how much was cut. 0: no limit."""
    if budget <= 0 or count(text) <= budget:
        return text
    lines = text.split("\n")
    costs = [count(line) + 1 for line in lines]
    tag = f"[{focus}]"
    centre = next((i for i, line in enumerate(lines) if focus and tag in line), 0)
    room = max(1, budget - MARKER_TOKENS)
    if costs[centre] > room:  # one line longer than the budget: its start, by characters
        share = max(1, len(lines[centre]) * room // costs[centre])
        lines[centre], costs[centre] = lines[centre][:share] + " [... cut]", room
    low, high, used = centre, centre + 1, costs[centre]
    while True:
        grew = False
        if high < len(lines) and used + costs[high] <= room:
            used, high, grew = used + costs[high], high + 1, True
        if low > 0 and used + costs[low - 1] <= room:
            used, low, grew = used + costs[low - 1], low - 1, True
        if not grew:
            break
    why = f"the {what} is limited to {budget} tokens"
    kept = lines[low:high]
    if low:
        kept.insert(0, f"[... {low} lines above cut: {why} ...]")
    if high < len(lines):
        kept.append(f"[... {len(lines) - high} lines below cut: {why} ...]")
    return "\n".join(kept)


def history_text(past: list[PastAction], last: int) -> str:
    """The last ``last`` actions, oldest first, numbered as the episode's steps, each with its error."""
    if not past or last <= 0:
        return ""
    start = max(0, len(past) - last)
    lines = [f"(steps 1-{start} not shown)"] if start else []
    for number, item in enumerate(past[start:], start + 1):
        lines.append(f"{number}. {item.action.strip()}")
        if item.error:
            lines.append(f"   error: {item.error.strip()}")
    return "\n".join(lines)


def png_part(pixels: np.ndarray, detail: str = "auto") -> dict[str, Any]:
    """An RGB array as an OpenAI ``image_url`` content part holding a PNG data URL, with its
    ``detail`` unless "auto" (left to the server, and the request as it was before the setting)."""
    from palaestra.server.wire import png_bytes

    encoded = base64.b64encode(png_bytes(pixels)).decode("ascii")
    image: dict[str, Any] = {"url": f"data:image/png;base64,{encoded}"}
    if detail != "auto":
        image["detail"] = detail
    return {"type": "image_url", "image_url": image}


def vision_parts(obs: Observation, vision: str, detail: str = "auto") -> tuple[str, list[dict[str, Any]]]:
    """The marks' text and the image part for ``vision``; an observation without the part it needs
    is refused with the fix (the runner switches it on for this agent; a hand-made environment may not)."""
    if vision == "none":
        return "", []
    key = "som_screenshot" if vision == "som" else "screenshot"
    pixels = obs.get(key)
    if not isinstance(pixels, np.ndarray) or pixels.size == 0:
        part = "som" if vision == "som" else "screenshot"
        raise ConfigError(
            f"Agent `generic` with vision={vision} needs the observation's `{key}`, and this environment "
            f"does not compute it. Fix: make the environment with ObsConfig({part}=True) (`palaestra eval` "
            "does so for this agent), or pass --agent-arg vision=none."
        )
    marks = obs.get("som_marks", "") if vision == "som" else ""
    return marks, [png_part(pixels, detail)]


def has_images(messages: list[dict[str, Any]]) -> bool:
    return any(
        isinstance(m.get("content"), list) and any(p.get("type") == "image_url" for p in m["content"])
        for m in messages
    )


def action_of(reply: str) -> str:
    """The action of a reply: its last fenced block (the reasoning comes before it), or the whole
    reply when it has none, for the parser to accept (a bare call) or say what is wrong."""
    try:
        blocks = code_blocks(reply)
    except ActionError:  # fences with nothing inside: let the parser say so
        return reply.strip()
    return blocks[-1] if blocks else reply.strip()


def reasoning_of(reply: str) -> str:
    """What a reply says before its last fenced block: the model's reasoning."""
    head, fence, _ = reply.rpartition("```")
    if not fence:
        return ""
    return head.rpartition("```")[0].strip()
