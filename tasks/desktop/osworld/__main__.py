"""``python -m palaestra.tasks.desktop.osworld [--cache CACHE] [FOLDER]``: which task files of a
folder (or of OSWorld's task list, ``evaluation_examples/test_all.json``) this desktop can play,
and why each other one cannot (its typed error), with a note under a playable one whose commands
run programs this desktop lacks or cannot serve (a settings schema, systemd); ``--cache`` names
OSWorld's cache folder, where the files of internet URLs are found (default
``$PALAESTRA_OSWORLD_CACHE``)."""

from __future__ import annotations

import argparse
import sys

from palaestra.tasks.desktop.osworld import scan_folder, tasks_folder
from palaestra.tasks.desktop.osworld.programs import unplayable_notes


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m palaestra.tasks.desktop.osworld")
    parser.add_argument(
        "folder",
        nargs="?",
        help="a folder of OSWorld task files, or OSWorld's task list (test_all.json...); "
        "default: the suite's",
    )
    parser.add_argument("--cache", help="OSWorld's cache folder (default: $PALAESTRA_OSWORLD_CACHE)")
    args = parser.parse_args(argv)
    tasks, errors = scan_folder(args.folder or str(tasks_folder()), args.cache)
    for task in tasks:
        print(f"ok    {task.name}  ({task.spec.path})")
        for note in unplayable_notes(task):  # loads, but its commands fail here: unplayable as written
            print(f"      note: {note}")
    for error in errors:
        print(f"skip  {error}")
    print(f"{len(tasks)} playable, {len(errors)} left out")
    return 0 if tasks else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
