"""AgentLab's ``GenericAgent`` (agentlab 0.4.2) asked for one action at a time, over pipes.

Run with the Python of the venv ``scripts/setup`` makes for BrowserGym and AgentLab
(``.venv/share/palaestra/venv-browsergym``; their Playwright pin conflicts with ours, so Palaestra
is not installed there); our side is `palaestra.agents.foreign.agentlab_agent`. Imports nothing of
Palaestra's package: BrowserGym's observation arrives as ``server/browsergym_remote.py``'s JSON,
decoded by that file loaded by its path.

    python agentlab_driver.py [--flags 4o_mini] [--model NAME] [--max-tokens N] [--temperature T]
        stdout, first:   {"ready": true}, or {"error": ..., "kind": "config"} for unknown flags
        stdin:           {"reset": true, "served": [action names], "benchmark": null |
                          {"name": str, "multi_tab": bool}}   a new agent, as AgentLab's ExpArgs
                                                               makes one per episode
                         {"obs": BrowserGym's observation as browsergym_json}
        stdout:          {"reset": true}  /  {"action": str | null, "think": str, "raw": str,
                                               "stats": {...}, "messages": [...]}
                         {"error": ..., "kind": "config"}  when the episode's environment does not
                                               parse an action the agent's action set offers

``--flags`` names one of AgentLab's ``agent_configs.AGENT_*`` presets (``4o_mini`` is
``AGENT_4o_MINI``), case aside: its prompt flags and its model's arguments, with ``--model``,
``--max-tokens`` and ``--temperature`` replacing the model's. Each observation goes through the
agent's own ``obs_preprocessor`` then ``get_action``, as BrowserGym's loop does. The OpenAI SDK
reads ``OPENAI_BASE_URL`` and ``OPENAI_API_KEY`` from the environment, so only presets whose model
AgentLab calls with it (`OpenAIModelArgs`) are taken.

A reset with a ``benchmark`` applies AgentLab's ``set_benchmark`` to a fresh copy of the preset,
as AgentLab's ``Study`` does before its episodes (`benchmark_object`): HTML for MiniWoB, tabs for a
multi-tab benchmark, the benchmark's high-level action set. Either way the action set the agent
will offer its model must be one the episode's environment parses (``served``).
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import importlib.util
import json
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

#: This folder holds our side's modules (``process.py``...), which must not shadow the foreign
#: agent's imports: Python put it first on the path, as a script's folder.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    del sys.path[0]

CODEC_MODULE = Path(__file__).resolve().parents[2] / "server" / "browsergym_remote.py"


def offline_defaults() -> None:
    """Nothing may download at run time: tiktoken reads the encodings ``scripts/setup`` rebuilt
    into this venv, and litellm (which AgentLab imports to price tokens) its bundled price list."""
    os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(Path(sys.prefix) / "share" / "tiktoken"))
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")


def load_by_path(path: Path, name: str) -> ModuleType:
    """A module of Palaestra's that imports nothing of it, loaded from its file."""
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # as an import would: its classes name their module
    spec.loader.exec_module(module)
    return module


def load_codec() -> ModuleType:
    """``server/browsergym_remote.py``: BrowserGym's dict to and from JSON, and its HTTP client."""
    return load_by_path(CODEC_MODULE, "palaestra_browsergym_remote")


def agent_args(
    flags: str = "4o_mini",
    model: str | None = None,
    max_tokens: int | None = None,
    temperature: float | None = None,
) -> Any:
    """A copy of AgentLab's preset ``AGENT_<flags>``, its model's arguments replaced where given;
    KeyError naming the presets for an unknown one."""
    from agentlab.agents.generic_agent import agent_configs

    presets = {n[len("AGENT_") :].lower(): n for n in dir(agent_configs) if n.startswith("AGENT_")}
    if flags.lower() not in presets:
        raise KeyError(f"flags={flags!r} is not one of AgentLab's presets: {', '.join(sorted(presets))}")
    args = copy.deepcopy(getattr(agent_configs, presets[flags.lower()]))
    if model:
        args.chat_model_args.model_name = model
    if max_tokens:
        args.chat_model_args.max_new_tokens = max_tokens
    if temperature is not None:
        args.chat_model_args.temperature = temperature
    return args


#: The BrowserGym action set arguments (``DEFAULT_HIGHLEVEL_ACTION_SET_ARGS``'s key) of each
#: benchmark AgentLab names, as BrowserGym's ``DEFAULT_BENCHMARKS`` configures them.
BENCHMARK_ACTION_ARGS = {
    "miniwob": "miniwob_all",
    "webarena": "webarena",
    "webarena_verified": "webarena",
    "webarena_lite": "webarena",
}


def benchmark_object(name: str, multi_tab: bool) -> Any:
    """AgentLab's ``Benchmark`` named ``name``, as ``set_benchmark`` reads it: the name, whether it
    is multi-tab, and its high-level action set arguments (a benchmark AgentLab does not know takes
    WebArena's when multi-tab, MiniWoB's otherwise). Its task list stays empty: the agent learns
    nothing of the episodes to come."""
    import pandas
    from browsergym.experiments.benchmark.base import Benchmark
    from browsergym.experiments.benchmark.configs import DEFAULT_HIGHLEVEL_ACTION_SET_ARGS

    key = BENCHMARK_ACTION_ARGS.get(name, "webarena" if multi_tab else "miniwob_all")
    return Benchmark(
        name=name,
        high_level_action_set_args=copy.deepcopy(DEFAULT_HIGHLEVEL_ACTION_SET_ARGS[key]),
        is_multi_tab=multi_tab,
        supports_parallel_seeds=not multi_tab,
        env_args_list=[],
        backends=[],
        task_metadata=pandas.DataFrame({"task_name": []}),  # its check needs the column
    )


def episode_args(preset: Any, benchmark: dict[str, Any] | None, served: list[str] | None) -> Any:
    """A copy of ``preset`` for one episode, ``set_benchmark`` applied when a benchmark is given;
    ValueError naming what is missing when its action set offers actions not ``served``."""
    args = copy.deepcopy(preset)
    if benchmark is not None:
        args.set_benchmark(benchmark_object(benchmark["name"], bool(benchmark["multi_tab"])), False)
    offered = set(args.flags.action.action_set.make_action_set().action_set)
    missing = sorted(offered - set(served)) if served is not None else []
    if missing:
        subsets = ", ".join(args.flags.action.action_set.subsets)
        raise ValueError(
            f"its action set (BrowserGym's {subsets}) offers {', '.join(missing)}, which this episode's "
            f"environment does not parse"
        )
    return args


def unusable_model(args: Any) -> str | None:
    """Why AgentLab would not call this preset's model at ``OPENAI_BASE_URL``, or None."""
    kind = type(args.chat_model_args).__name__
    if kind == "OpenAIModelArgs":
        return None
    return (
        f"its model is called through {kind}, which does not read OPENAI_BASE_URL (it would call "
        "its provider, or load weights). Fix: a preset AgentLab calls through OpenAIModelArgs "
        "(4o_mini, 4o, 3_5, 4o_vision, 4o_mini_vision, gpt5_mini) with --agent-arg model=NAME"
    )


def chat_messages(info: Any) -> list[dict[str, Any]]:
    """The messages AgentLab sent its model and its answer, images and all: the run writes each
    image beside the episode and records its file's name (`palaestra.runs.call_images`), so a
    vision preset's calls can be exported as sent."""
    chat = getattr(info, "chat_messages", None)
    return [
        {"role": message.get("role", ""), "content": message.get("content", "")}
        for message in getattr(chat, "messages", None) or []
    ]


def answer_text(info: Any) -> str:
    """The model's last answer in AgentLab's ``AgentInfo`` (its chat's last message)."""
    chat = getattr(info, "chat_messages", None)
    messages = getattr(chat, "messages", None) or []
    if not messages:
        return ""
    content = messages[-1].get("content", "")
    if isinstance(content, list):
        return "\n".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return str(content)


#: Our answer channel: stdout as the process started, since the agent's prints are redirected.
ANSWERS = sys.stdout


def _respond(answer: dict[str, Any]) -> None:
    ANSWERS.write(json.dumps(answer, default=str) + "\n")
    ANSWERS.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--flags", default="4o_mini")
    parser.add_argument("--model", default=None)
    parser.add_argument("--max-tokens", type=int, default=None)
    parser.add_argument("--temperature", type=float, default=None)
    options = parser.parse_args()
    offline_defaults()
    with contextlib.redirect_stdout(sys.stderr):  # stdout is our answer channel
        codec = load_codec()
        try:
            args = agent_args(options.flags, options.model, options.max_tokens, options.temperature)
        except KeyError as exc:
            _respond({"error": exc.args[0], "kind": "config"})
            sys.exit(2)
        refused = unusable_model(args)
        if refused is not None:
            _respond({"error": f"flags={options.flags}: {refused}", "kind": "config"})
            sys.exit(2)
        args.prepare()
    _respond({"ready": True})
    agent: Any = None
    for line in sys.stdin:
        request = json.loads(line)
        with contextlib.redirect_stdout(sys.stderr):
            if request.get("reset"):
                try:
                    episode = episode_args(args, request.get("benchmark"), request.get("served"))
                    agent = episode.make_agent()
                    answer: dict[str, Any] = {"reset": True}
                except ValueError as exc:
                    agent, answer = None, {"error": str(exc), "kind": "config"}
            elif agent is None:
                answer = {"error": "an observation before the first reset"}
            else:
                obs = agent.obs_preprocessor(codec.browsergym_from_json(request["obs"]))
                action, info = agent.get_action(obs)
                stats = dict(info.get("stats") or {})
                answer = {
                    "action": action,
                    "think": info.think or "",
                    "raw": answer_text(info),
                    "stats": stats,
                    "messages": chat_messages(info),
                }
        _respond(answer)
    args.close()


if __name__ == "__main__":
    main()
