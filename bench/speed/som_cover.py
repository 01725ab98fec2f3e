"""What finding covered elements costs a set-of-marks step in the browser, on a small page and a
large one.

Run from the repository root (nice it on a shared machine)::

    nice .venv/bin/python -m bench.speed.som_cover                  # 400 product cards, 40 rounds
    nice .venv/bin/python -m bench.speed.som_cover --cards 1000 --rounds 20

With set-of-marks on, the DOM snapshot also asks for paint order and ten computed styles
(`palaestra.envs.observation.SOM_SNAPSHOT_PARAMS`), and `palaestra.envs.occlusion` finds the
covered elements in Python. This times, on one page, the snapshot call with the plain and with the
set-of-marks parameters (interleaved, so a busy machine slows both alike), parsing each, and the
occlusion pass over the elements that would otherwise get a mark. On shared cores the snapshots'
wall times swing by tens of milliseconds; the CPU time Chromium and the Playwright driver spend
on each (read from /proc, summed over this process's descendants) is what they cost, and steadier.
The pages: the tests' overlays page (about 50 elements) and a shop-like page of ``--cards`` cards
(each a heading, text, a link, a button, an input and a positioned badge: 7 elements), a sticky
header and a cookie banner.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

from playwright.async_api import async_playwright

from bench.common import log
from palaestra.envs.browser import find_chromium
from palaestra.envs.observation import SNAPSHOT_PARAMS, SOM_SNAPSHOT_PARAMS
from palaestra.envs.occlusion import Occlusion
from palaestra.envs.snapshot import Snapshot

OVERLAYS = Path(__file__).resolve().parents[2] / "tests" / "envs" / "pages" / "overlays.html"
VIEWPORT = (800, 600)


def shop_page(cards: int) -> str:
    items = "\n".join(
        f'<div class="card"><h3>Item {i}</h3><p>A few words about item {i}.</p><a href="#i{i}">Details</a> '
        f'<button>Add</button> <input placeholder="qty"><span class="badge">new</span></div>'
        for i in range(cards)
    )
    nav = " ".join(f'<a href="#n{i}">Section {i}</a>' for i in range(10))
    return f"""<!DOCTYPE html><html><head><title>Shop</title><style>
header {{ position: sticky; top: 0; height: 50px; background: #eee; }}
.card {{ position: relative; display: inline-block; width: 300px; margin: 8px; border: 1px solid #ccc; }}
.badge {{ position: absolute; top: 4px; right: 4px; }}
#banner {{ position: fixed; left: 0; right: 0; bottom: 0; height: 60px; background: #ffd; }}
</style></head><body><header>{nav}</header>{items}<div id="banner"><button>OK</button></div>
<script>window.scrollTo(0, 300)</script></body></html>"""


async def measure(url: str, rounds: int) -> dict[str, float]:
    """Median milliseconds of each phase on the page at ``url``."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=find_chromium(playwright))
        try:
            page = await browser.new_page(viewport={"width": VIEWPORT[0], "height": VIEWPORT[1]})
            await page.goto(url)
            cdp = await page.context.new_cdp_session(page)
            phases = ("plain", "som", "parse plain", "parse som", "cover", "cpu plain", "cpu som")
            times: dict[str, list[float]] = {phase: [] for phase in phases}
            for _ in range(rounds):
                for name, params in (("plain", SNAPSHOT_PARAMS), ("som", SOM_SNAPSHOT_PARAMS)):
                    cpu, started = descendants_cpu_s(), time.perf_counter()
                    raw = await cdp.send("DOMSnapshot.captureSnapshot", params)
                    times[name].append(time.perf_counter() - started)
                    times[f"cpu {name}"].append(descendants_cpu_s() - cpu)
                    parsing = time.perf_counter()
                    dom = Snapshot(raw, 200)
                    times[f"parse {name}"].append(time.perf_counter() - parsing)
                candidates = [i for i in dom.bounds if dom.node_type[i] == 1 and on_screen(dom, i)]
                started = time.perf_counter()
                Occlusion(dom, VIEWPORT).hidden(candidates)
                times["cover"].append(time.perf_counter() - started)
            medians = {phase: round(statistics.median(v) * 1e3, 2) for phase, v in times.items()}
            medians |= {p: round(statistics.mean(times[p]) * 1e3, 1) for p in ("cpu plain", "cpu som")}
            return medians | {"nodes": len(dom.tag)}
        finally:
            await browser.close()


def descendants_cpu_s() -> float:
    """CPU seconds (user and system) this process's descendants have spent: the Playwright driver
    and the Chromium it started."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:  # gone meanwhile
                continue
            children.setdefault(int(fields[1]), []).append(int(entry))
    total, stack = 0, list(children.get(os.getpid(), []))
    while stack:
        pid = stack.pop()
        stack.extend(children.get(pid, []))
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def on_screen(dom: Snapshot, i: int) -> bool:
    """Visible and in the viewport: what set-of-marks would consider marking."""
    x, y, w, h = dom.bounds[i]
    return dom.is_visible(i) and x < VIEWPORT[0] and y < VIEWPORT[1] and x + w > 0 and y + h > 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cards", type=int, default=400, help="cards on the large page (7 elements each)")
    parser.add_argument("--rounds", type=int, default=40, help="snapshots of each kind per page")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        shop = Path(folder) / "shop.html"
        shop.write_text(shop_page(args.cards))
        pages = (("overlays page", OVERLAYS.as_uri()), (f"shop page, {args.cards} cards", shop.as_uri()))
        for name, url in pages:
            log(f"timing the {name}")
            got = asyncio.run(measure(url, args.rounds))
            added = got["som"] - got["plain"] + got["parse som"] - got["parse plain"] + got["cover"]
            print(
                f"{name} ({got['nodes']:.0f} nodes): snapshot {got['plain']} ms plain, "
                f"{got['som']} ms for SoM; "
                f"parsing {got['parse plain']} / {got['parse som']} ms; occlusion {got['cover']} ms; "
                f"added per SoM step {added:.2f} ms; "
                f"CPU per snapshot (driver and Chromium, mean) {got['cpu plain']} ms plain, "
                f"{got['cpu som']} ms SoM"
            )


if __name__ == "__main__":
    main()
