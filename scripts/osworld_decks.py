"""Write the bundled OSWorld tasks' presentations (tasks/desktop/osworld/data/files/*.pptx).

Each deck is built with python-pptx and then saved again by LibreOffice Impress (headless, with a
throwaway profile), so that a deck the agent saves from Impress compares equal to the expected one
in every property compare_pptx_files examines (Impress writes fonts, sizes and alignments that
python-pptx leaves to the master, and rounds positions). Run from the repository's root with the
venv's Python: ``.venv/bin/python scripts/osworld_decks.py``. The files are committed; nothing runs
this at test or run time.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from pptx import Presentation

FILES = Path(__file__).resolve().parent.parent / "tasks/desktop/osworld/data/files"
#: Each deck: its slides as (layout index, title, body lines).
DECKS = {
    "club.pptx": [
        (0, "Garden Club", ["Spring meeting"]),
        (1, "Quarterly Plan", ["Plant tomatoes", "Build a shed"]),
    ],
    "club_expected.pptx": [
        (0, "Garden Club", ["Spring meeting"]),
        (1, "Yearly Plan", ["Plant tomatoes", "Build a shed"]),
    ],
    "talk.pptx": [(0, "Bird Watching", ["A short talk"]), (1, "What to bring", ["Binoculars", "A notebook"])],
}


def build(slides: list[tuple[int, str, list[str]]], path: Path) -> None:
    deck = Presentation()
    for layout, title, lines in slides:
        slide = deck.slides.add_slide(deck.slide_layouts[layout])
        slide.shapes.title.text = title
        slide.placeholders[1].text = "\n".join(lines)
    deck.save(str(path))


def resave(path: Path, into: Path, profile: Path) -> None:
    """``path`` opened and saved as pptx by LibreOffice into the folder ``into``."""
    options = ["--headless", "--convert-to", "pptx", "--outdir", str(into)]
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{profile}", *options, str(path)],
        check=True,
        capture_output=True,
        timeout=120,
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        (work / "built").mkdir()
        for name, slides in DECKS.items():
            build(slides, work / "built" / name)
            resave(work / "built" / name, work / "saved", work / "profile")
            shutil.copyfile(work / "saved" / name, FILES / name)
            print(f"wrote {FILES / name}")


if __name__ == "__main__":
    main()
