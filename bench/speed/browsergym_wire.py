"""Bytes per step of BrowserGym's view over the wire, with its screenshot sent twice and once.

    nice .venv/bin/python -m bench.speed.browsergym_wire --steps 20

AgentLab's agent over ``--env-server`` reads the ``browsergym`` view and the screenshot part
(`AgentLabAgent.observation_parts`), so each answer carries the screen as the observation's and,
before ``screenshot_once``, inside the view as well. A `RemoteEnv` made so plays ``noop()`` steps on
each task, once as a client that does not ask for ``screenshot_once`` (the view keeps its copy) and
once as one that does (the capability the server declares), and the JSON answers' sizes are
counted as they arrive (median bytes per step, and the screenshot's base64 share of them).
"""

from __future__ import annotations

import argparse
import json
import statistics
from typing import Any

import httpx

from palaestra.envs.obs import ObsConfig
from palaestra.server.capabilities import SCREENSHOT_ONCE
from palaestra.server.config import ServerConfig
from palaestra.server.remote import RemoteEnv
from palaestra.server.run import ServerThread

TASKS = ("miniwob.click-test", "miniwob.book-flight")


class CountingRemoteEnv(RemoteEnv):
    """A `RemoteEnv` that keeps the size of every step's answer as it arrived."""

    sizes: list[int]

    def _answer(self, response: httpx.Response, path: str) -> Any:
        if path.endswith("/step"):
            self.sizes.append(len(response.content))
        return super()._answer(response, path)


def measure(server: str, task: str, steps: int, once: bool) -> dict[str, Any]:
    obs_config = ObsConfig(axtree=False, dom=False, elements=False, screenshot=True)
    env = CountingRemoteEnv(task, server=server, views=["browsergym"], obs_config=obs_config)
    env.sizes = []
    if not once:  # a client older than the option: it never asks
        env.features = env.features.without(SCREENSHOT_ONCE)
    try:
        obs, _ = env.reset(seed=0)
        for _ in range(steps):
            env.step("noop()")
        shape = list(obs["screenshot"].shape)
    finally:
        env.close()
    return {"task": task, "screenshot_once": once, "screen": shape,
            "median_bytes_per_step": statistics.median(env.sizes)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()
    with ServerThread(ServerConfig(env_options={"pages_ahead": 1})) as server:
        for task in TASKS:
            for once in (False, True):
                print(json.dumps(measure(server.url, task, args.steps, once)))


if __name__ == "__main__":
    main()
