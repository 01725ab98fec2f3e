"""How many of OSWorld's task files load here, per domain, and why the others do not.

    python scripts/osworld_coverage.py OSWORLD/evaluation_examples/examples [CACHE] [--placeholders]

The first argument is a folder of task files, one sub-folder per domain (OSWorld's
``examples/<domain>/<id>.json`` layout); CACHE is OSWorld's cache folder (``<cache>/<task id>/...``,
see ``palaestra.tasks.desktop.osworld.cache``; without it, ``$PALAESTRA_OSWORLD_CACHE`` or none).
``--placeholders`` first creates an empty file in CACHE for every internet file the tasks name that
is not there yet, so that the scan measures everything but the files themselves (a placeholder is
not a real file: only loading is measured, not playing). Prints a Markdown table of loaded and
refused files per domain, then the refusal reasons by count.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from palaestra.tasks.desktop.osworld import load_task
from palaestra.tasks.desktop.osworld.cache import download_name, is_internet
from palaestra.tasks.desktop.osworld.errors import OSWorldTaskError, UnsupportedFeatureError


def cached_names(task: dict[str, Any]) -> Iterator[str]:
    """The cache file names (inside the task's folder) of a task file's internet files."""
    evaluator = task.get("evaluator")
    postconfig = evaluator.get("postconfig") if isinstance(evaluator, dict) else None
    for step in [*(task.get("config") or []), *(postconfig or [])]:
        if isinstance(step, dict) and step.get("type") == "download":
            for entry in (step.get("parameters") or {}).get("files") or []:
                if isinstance(entry, dict) and is_internet(entry.get("url")) and entry.get("path"):
                    yield download_name(str(entry["url"]).strip(), str(entry["path"]))
    yield from _cloud_dests(task.get("evaluator"))


def _cloud_dests(node: object) -> Iterator[str]:
    if isinstance(node, list):
        for item in node:
            yield from _cloud_dests(item)
    elif isinstance(node, dict):
        if node.get("type") == "cloud_file":
            urls, dests = node.get("path"), node.get("dest")
            pairs = zip(urls, dests, strict=False) if node.get("multi") else [(urls, dests)]
            if isinstance(urls, list) == bool(node.get("multi")) and isinstance(dests, list | str):
                yield from (d for u, d in pairs if is_internet(u) and isinstance(d, str) and d.strip())
        for value in node.values():
            yield from _cloud_dests(value)


def fill_placeholders(tasks: Path, cache: Path) -> int:
    """Create an empty cache file for each internet file not cached yet; how many were made."""
    made = 0
    for path in sorted(tasks.rglob("*.json")):
        try:
            task = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeError):
            continue
        task_id = task.get("id") if isinstance(task, dict) else None
        if not isinstance(task_id, str) or "/" in task_id or task_id.startswith("."):
            continue
        for name in cached_names(task):
            if "/" in name or name in (".", ".."):
                continue
            target = cache / task_id / name
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                target.touch()
                made += 1
    return made


def reason(error: OSWorldTaskError) -> str:
    """A short, countable key for why a file was refused (no file names, no step indices)."""
    if isinstance(error, UnsupportedFeatureError):
        name = error.name if len(error.name) <= 60 else error.name[:57] + "..."
        return f"unsupported {error.kind} `{name}`"
    where = re.sub(r"\[\d+\]", "", error.where)
    return f"{type(error).__name__} at {where}"


def scan(tasks: Path, cache: Path | None) -> tuple[dict[str, Counter[str]], dict[str, Counter[str]]]:
    """Per domain: counts of ``loaded``/``refused``, and refusal reasons by count."""
    totals: dict[str, Counter[str]] = {}
    reasons: dict[str, Counter[str]] = {}
    for path in sorted(tasks.rglob("*.json")):
        domain = path.relative_to(tasks).parts[0] if len(path.relative_to(tasks).parts) > 1 else "."
        totals.setdefault(domain, Counter())
        reasons.setdefault(domain, Counter())
        try:
            load_task(path, path.parent, cache)
        except OSWorldTaskError as exc:
            totals[domain]["refused"] += 1
            reasons[domain][reason(exc)] += 1
        else:
            totals[domain]["loaded"] += 1
    return totals, reasons


def report(totals: dict[str, Counter[str]], reasons: dict[str, Counter[str]], top: int) -> str:
    lines = ["| domain | files | loaded | refused |", "| --- | --- | --- | --- |"]
    for domain in sorted(totals):
        t = totals[domain]
        lines.append(f"| {domain} | {t['loaded'] + t['refused']} | {t['loaded']} | {t['refused']} |")
    loaded = sum(t["loaded"] for t in totals.values())
    refused = sum(t["refused"] for t in totals.values())
    lines.append(f"| **all** | {loaded + refused} | {loaded} | {refused} |")
    overall: Counter[str] = sum(reasons.values(), Counter())
    lines += ["", "| refusal reason | files | domains |", "| --- | --- | --- |"]
    for key, count in overall.most_common(top):
        where = ", ".join(f"{d} {reasons[d][key]}" for d in sorted(reasons) if reasons[d][key])
        lines.append(f"| {key} | {count} | {where} |")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tasks", type=Path, help="folder of task files, one sub-folder per domain")
    parser.add_argument("cache", type=Path, nargs="?", help="OSWorld's cache folder")
    parser.add_argument("--placeholders", action="store_true", help="create empty files for uncached URLs")
    parser.add_argument("--top", type=int, default=25, help="how many refusal reasons to list")
    args = parser.parse_args(argv)
    if not args.tasks.is_dir():
        parser.error(f"{args.tasks} is not a folder of task files")
    if args.placeholders and args.cache is not None:
        print(f"{fill_placeholders(args.tasks, args.cache)} placeholder file(s) made in {args.cache}\n")
    print(report(*scan(args.tasks, args.cache), args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
