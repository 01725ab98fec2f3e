"""OmniACT's data-set scores of a `palaestra eval --suite omniact` run, per agent, or of a file of
a model's predictions.

A run's summary averages each episode's reward (its own action score), while OmniACT reports sums
over the data set: sequence score = sum(seq) / sum(gold seq) and action score =
sum(seq * kept) / sum(gold seq) (`palaestra.omniact.score`), so longer gold scripts weigh more. This
module re-scores the scripts the run recorded against the data set named by ``PALAESTRA_OMNIACT``
(or ``--data``) and prints both figures, with the click, key and write penalties as shares of the
gold weight (as OmniACT's scorer prints them)::

    python -m palaestra.omniact.report results/omniact
    python -m palaestra.omniact.report predictions.json   # {"2849": "pyautogui.click(...)", ...}

A predictions file maps the split's task ids to scripts (or to model replies, fences and all); a task
it lacks scores 0, as a missing prediction does in OmniACT's scorer.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from palaestra.errors import ActionError, ConfigError, PalaestraError, SuiteUnavailable
from palaestra.omniact.data import OmniActTask, load_split
from palaestra.omniact.env import with_coordinates
from palaestra.omniact.score import ScriptScore, aggregate, score_actions, scored_actions
from palaestra.runs.store import RunStore


def score_run(run_dir: str | Path, data: str | Path, split: str = "test") -> dict[str, dict[str, float]]:
    """Per agent: OmniACT's ``sequence_score``, ``action_score`` and penalty shares over the run's
    omniact episodes, and ``episodes``, how many. Each script scores as in its episode: one whose
    step had an error (it did not parse, or named an element the episode did not show) scores 0,
    and element ids the episode resolved are resolved again, whatever PALAESTRA_OMNIACT_ELEMENTS
    says now."""
    tasks: dict[str, OmniActTask] = {
        f"omniact.{t.id}": dataclasses.replace(t, show_elements=True) for t in load_split(data, split)
    }
    scores: dict[str, list[ScriptScore]] = defaultdict(list)
    with RunStore(run_dir, readonly=True) as store:
        for episode in store.episodes():
            task = tasks.get(episode["task"])
            if task is None:
                continue
            steps = store.steps(episode["key"])
            script, error = (steps[0]["action"] or "", steps[0]["error"] or "") if steps else ("", "no step")
            gold = scored_actions(task.gold_script)
            try:
                if error:
                    raise ActionError(error)
                found = score_actions(with_coordinates(task, script), gold, task.gold_boxes())
            except ActionError as exc:  # 0, as in the episode
                found = score_actions([], gold, parse_error=str(exc))
            scores[episode["agent"]].append(found)
    return {
        agent: {**aggregate(found), "episodes": float(len(found))} for agent, found in sorted(scores.items())
    }


def score_predictions(path: str | Path, data: str | Path, split: str = "test") -> dict[str, dict[str, float]]:
    """The scores of a JSON file mapping task ids to scripts, under the file's name as the agent."""
    try:
        predictions = json.loads(Path(path).read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read it as JSON ({exc}).") from None
    if not isinstance(predictions, dict) or not all(isinstance(v, str) for v in predictions.values()):
        raise ConfigError(f'{path} must map task ids to scripts: {{"2849": "pyautogui.click(10, 20)"}}.')
    tasks = load_split(data, split)
    unknown = sorted(set(predictions) - {t.id for t in tasks})
    if unknown:
        raise ConfigError(f"{path} predicts tasks the {split} split lacks: {', '.join(unknown[:5])}.")
    found = []
    for task in tasks:
        gold = scored_actions(task.gold_script)
        try:
            found.append(
                score_actions(with_coordinates(task, predictions.get(task.id, "")), gold, task.gold_boxes())
            )
        except ActionError as exc:
            found.append(score_actions([], gold, parse_error=str(exc)))
    return {Path(path).name: {**aggregate(found), "episodes": float(len(found))}}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m palaestra.omniact.report",
        description="OmniACT's sequence and action scores of an omniact run, per agent, or of predictions.",
    )
    parser.add_argument(
        "run",
        help="the run directory (the --out of `palaestra eval --suite omniact`), or a JSON file mapping "
        "task ids to scripts",
    )
    parser.add_argument("--data", default=os.environ.get("PALAESTRA_OMNIACT", ""), help="the data set's root")
    parser.add_argument("--split", default=os.environ.get("PALAESTRA_OMNIACT_SPLIT", "test"))
    args = parser.parse_args(argv)
    try:
        if not args.data:
            raise SuiteUnavailable("say where the OmniACT data set is: --data DIR or PALAESTRA_OMNIACT=DIR.")
        if Path(args.run).is_file():
            found = score_predictions(args.run, args.data, args.split)
        elif not (Path(args.run) / "results.sqlite").is_file():
            raise FileNotFoundError(
                f"{args.run} holds no results.sqlite: give the --out of a run, or a predictions file."
            )
        else:
            found = score_run(args.run, args.data, args.split)
    except (PalaestraError, FileNotFoundError) as exc:
        print(f"omniact report: {exc}", file=sys.stderr)
        return 2
    if not found:
        print(
            f"omniact report: {args.run} has no episodes of the {args.split} split's tasks.", file=sys.stderr
        )
        return 2
    columns = ("sequence_score", "action_score", "click_penalty", "key_penalty", "write_penalty")
    print(f"{'agent':<20} {'episodes':>8} " + " ".join(f"{c.replace('_', ' '):>14}" for c in columns))
    for agent, row in found.items():
        print(f"{agent:<20} {int(row['episodes']):>8} " + " ".join(f"{row[c]:>14.3f}" for c in columns))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
