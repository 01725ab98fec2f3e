"""Steps a served Palaestra task with AgentLab's own GenericAgent, in the venv that holds AgentLab.

Run with the Python of the venv ``scripts/setup`` makes for BrowserGym and AgentLab (their
Playwright pin conflicts with ours, so Palaestra is not installed there)::

    .venv/share/palaestra/venv-browsergym/bin/python testing/agentlab_driver.py \\
        --server http://127.0.0.1:8765 --task miniwob.enter-text --seed 3

The model is AgentLab's ``AGENT_4o_MINI`` (its flags and its ``OpenAIModelArgs``); the OpenAI SDK
reads ``OPENAI_BASE_URL`` and ``OPENAI_API_KEY``, so any OpenAI-compatible server answers for it.
Each step is BrowserGym's own loop: ``agent.obs_preprocessor(obs)``, then
``agent.get_action(obs)``, then the action to the server; the observation comes from
`palaestra.server.browsergym_remote.BrowserGymClient`, loaded by its path (it imports nothing of
Palaestra's). AgentLab's study and experiment loop, its benchmarks and its own environments are
not used. Prints one JSON line per step (what the agent saw and did, and what came back) and a
last line with the episode's outcome.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

#: The per-step driver of the `agentlab` agent, whose set-up (offline defaults, the codec, the
#: preset) this loop shares; loaded by its path, as this venv has no Palaestra.
STEP_DRIVER = Path(__file__).resolve().parents[1] / "agents" / "foreign" / "agentlab_driver.py"


def load_step_driver() -> ModuleType:
    spec = importlib.util.spec_from_file_location("palaestra_agentlab_driver", STEP_DRIVER)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {STEP_DRIVER}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


DRIVER = load_step_driver()


def run(server: str, task: str, seed: int, max_steps: int, model: str | None) -> dict[str, Any]:
    client_module = DRIVER.load_codec()
    agent = DRIVER.agent_args("4o_mini", model).make_agent()
    total, steps, terminated, truncated = 0.0, 0, False, False
    with client_module.BrowserGymClient(task, server=server) as env:
        obs, _ = env.reset(seed=seed)
        agent.reset(seed=seed)
        while steps < max_steps and not (terminated or truncated):
            obs = agent.obs_preprocessor(obs)
            seen = {"last_action_error": obs["last_action_error"], "focused": obs["focused_element_bid"]}
            action, _ = agent.get_action(obs)
            if action is None:  # AgentLab could not parse the model's answers, retries included
                emit({"step": steps, "saw": seen, "action": None})
                break
            obs, reward, terminated, truncated, info = env.step(action)
            steps += 1
            total += reward
            came_back = {
                "last_action_error": obs["last_action_error"],
                "focused": obs["focused_element_bid"],
            }
            emit(
                {
                    "step": steps, "saw": seen, "action": action, "reward": reward,
                    "terminated": terminated, "truncated": truncated, "came_back": came_back,
                    "success": bool(info.get("success")),
                }
            )  # fmt: skip
    return {"done": True, "steps": steps, "reward": total, "terminated": terminated, "truncated": truncated}


def emit(record: dict[str, Any]) -> None:
    print(json.dumps(record), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--server", required=True, help="http://host:port of `palaestra serve`")
    parser.add_argument("--task", required=True, help="a web task id, e.g. miniwob.enter-text")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-steps", type=int, default=10)
    parser.add_argument("--model", default=None, help="model name sent (default: AGENT_4o_MINI's)")
    args = parser.parse_args()
    DRIVER.offline_defaults()
    emit(run(args.server, args.task, args.seed, args.max_steps, args.model))


if __name__ == "__main__":
    main()
