"""OSWorld's own ``PromptAgent`` (``mm_agents.agent`` of its package desktop-env), driven over pipes.

Run with the Python of OSWorld's venv (``.venv/share/palaestra/venv-osworld``, which
``scripts/setup`` makes); our side is `palaestra.agents.foreign.osworld_agent`. Imports nothing of ours:
what it answers is OSWorld's agent reading our observations.

    python osworld_driver.py [--model gpt-4o] [--observation-type a11y_tree]
        [--action-space pyautogui] [--platform ubuntu] [--max-tokens 1500] [--temperature 0.5]
        stdout, first:                  {"ready": true}
        stdin, one JSON object a line:  {"instruction": str, "obs": {OSWorld's observation,
                                          "screenshot" as base64}}  or  {"reset": true}
        stdout, one a line:             {"response": str, "actions": [...] | null,
                                         "usage": {"calls", "prompt_tokens", "completion_tokens",
                                                   "errors" (failed model calls, when any)}}
    python osworld_driver.py --linearize     XML on stdin; {"table": str} on stdout

The agent's ``call_llm`` picks its provider by the model's name: ``gpt*`` names are posted to
``$OPENAI_BASE_URL/v1/chat/completions`` (``$OPENAI_API_KEY``), other names go to provider SDKs
or APIs (Anthropic, Together, Groq, DashScope, Google) that are not reachable here. Every model is
served behind an OpenAI-compatible endpoint here (vLLM, Ollama, llama.cpp, LiteLLM...), so
`route_every_model_to_openai` makes ``call_llm`` take its gpt branch for any name while the request
still carries the configured name (the branch is chosen by ``self.model``, the body is the payload
``predict`` built from it). Names OSWorld reserves for Azure's deployment endpoint
(``azure-gpt-4o*``, chosen by the payload's name and configured through ``AZURE_OPENAI_*``
variables this process is never given) are refused at start.
``agent.py`` also imports the SDKs of providers it calls only on their branches (dashscope,
google-generativeai, groq; google's alone is tens of megabytes, and none is reachable offline):
when one is not installed it is stood in for by an empty module here, with the four Google
exception classes the agent's retry decorator names. tiktoken reads its encoding from the cache
``scripts/setup`` rebuilt in the venv (``share/tiktoken``).

The agent's ``call_llm`` returns the answer's text only; the tokens each answer cost are read from
the ``usage`` object of the responses it received (`UsageWatch`, which sees every ``requests.post``
of the agent's module and hands the response back untouched).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import importlib.util
import json
import os
import sys
import types
from pathlib import Path
from typing import Any

#: This folder holds our side's modules (``process.py``...), which must not shadow the foreign
#: agent's imports: Python put it first on the path, as a script's folder.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    del sys.path[0]

#: The name prefix for which OSWorld's ``call_llm`` posts to ``$OPENAI_BASE_URL``.
OPENAI_BRANCH = "gpt"
#: The name prefix OSWorld's ``call_llm`` sends to Azure's deployment endpoint, before any other.
AZURE_BRANCH = "azure-gpt-4o"

#: The provider SDKs ``agent.py`` imports but its OpenAI branch never calls, with the names it
#: imports from them.
UNUSED_PROVIDERS: dict[str, tuple[str, ...]] = {"dashscope": (), "google.generativeai": (), "groq": ("Groq",)}
#: The exceptions of Google's API core that the agent's retry decorator lists.
GOOGLE_ERRORS = ("InvalidArgument", "ResourceExhausted", "InternalServerError", "BadRequest")


class ProviderNotInstalled:
    """What a stand-in module's names are: calling one says the SDK is not installed here."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise RuntimeError("this model's provider SDK is not installed in OSWorld's venv here")


def _installed(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # its parent package is missing
        return False


def _stand_in(name: str, names: dict[str, Any]) -> None:
    module = types.ModuleType(name)
    for attribute, value in names.items():
        setattr(module, attribute, value)
    sys.modules[name] = module
    parent, _, child = name.rpartition(".")
    if parent:
        if parent not in sys.modules:
            _stand_in(parent, {})
        setattr(sys.modules[parent], child, module)


def stand_in_for_unused_providers() -> None:
    """Empty modules for the provider SDKs that are not installed (see the module doc)."""
    for name, imported in UNUSED_PROVIDERS.items():
        if not _installed(name):
            _stand_in(name, dict.fromkeys(imported, ProviderNotInstalled))
    if not _installed("google.api_core.exceptions"):
        errors = {error: type(error, (Exception,), {}) for error in GOOGLE_ERRORS}
        _stand_in("google.api_core.exceptions", errors)


#: The characters of a failed model call's answer kept for the step's record.
ERROR_TAIL = 500


class UsageWatch:
    """Wraps a module's ``requests.post``: each response is returned as it came, its ``usage``
    (OpenAI's ``prompt_tokens``/``completion_tokens``) summed for `take`. A call that failed (no
    answer, or not HTTP 200) is kept in words too: OSWorld's agent logs it and answers with an
    empty response, which alone would not say why a step had no action (a text-only model sent
    a screenshot, a wrong model name, the server down)."""

    def __init__(self, module: Any) -> None:
        self.post = module.requests.post
        self.calls = self.prompt_tokens = self.completion_tokens = 0
        self.errors: list[str] = []
        #: The messages of the last request posted (the call whose answer the agent acted on),
        #: images as the data URLs sent: the run keeps them to export the call.
        self.sent: list[Any] = []
        module.requests = types.SimpleNamespace(**{**vars(module.requests), "post": self.watched})

    def watched(self, *args: Any, **kwargs: Any) -> Any:
        payload = kwargs.get("json")
        if isinstance(payload, dict) and isinstance(payload.get("messages"), list):
            self.sent = payload["messages"]
        try:
            response = self.post(*args, **kwargs)
        except Exception as exc:  # re-raised: the agent's own handling decides, as in OSWorld
            self.errors.append(f"{type(exc).__name__}: {exc!s}"[:ERROR_TAIL])
            raise
        self.calls += 1
        if getattr(response, "status_code", 200) != 200:
            self.errors.append(f"HTTP {response.status_code}: {response.text[:ERROR_TAIL]}")
        try:
            usage = response.json().get("usage") or {}
        except (ValueError, AttributeError):  # not a JSON object: nothing reported
            usage = {}
        self.prompt_tokens += int(usage.get("prompt_tokens") or 0)
        self.completion_tokens += int(usage.get("completion_tokens") or 0)
        return response

    def take(self) -> dict[str, Any]:
        """What was spent since the last `take`."""
        spent: dict[str, Any] = {"calls": self.calls, "prompt_tokens": self.prompt_tokens}
        spent["completion_tokens"] = self.completion_tokens
        if self.errors:
            spent["errors"] = self.errors
        self.calls = self.prompt_tokens = self.completion_tokens = 0
        self.errors = []
        return spent

    def take_sent(self) -> list[Any]:
        """The messages of the last request since the last call, once."""
        sent, self.sent = self.sent, []
        return sent


def azure_refusal(model: str) -> str | None:
    """Why ``model`` cannot be run here, or None: OSWorld's ``call_llm`` sends ``azure-gpt-4o*``
    names to Azure's deployment URL from ``AZURE_OPENAI_*`` variables (and a ``.env`` file in the
    working folder), never to ``$OPENAI_BASE_URL``."""
    if not model.startswith(AZURE_BRANCH):
        return None
    return (
        f"model={model!r}: OSWorld's PromptAgent sends {AZURE_BRANCH}* names to Azure's deployment "
        "endpoint (AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_API_KEY), which Palaestra does not pass to it; "
        "every other name is posted to the OpenAI-compatible base_url. Fix: give the deployment's model "
        "name (e.g. model=gpt-4o) and an OpenAI-compatible base_url that serves it."
    )


def route_every_model_to_openai(agent: Any) -> None:
    """Make ``agent.call_llm`` post any model to ``$OPENAI_BASE_URL`` under its own name.

    OSWorld's ``call_llm`` chooses its branch by ``self.model.startswith("gpt")`` and posts the
    ``payload`` that ``predict`` built, whose ``"model"`` is the configured name: for the call
    only, ``self.model`` names the gpt branch (its log line says so), and the request goes out with
    the configured name. Everything else of OSWorld's branch is kept (the messages as content
    parts, the system message, images as data URLs, its retry with a shortened history on
    ``context_length_exceeded``). A gpt name is left alone: OSWorld's own path, untouched.
    """
    name = agent.model
    if name.startswith(OPENAI_BRANCH):
        return
    call_llm = agent.call_llm  # bound, with OSWorld's retry decorator

    def routed(payload: dict[str, Any]) -> Any:
        agent.model = f"{OPENAI_BRANCH} (OpenAI-compatible route for {name})"
        try:
            return call_llm(payload)
        finally:
            agent.model = name

    agent.call_llm = routed


def refusal(observation_type: str, action_space: str, exc: Exception) -> str:
    """Why PromptAgent could not be built with these arguments, and the fix. desktop-env 1.0.2's
    constructor formats every system prompt with the client's password, and the computer_13 ones
    hold JSON braces: ``str.format`` fails on them (a KeyError), so computer_13 never starts."""
    return (
        f"PromptAgent(observation_type={observation_type!r}, action_space={action_space!r}) failed in "
        f"its constructor: {type(exc).__name__}: {exc!s}. Fix: --agent-arg action_space=pyautogui "
        "(desktop-env 1.0.2 cannot format its computer_13 prompts)."
    )


def _respond(out: Any, answer: dict[str, Any]) -> None:
    out.write(json.dumps(answer) + "\n")
    out.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--linearize", action="store_true")
    parser.add_argument("--model", default="gpt-4o")
    parser.add_argument("--observation-type", default="a11y_tree")
    parser.add_argument("--action-space", default="pyautogui")
    parser.add_argument("--platform", default="ubuntu")
    parser.add_argument("--max-tokens", type=int, default=1500)
    parser.add_argument("--temperature", type=float, default=0.5)
    args = parser.parse_args()
    os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(Path(sys.prefix) / "share" / "tiktoken"))
    stand_in_for_unused_providers()
    with contextlib.redirect_stdout(sys.stderr):  # stdout is our answer channel
        from mm_agents import agent as agent_module
        from mm_agents.agent import PromptAgent, linearize_accessibility_tree

    out = sys.stdout
    if args.linearize:
        _respond(out, {"table": linearize_accessibility_tree(sys.stdin.read(), platform=args.platform)})
        return
    azure = azure_refusal(args.model)
    if azure is not None:
        _respond(out, {"error": azure, "kind": "config"})
        sys.exit(2)
    try:
        agent = PromptAgent(
            model=args.model,
            observation_type=args.observation_type,
            action_space=args.action_space,
            platform=args.platform,
            max_tokens=args.max_tokens,
            temperature=args.temperature,
        )
    except (KeyError, ValueError) as exc:  # its own checks, or its prompt's formatting (below)
        _respond(out, {"error": refusal(args.observation_type, args.action_space, exc), "kind": "config"})
        sys.exit(2)
    route_every_model_to_openai(agent)
    watch = UsageWatch(agent_module)
    _respond(out, {"ready": True})
    for line in sys.stdin:
        request = json.loads(line)
        if request.get("reset"):
            agent.reset()
            _respond(out, {"reset": True})
            continue
        obs = dict(request["obs"])
        if obs.get("screenshot") is not None:
            obs["screenshot"] = base64.b64decode(obs["screenshot"])
        # The agent prints its parse failures; stdout is our answer channel.
        with contextlib.redirect_stdout(sys.stderr):
            response, actions = agent.predict(request["instruction"], obs)
        answer = {"response": response, "actions": actions, "usage": watch.take()}
        _respond(out, {**answer, "messages": watch.take_sent()})


if __name__ == "__main__":
    main()
