"""The embedded default job: an evaluation run of the offline memory agent on a MiniWoB++ subset.

    python -m palaestra.demo [--tasks a,b] [--seeds 1000-1004] [--workers N] [--out results/demo]
    python -m palaestra.demo --llm   # the Synapse agent with the embedded LLM instead (scripts/demo-llm)

The agent needs no model: it replays the nearest recorded demonstration, grounded in the new page.
Its memory is recorded once from the scripted solutions of the same tasks on seeds 0-4 (cached
under `.cache/memory/`); evaluation is on other seeds. The run is an ordinary `palaestra eval`
run (resumable: running again skips what finished), then summarised and written up as a report.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
from pathlib import Path

from palaestra.runs.spec import AgentEntry, build_run_config, settings_from_env

DEFAULT_TASKS = (
    "click-button", "click-checkboxes", "click-link", "enter-text", "enter-date", "choose-list",
    "email-inbox", "login-user",
)  # fmt: skip
DEMO_SEEDS = "0-4"
#: Tasks of the LLM demo: a few quick ones the embedded 270M model does well (bench.agents.synapse_llm).
LLM_TASKS = ("enter-text", "click-link", "choose-list", "click-button")


def memory_for(tasks: list[str], cache: Path) -> Path:
    """The memory of the oracles' demonstrations on these tasks, recorded on first use."""
    from palaestra.agents.demos import DEMO_FORMAT, record_oracles
    from palaestra.config import parse_seeds
    from palaestra.runs.memory_cli import add_to_memory

    key = hashlib.sha256(f"{sorted(tasks)}|{DEMO_SEEDS}|{DEMO_FORMAT}".encode()).hexdigest()[:12]
    path = cache / f"oracles-{key}"
    if not (path / "meta.json").exists():
        print(f"Recording demonstrations of {len(tasks)} tasks on seeds {DEMO_SEEDS} into {path} ...")
        building = path.with_name(path.name + ".building")  # a stopped recording is never reused
        shutil.rmtree(building, ignore_errors=True)
        memory, _ = add_to_memory(building, record_oracles(tasks, parse_seeds(DEMO_SEEDS)))
        memory.close()
        building.rename(path)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", help="comma-separated MiniWoB++ tasks")
    parser.add_argument("--seeds", help="evaluation seeds (default 1000-1004; 1000-1002 with --llm)")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--out", help="run directory (default results/demo, or results/demo-llm)")
    parser.add_argument(
        "--llm", action="store_true",
        help="evaluate the Synapse agent with the LLM (PALAESTRA_LLM_* endpoint, else the embedded model)",
    )  # fmt: skip
    parser.add_argument("--cache", default=".cache/memory", help="where recorded memories are kept")
    args = parser.parse_args(argv)
    import palaestra  # noqa: F401  (registers the task suites)
    from palaestra.runs.report import write_report
    from palaestra.runs.results import format_summary, load_rows, summarize
    from palaestra.runs.runner import run_eval
    from palaestra.tasks.miniwob.oracles import ORACLES

    tasks_text = args.tasks or ",".join(LLM_TASKS if args.llm else DEFAULT_TASKS)
    tasks = [t.strip() for t in tasks_text.split(",") if t.strip()]
    seeds = args.seeds or ("1000-1002" if args.llm else "1000-1004")
    out = args.out or ("results/demo-llm" if args.llm else "results/demo")
    missing = [t for t in tasks if t not in ORACLES]
    if missing:
        known = ", ".join(sorted(ORACLES))
        parser.error(f"no recorded solutions for {', '.join(missing)}; choose from {known}")
    memory = memory_for(tasks, Path(args.cache)).resolve()
    agent = AgentEntry("memory", (("memory", str(memory)),))
    if args.llm:
        agent = AgentEntry("synapse", (("memory", str(memory)), ("exemplars", "2"), ("max_tokens", "64")))
    config = build_run_config(
        None,
        settings_from_env(),
        {"out": out, "tasks": tasks, "seeds": seeds, "workers": args.workers, "max_steps": 12},
        [agent],
    )
    result = run_eval(config)
    print(format_summary(summarize(load_rows(out))))
    if not result.interrupted:
        print(f"Report: {write_report(out)}")
    return 130 if result.interrupted else 0


if __name__ == "__main__":
    raise SystemExit(main())
