"""A load client: several sessions of one process stepping a server concurrently, checking each answer.

    python -m palaestra.server.load --url http://127.0.0.1:8765 --sessions 4 --seconds 20

Each session plays ``miniwob.enter-text`` and, at every step, fills the text field with a marker
only it knows (its own id and step number); the answer must show exactly that marker in that
field and the session's own goal. Any other value is cross-talk between sessions; a step that
reports an error (an action timeout on a saturated machine) is counted apart, as an error. Prints one JSON
report: steps, step latencies, and every mismatch seen. The load test and ``bench.speed.server`` use it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from typing import Any

import httpx

from palaestra.server.auth import TOKEN_VARIABLE

TASK = "miniwob.enter-text"


async def play(http: httpx.AsyncClient, seed: int, deadline: float, steps: tuple[int, int]) -> dict[str, Any]:
    """One session: at least ``steps[0]`` steps, then more until the deadline or ``steps[1]``."""
    min_steps, max_steps = steps
    made = await http.post("/sessions", json={"task": TASK, "seed": seed, "parts": ["axtree", "elements"]})
    made.raise_for_status()
    session = made.json()
    sid, goal = session["id"], session["observation"]["goal"]
    textbox = next(e["id"] for e in session["observation"]["elements"] if e["tag"] == "input")
    latencies: list[float] = []
    mismatches: list[str] = []  # another session's marker or goal: cross-talk
    errors: list[str] = []  # the step failed (a timeout on a saturated machine): not cross-talk
    try:
        while len(latencies) < min_steps or (time.monotonic() < deadline and len(latencies) < max_steps):
            marker = f"{sid}-{len(latencies)}"
            started = time.perf_counter()
            answer = await http.post(
                f"/sessions/{sid}/step", json={"action": f"fill('{textbox}', '{marker}')"}
            )
            latencies.append(time.perf_counter() - started)
            if answer.status_code != 200:
                errors.append(f"HTTP {answer.status_code}: {answer.text[:200]}")
                break
            obs = answer.json()["observation"]
            value = next((e["value"] for e in obs["elements"] if e["id"] == textbox), None)
            if obs["goal"] != goal or (value != marker and not obs["last_action_error"]):
                mismatches.append(
                    f"{sid}: expected {marker!r} under {goal!r}, got {value!r} under {obs['goal']!r}"
                )
            elif obs["last_action_error"]:
                errors.append(obs["last_action_error"][:200])
    finally:
        closed = await http.delete(f"/sessions/{sid}")
    return {"id": sid, "steps": len(latencies), "latencies": latencies, "mismatches": mismatches,
            "errors": errors, "closed": closed.status_code == 204}  # fmt: skip


async def run(
    url: str, sessions: int, seconds: float, first_seed: int, steps: tuple[int, int]
) -> dict[str, Any]:
    token = os.environ.get(TOKEN_VARIABLE)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=120) as http:
        deadline = time.monotonic() + seconds
        results = await asyncio.gather(
            *(play(http, first_seed + i, deadline, steps) for i in range(sessions))
        )
    return {"pid": os.getpid(), "sessions": list(results)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--sessions", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=20.0, help="stop stepping after this long")
    parser.add_argument("--min-steps", type=int, default=3, help="steps each session takes however slow")
    parser.add_argument("--max-steps", type=int, default=1000, help="and after this many steps per session")
    parser.add_argument("--first-seed", type=int, default=0)
    args = parser.parse_args(argv)
    steps = (args.min_steps, args.max_steps)
    report = asyncio.run(run(args.url, args.sessions, args.seconds, args.first_seed, steps))
    print(json.dumps(report))


if __name__ == "__main__":
    main()
