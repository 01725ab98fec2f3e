"""`palaestra memory`: build exemplar memories from recorded runs or the oracles, and inspect them.

Any finished episode of a run made with `--record-demos`, and any trajectory recorded by the server
(`--trajectories DIR`), can become an exemplar trajectory; by default only the successful ones do,
since a memory of failures teaches the wrong moves.
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from palaestra.config import ConfigError, parse_seeds
from palaestra.memory import Embedder, Exemplar, ExemplarMemory
from palaestra.runs.artifacts import confined
from palaestra.runs.memory_files import export_memory, read_exemplar_file
from palaestra.runs.store import RunStore
from palaestra.runs.trajectory import TRAJECTORY_FILE, find_trajectories, read_trajectory


def exemplars_from_run(run_dir: str | Path, only_successful: bool = True) -> list[Exemplar]:
    """The recorded demonstrations of a run's finished episodes."""
    run_dir = Path(run_dir)
    exemplars = []
    with RunStore(run_dir, readonly=True) as store:
        rows = store.episodes()
    for row in rows:
        if row["status"] != "done" or (only_successful and not row["success"]):
            continue
        steps, goal = _demonstration(confined(run_dir, row["artifacts"] or ""))
        if not steps:
            continue
        suite, _, task = row["task"].partition(".")
        exemplars.append(
            Exemplar(
                goal=goal, suite=suite, task=task, trajectory=steps,
                success=bool(row["success"]), reward=float(row["reward"]), source=f"run:{run_dir.name}",
                metadata={"agent": row["agent"], "seed": row["seed"]},
            )
        )  # fmt: skip
    return exemplars


def _demonstration(folder: Path) -> tuple[list[dict[str, Any]], str]:
    """The demonstration steps of the trajectory in ``folder`` (none without one), and its goal."""
    if not (folder / TRAJECTORY_FILE).is_file():
        return [], ""
    episode = read_trajectory(folder)
    return episode.demonstration_steps(), str(episode.header.get("goal", ""))


def exemplars_from_trajectories(root: str | Path, only_successful: bool = True) -> list[Exemplar]:
    """The demonstrations among the trajectories under ``root`` (recorded by `palaestra serve
    --trajectories`, the UI, or copied from runs)."""
    exemplars = []
    for folder in find_trajectories(root):
        episode = read_trajectory(folder)
        steps = episode.demonstration_steps()
        task_name = str(episode.header.get("task", ""))
        if not steps or not task_name or (only_successful and not episode.success):
            continue
        suite, _, task = task_name.partition(".")
        reward = float(episode.end["reward"]) if episode.end else 0.0
        exemplars.append(
            Exemplar(
                goal=episode.header.get("goal", ""), suite=suite, task=task, trajectory=steps,
                success=episode.success, reward=reward, source=f"trajectory:{Path(root).name}",
                metadata={"seed": episode.header.get("seed"), "source": episode.header.get("source", "")},
            )
        )  # fmt: skip
    return exemplars


def require_demos(run_dir: str | Path, memory_path: str | Path) -> None:
    """Refuse a run that recorded no demonstration (made without `--record-demos`), with the fix."""
    run_dir = Path(run_dir)
    with RunStore(run_dir, readonly=True) as store:
        folders = [row["artifacts"] for row in store.episodes() if row["artifacts"]]
    if any(_demonstration(confined(run_dir, folder))[0] for folder in folders):
        return
    raise ConfigError(
        f"{run_dir} holds no demonstrations: it was run without --record-demos. Fix: run the same "
        "evaluation with --record-demos into a new --out (the same --out would skip its finished "
        f"episodes), then `palaestra memory build {memory_path} --run NEW_OUT`."
    )


def require_miniwob_oracles(patterns: list[str], memory_path: str | Path) -> None:
    """Refuse ``--oracles`` globs that name no MiniWoB++ oracle (``shop.*``: the site suites' oracles
    play only in runs), with the way to record those, instead of adding nothing without a word."""
    import fnmatch

    from palaestra.tasks.miniwob.oracles import ORACLES

    unmatched = [
        p for p in patterns if not any(fnmatch.fnmatchcase(t, p.removeprefix("miniwob.")) for t in ORACLES)
    ]
    if not unmatched:
        return
    suite = unmatched[0].split(".", 1)[0] if "." in unmatched[0] else "SUITE"
    raise ConfigError(
        f"--oracles {','.join(unmatched)} names no MiniWoB++ oracle (--oracles takes MiniWoB++ task globs, "
        f"e.g. 'click-*'). For the site, WebArena-style and desktop suites, record their oracles in a run: "
        f"palaestra eval --agent oracle --suite {suite} --record-demos --out results/{suite}-demos, then "
        f"palaestra memory build {memory_path} --run results/{suite}-demos"
    )


def add_to_memory(
    path: str | Path, exemplars: Iterable[Exemplar], embedder: Embedder | None = None
) -> tuple[ExemplarMemory, int]:
    """The one way memories are built: open (or create) the memory at ``path``, add ``exemplars``
    (duplicates are merged), save. Returns the memory and how many exemplars it gained."""
    memory = ExemplarMemory.open_or_create(path, embedder=embedder)
    before = len(memory)
    memory.add(exemplars)
    memory.save()
    return memory, len(memory) - before


def build_memory(args: argparse.Namespace) -> int:
    trajectories = getattr(args, "trajectories", None) or []
    files = getattr(args, "exemplars", None) or []
    if not args.run and not args.oracles and not trajectories and not files:
        print(
            "palaestra memory build: say where from: "
            "--run RUN_DIR, --trajectories DIR, --exemplars FILE and/or --oracles 'GLOBS'."
        )
        return 2
    for run in args.run or []:  # before anything slow: a run without demonstrations is a mistake
        require_demos(run, args.path)
    if args.oracles:
        require_miniwob_oracles(args.oracles.split(","), args.path)
    found: list[Exemplar] = [e for file in files for e in read_exemplar_file(file)]  # refused whole
    if args.oracles:
        from palaestra.agents.demos import record_oracles

        patterns = [p.removeprefix("miniwob.") for p in args.oracles.split(",")]  # full names work too
        seeds = parse_seeds(args.seeds)
        recorded = record_oracles(patterns, seeds, only_successful=False)
        print(oracle_tally(patterns, seeds, recorded, keep_failures=args.all))
        found += [e for e in recorded if e.success or args.all]
    for run in args.run or []:
        found += exemplars_from_run(run, only_successful=not args.all)
    for root in trajectories:
        found += exemplars_from_trajectories(root, only_successful=not args.all)
    embedder = chosen_embedder(args.embedder) if getattr(args, "embedder", None) else None
    memory, added = add_to_memory(args.path, found, embedder)
    merged = len(found) - added
    also = f" ({merged} of the {len(found)} found were there already)" if merged else ""
    print(f"{added} exemplars added{also}; {args.path} holds {len(memory)}.")
    return 0


def oracle_tally(patterns: list[str], seeds: list[int], recorded: list[Exemplar], keep_failures: bool) -> str:
    """What ``--oracles`` recorded, so that a count of exemplars can be read: a glob also matches
    MiniWoB++ tasks without a scripted solution, and an oracle's failed episode is left out."""
    import fnmatch

    from palaestra.tasks.registry import all_tasks

    matching = sorted(
        name.removeprefix("miniwob.")
        for name, spec in all_tasks().items()
        if spec.suite == "miniwob"
        and any(fnmatch.fnmatchcase(name.removeprefix("miniwob."), p) for p in patterns)
    )
    played = sorted({e.task for e in recorded})
    without = [t for t in matching if t not in played]
    failed = sum(not e.success for e in recorded)
    line = (
        f"--oracles: {len(played)} of the {len(matching)} MiniWoB++ tasks matching have a scripted solution"
    )
    if without:
        shown = ", ".join(without[:6]) + (f" and {len(without) - 6} more" if len(without) > 6 else "")
        line += f" (none for {shown})"
    line += f"; {len(recorded) - failed} of their {len(recorded)} episodes on {len(seeds)} seeds succeeded"
    if failed:
        line += " (the others kept: --all)" if keep_failures else " (the others left out; --all keeps them)"
    return line + "."


def chosen_embedder(choice: str) -> Embedder:
    """`--embedder`: `minilm`, `mpnet`, or `openai:MODEL` at the endpoint the environment names
    (as when the memory is opened again, so a run finds it the same way)."""
    from palaestra.errors import UnknownNameError
    from palaestra.memory.embedders import OPENAI_PREFIX, endpoint_embedder
    from palaestra.memory.mpnet import EMBEDDERS, make_embedder

    if not choice.startswith(OPENAI_PREFIX):
        if choice not in EMBEDDERS:
            raise UnknownNameError("embedder", choice, EMBEDDERS, "Choose minilm, mpnet or openai:MODEL.")
        return make_embedder(choice)
    embedder = endpoint_embedder(choice.removeprefix(OPENAI_PREFIX))
    if embedder is None:
        raise ConfigError(
            f"--embedder {choice}: no embeddings endpoint is configured. Export "
            "PALAESTRA_EMBED_BASE_URL=http://HOST:PORT/v1 (and PALAESTRA_EMBED_API_KEY if it needs one); "
            "runs read the same variables to open the memory."
        )
    return embedder


def export_exemplars(args: argparse.Namespace) -> int:
    """`palaestra memory export`: every exemplar as a JSON line, to stdout or ``--out``."""
    if not args.out:
        export_memory(args.path)
        return 0
    with open(args.out, "w", encoding="utf-8") as out:
        count = export_memory(args.path, out)
    print(f"{count} exemplars of {args.path} written to {args.out} (one a line; --exemplars reads them).")
    return 0


def inspect_memory(args: argparse.Namespace) -> int:
    memory = ExemplarMemory.open(args.path)
    exemplars = [memory.get(i) for i in memory.ids()]
    print(f"{args.path}: {len(exemplars)} exemplars, embedder {memory.embedder.name}")
    families = Counter(f"{e.suite}.{e.task}" for e in exemplars)
    for family, count in families.most_common():
        sources = Counter(e.source for e in exemplars if f"{e.suite}.{e.task}" == family)
        print(f"  {family:<40} {count:>4}  {dict(sources)}")
    return 0
