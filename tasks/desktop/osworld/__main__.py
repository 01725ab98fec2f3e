"""``python -m palaestra.tasks.desktop.osworld [FOLDER]``: which task files of a folder this desktop
can play, and why each other one cannot (its typed error)."""

from __future__ import annotations

import sys

from palaestra.tasks.desktop.osworld import scan_folder, tasks_folder


def main(argv: list[str]) -> int:
    folder = argv[0] if argv else str(tasks_folder())
    tasks, errors = scan_folder(folder)
    for task in tasks:
        print(f"ok    {task.name}  ({task.spec.path})")
    for error in errors:
        print(f"skip  {error}")
    print(f"{len(tasks)} playable, {len(errors)} left out")
    return 0 if tasks else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
