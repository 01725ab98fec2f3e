"""What listing a Calc sheet's visible cells costs the desktop's tree, and what remembering their
objects saves LibreOffice's memory.

Run from the repository root (nice it on a shared machine)::

    nice .venv/bin/python -m bench.speed.sheet_cells
    nice .venv/bin/python -m bench.speed.sheet_cells --rounds 5 --sheets filled

Each sheet (20x10 filled, empty, and 200x40 filled: more than the window shows) is opened in Calc
on a real desktop; this process then reads the session's accessibility bus itself, as the session
does for an observation, and times the tree fetch (snapshot, then LibreOffice's nodes put right)
without the cells and with them, interleaved so that a busy machine slows both alike. "cold" is
the first read with the cells (every cell object made); the others reuse them. Then the office's
memory over ``--rounds`` more reads: without the cells, remembering the cell objects (as the
session does), and asking for new ones at each read (LibreOffice never frees them). Printed:
medians in ms and the ratio with/without; the step column is a whole `env.step` (tree and
screenshot) for scale.
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import openpyxl
import psutil

from palaestra.envs.desktop import DesktopEnv
from palaestra.tasks.base import Evaluation
from palaestra.tasks.desktop.base import DesktopOutcome, DesktopSetup, DesktopTask, verdict

# The session's own modules, imported as the session imports them (beside each other).
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "envs" / "desktop"))
import atspi
import office
import sheet_cells

SHEETS = {"filled": (20, 10), "empty": (0, 0), "large": (200, 40)}


class OpenSheet(DesktopTask):
    """A workbook of ``rows`` x ``columns`` numbers open in Calc; nothing to achieve."""

    name = "sheet-cells-bench"

    def __init__(self, rows: int, columns: int) -> None:
        self.rows, self.columns = rows, columns

    def setup(self, rng: random.Random) -> DesktopSetup:
        book = openpyxl.Workbook()
        for row in range(self.rows):
            book.active.append([row * 100 + column for column in range(self.columns)])
        data = io.BytesIO()
        book.save(data)
        return DesktopSetup(
            goal="Look.", apps=(("soffice", "--calc", "~/book.xlsx"),), files={"book.xlsx": data.getvalue()}
        )

    def evaluate(self, outcome: DesktopOutcome) -> Evaluation:
        return verdict(False)


def the_office(env: DesktopEnv) -> psutil.Process:
    """The session's soffice.bin (its profile lives in the session's folder)."""
    base = env.session_info["base"]
    for proc in psutil.process_iter(["name", "cmdline"]):
        if proc.info["name"] == "soffice.bin" and base in " ".join(proc.info["cmdline"] or []):
            return proc
    raise RuntimeError("no soffice.bin in this session")


def fetch(reader: Any, paths: Any) -> tuple[float, int]:
    """One tree fetch as an observation makes it: seconds, and how many table cells it lists."""
    started = time.perf_counter()
    nodes = office.adjust(reader, reader.snapshot(), "", "", paths)
    return time.perf_counter() - started, sum(n.role == "table cell" for n in nodes)


def measure(label: str, rows: int, columns: int, rounds: int) -> dict[str, Any]:
    env = DesktopEnv(OpenSheet(rows, columns))
    try:
        env.reset(seed=0)
        proc = the_office(env)
        reader = atspi.AtspiReader(proc.environ()["DBUS_SESSION_BUS_ADDRESS"])
        try:
            paths = sheet_cells.CellPaths()
            cold, listed = fetch(reader, paths)
            without, with_cells = [], []
            for _ in range(rounds):
                without.append(fetch(reader, None)[0])
                with_cells.append(fetch(reader, paths)[0])
            steps = []
            for _ in range(rounds):
                started = time.perf_counter()
                env.step("wait(0)")
                steps.append(time.perf_counter() - started)
            growth = {}
            for mode in ("none", "kept", "new"):
                before = proc.memory_info().rss
                for _ in range(rounds):
                    fetch(reader, {"none": None, "kept": paths, "new": sheet_cells.CellPaths()}[mode])
                growth[mode] = (proc.memory_info().rss - before) / 2**20
        finally:
            reader.close()
    finally:
        env.close()
    return {
        "sheet": f"{label} {rows}x{columns}",
        "listed": listed,
        "without_ms": 1000 * statistics.median(without),
        "with_ms": 1000 * statistics.median(with_cells),
        "cold_ms": 1000 * cold,
        "step_ms": 1000 * statistics.median(steps),
        "rss_none_mb": growth["none"],
        "rss_kept_mb": growth["kept"],
        "rss_new_mb": growth["new"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--sheets", default=",".join(SHEETS), help="of: " + ", ".join(SHEETS))
    args = parser.parse_args()
    print(f"{psutil.cpu_count()} cores; load {psutil.getloadavg()[0]:.1f}; cap {sheet_cells.MAX_CELLS} cells")
    print(
        f"{'sheet':16} {'cells':>5} {'without':>8} {'with':>7} {'ratio':>6} {'cold':>7} {'step':>7} "
        f"{'RSS none':>8} {'kept':>5} {'new':>5}  (median ms; MB more after {args.rounds} reads)"
    )
    for label in args.sheets.split(","):
        r = measure(label, *SHEETS[label], args.rounds)
        print(
            f"{r['sheet']:16} {r['listed']:5d} {r['without_ms']:8.1f} {r['with_ms']:7.1f} "
            f"{r['with_ms'] / r['without_ms']:6.2f} {r['cold_ms']:7.1f} {r['step_ms']:7.1f} "
            f"{r['rss_none_mb']:8.1f} {r['rss_kept_mb']:5.1f} {r['rss_new_mb']:5.1f}"
        )


if __name__ == "__main__":
    main()
