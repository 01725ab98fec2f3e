"""What Synapse writes to the model and reads back: the instructions, trajectories as text, the
completion prompt, and the action calls in a reply.

Kept apart from the agent (``palaestra.agents.synapse``), which decides what goes in a prompt (which
exemplars, how much of the trajectory fits the window); this module only says how each piece is
written and read, so it can be read, and tested, without a model or a memory.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from palaestra.agents.element_refs import exemplar_step
from palaestra.envs.actions.action_set import ActionSet
from palaestra.envs.actions.parser import strip_code_fence
from palaestra.envs.obs import Observation
from palaestra.memory.exemplar import Exemplar

SYSTEM = """You control a web browser to complete tasks.
{actions}

Each example below is a whole trajectory: the task, then at each step the state (the elements of the
page that matter, as [id] kind "text") and the action taken. Element ids belong to their own page:
in a new page, find the element that plays the same part. Continue the last trajectory: answer with
the next action or actions, one call per line, and nothing else."""
#: The same with elements named by reference (``refer_by``).
SYSTEM_REFS = """You control a web browser to complete tasks.
{actions}

Each example below is a whole trajectory: the task, then at each step the state (the elements of the
page that matter, each as [kind label]) and the action taken, which names its element as the state
does. Continue the last trajectory: answer with the next action or actions, one call per line."""
OMITTED = "(earlier state omitted)"
#: Where a completion ends: the model starts the next state (or its element lines), task or example
#: itself. Most telling first: OpenAI's /v1/completions takes four, so ``ChatModel`` sends four.
STOPS = ("\nState:", "\n[", "\nTask:", "\n\n", "\nExample")
#: One action call on a line, as the parser reads it (the parser decides whether it is valid).
CALL = re.compile(r"^[a-z_]+\(.*\)$")


def render_trajectory(goal: str, steps: list[tuple[str, str]], pending_state: str | None) -> str:
    lines = [f"Task: {goal}"]
    for state, action in steps:
        lines += ["State:", state, f"Action: {action}"]
    if pending_state is not None:
        lines += ["State:", pending_state, "Action:"]
    return "\n".join(lines)


def exemplar_steps(exemplar: Exemplar, refs_for: ActionSet | None = None) -> list[tuple[str, str]]:
    """An exemplar's (state, action) steps; with ``refs_for``, its elements named by reference."""
    if refs_for is not None:
        return [exemplar_step(s, refs_for) for s in exemplar.trajectory]
    return [(s.get("state", ""), s.get("action", "")) for s in exemplar.trajectory]


def exemplar_text(exemplar: Exemplar, refs_for: ActionSet | None = None) -> str:
    """An exemplar as a trajectory; with ``refs_for``, its elements named by reference."""
    return render_trajectory(exemplar.goal, exemplar_steps(exemplar, refs_for), None)


def turn_messages(
    exemplars: list[tuple[str, list[tuple[str, str]]]],
    goal: str,
    steps: list[tuple[str, str]],
    state: str,
) -> list[dict[str, str]]:
    """Trajectories as Synapse's code sends them to chat models: a user turn opens each task
    (``Task: ...\nTrajectory:``), each state is a user turn ending in ``Action:`` and each action an
    assistant turn in a code fence; the current task last, ending in its state's turn."""
    messages: list[dict[str, str]] = []
    for task, trajectory in [*exemplars, (goal, [*steps, (state, "")])]:
        messages.append({"role": "user", "content": f"Task: {task}\nTrajectory:"})
        for seen, action in trajectory:
            messages.append({"role": "user", "content": f"Observation:\n{seen}\nAction:"})
            if action:
                messages.append({"role": "assistant", "content": f"```\n{action}\n```"})
    return messages


def extract_actions(reply: str) -> str:
    """The calls in a reply: drop a code fence and an "Action:" label, and stop where the model
    goes on writing the trajectory itself (a new "State:", an element line "[12] ...", a new
    "Action:"). A reply with no call is returned whole, for the parser to say what is wrong."""
    text = strip_code_fence(reply.strip())
    text = text.split("\nState:")[0]
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if lines and lines[0].lower().startswith("action:"):
        lines[0] = lines[0][len("action:") :].strip()
    calls = list(itertools.takewhile(lambda ln: CALL.match(ln) is not None, lines))
    return "\n".join(calls or lines)


def until_repeated(actions: str) -> str:
    """The calls before the first one that repeats an earlier call of the same answer."""
    kept: list[str] = []
    for call in actions.splitlines():
        if call in kept:
            break
        kept.append(call)
    return "\n".join(kept)


def completion_prompt(messages: list[dict[str, Any]]) -> str:
    """The chat messages as one text ending in ``Action:``: instructions, exemplars and the current
    trajectory, then each re-ask as the rejected answer and why, for the model to try again."""
    system, user, *reasks = (str(m["content"]) for m in messages)
    prompt = f"{system}\n\n{user}"
    for answer, complaint in zip(reasks[::2], reasks[1::2], strict=False):
        prompt += f" {answer.strip()}\n{complaint}\nAction:"
    return prompt


def with_tools(state: str, obs: Observation, first_step: bool) -> str:
    """Add what the task's tools offer (on the first step) and what they just answered."""
    parts = [state]
    if first_step and obs.get("tools"):
        parts.append(obs["tools"])
    if obs.get("tool_results"):
        parts.append("Tool results:\n" + obs["tool_results"])
    return "\n".join(parts)
