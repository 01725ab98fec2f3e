"""``fuzzy_match`` against hand labels: how often the model's verdict agrees with a person's.

    python -m bench.agents.fuzzy_match [--sample bench/agents/data/fuzzy_match_sample.jsonl] [--json out.json]

The sample (60 WebArena-style question / reference / answer triples, half equivalent, written for
this benchmark, see ``bench/agents/data/README.md``) is graded by ``afuzzy_match`` with the default model
(``PALAESTRA_LLM_*`` endpoint, else the embedded one). The anchor is what needs no model: answers
equal after folding case, spaces and end punctuation count as matches, everything else as not.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from pathlib import Path
from typing import Any

from bench.common import emit

SAMPLE = Path(__file__).parent / "data" / "fuzzy_match_sample.jsonl"


def scores(labels: list[bool], verdicts: list[bool]) -> dict[str, Any]:
    pairs = list(zip(labels, verdicts, strict=True))
    tp = sum(label and verdict for label, verdict in pairs)
    fp = sum(verdict and not label for label, verdict in pairs)
    fn = sum(label and not verdict for label, verdict in pairs)
    return {
        "agreement": round(sum(label == verdict for label, verdict in pairs) / len(pairs), 3),
        "precision": round(tp / (tp + fp), 3) if tp + fp else None,
        "recall": round(tp / (tp + fn), 3) if tp + fn else None,
        "false_matches": fp, "missed_matches": fn,
    }  # fmt: skip


async def grade(rows: list[dict[str, Any]]) -> tuple[list[bool], list[float], str]:
    from palaestra.agents.llm import default_model
    from palaestra.agents.llm.fuzzy import afuzzy_match

    verdicts, seconds = [], []
    async with default_model() as model:
        for row in rows:
            started = time.perf_counter()
            verdicts.append(await afuzzy_match(row["reference"], row["prediction"], row["question"], model))
            seconds.append(time.perf_counter() - started)
        return verdicts, seconds, model.name


def main(argv: list[str] | None = None) -> int:
    from palaestra.agents.llm.fuzzy import normalise

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=Path, default=SAMPLE)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    rows = [json.loads(line) for line in args.sample.read_text().splitlines() if line.strip()]
    labels = [bool(row["label"]) for row in rows]
    anchor = [normalise(row["reference"]) == normalise(row["prediction"]) for row in rows]
    verdicts, seconds, name = asyncio.run(grade(rows))
    result = {
        "model": name, "items": len(rows), "equivalent": sum(labels),
        "settled_without_model": sum(anchor),
        "normaliser_only": scores(labels, anchor), "fuzzy_match": scores(labels, verdicts),
        "seconds_per_item": round(sum(seconds) / len(seconds), 2),
    }  # fmt: skip
    for row, verdict in zip(rows, verdicts, strict=True):
        if verdict != row["label"]:
            print(
                f"wrong ({'match' if verdict else 'no match'}): {row['reference']!r} vs {row['prediction']!r}"
            )
    return emit(result, args.json)


if __name__ == "__main__":
    raise SystemExit(main())
