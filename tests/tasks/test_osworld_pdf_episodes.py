"""The bundled PDF tasks (OSWorld's format) on a real Xvfb with the real Evince: an ``open`` step
opens a PDF in Evince, whose window is titled as OSWorld's tasks expect and whose pages' text and
form fields are in the accessibility tree; an episode that says done at once scores 0, then the
oracle's episode scores 1: judged by compare_pdfs on the form Evince saved, and by
check_include_exclude on the answer typed into the editor beside it. One desktop session serves
all."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from palaestra.envs.desktop import DesktopEnv
from palaestra.tasks.desktop.osworld import BUNDLED, load_folder, load_task

from .osworld_play import done_fails_and_the_oracle_solves
from .test_osworld_vlc_episodes import app_processes

PDF = {t.spec.id: t for t in load_folder(BUNDLED) if "pdf" in t.spec.related_apps}


@pytest.fixture(scope="module")
def env() -> Iterator[DesktopEnv]:
    shared = DesktopEnv(PDF["pdf-fill-form"])
    yield shared
    shared.close()


def test_the_pdf_tasks() -> None:
    assert sorted(PDF) == ["pdf-fill-form", "pdf-note-answer"]


def test_the_open_step_opens_the_pdf_in_evince(env: DesktopEnv) -> None:
    env.task = PDF["pdf-fill-form"]
    obs, _info = env.reset(seed=0)
    [viewer] = app_processes(env)
    assert viewer.name() == "evince" and viewer.cmdline()[-1].endswith("/Desktop/application.pdf")
    # Titled "file — title" (the title from the PDF's information), as OSWorld's tasks name it.
    assert obs["focused_window"] == "application.pdf \u2014 Library card application"
    [page] = [e for e in obs["elements"] if e["role"] == "page"]
    assert page["value"].startswith("Riverside Public Library\nLibrary card application")
    [field] = [e for e in obs["elements"] if e["role"] == "entry"]
    assert field["editable"] and field["value"] == ""
    pages = [e for e in obs["elements"] if e["role"] == "text" and e["name"] == "page-label-entry"]
    assert [p["value"] for p in pages] == ["1"]


def test_the_form_task(env: DesktopEnv) -> None:
    done_fails_and_the_oracle_solves(env, PDF["pdf-fill-form"])
    home = env._home
    assert home is not None
    saved = PdfReader(home / "Desktop" / "Ada Lovelace.pdf")
    assert saved.get_fields()["full_name"].get("/V") == "Ada Lovelace"  # Evince wrote the field
    assert PdfReader(home / "Desktop" / "application.pdf").get_fields()["full_name"].get("/V") is None


def test_the_reading_task(env: DesktopEnv) -> None:
    env.task = PDF["pdf-note-answer"]
    obs, _info = env.reset(seed=0)
    assert obs["focused_window"].startswith("lecture.pdf")  # in front of the editor, as OSWorld's last opened
    assert [w["app"] for w in obs["windows"]].count("Mousepad") == 1
    info = done_fails_and_the_oracle_solves(env, PDF["pdf-note-answer"])
    assert info["task_info"]["checks"][0]["score"] == 1.0
    home = env._home
    assert home is not None
    assert (home / "Desktop" / "answer.txt").read_text().strip() == "O(log n)"


def test_lecture_notes_beside_music_in_vlc(env: DesktopEnv, tmp_path: Path) -> None:
    """OSWorld's setup of a PDF read while VLC plays (its vlc task 386dbd0e): VLC starts with a
    file, the PDF opens after it, and a window step activates Evince's window by OSWorld's title.
    Neither app waits for its window to be the active one."""
    (tmp_path / "files").mkdir()
    for name in ("lecture.pdf", "chime.wav"):
        shutil.copy(BUNDLED / "files" / name, tmp_path / "files" / name)
    title = "lecture.pdf \u2014 Algorithms, Lecture 4: Searching"
    data = {
        "id": "lecture-beside-music",
        "snapshot": "os",
        "instruction": "Pause the music without leaving the lecture notes.",
        "config": [
            download("lecture.pdf", "/home/user/Desktop/lecture.pdf"),
            download("chime.wav", "/home/user/Music/chime.wav"),
            {
                "type": "launch",
                "parameters": {"command": ["vlc", "--start-time=1", "/home/user/Music/chime.wav"]},
            },
            {"type": "open", "parameters": {"path": "/home/user/Desktop/lecture.pdf"}},
            {"type": "activate_window", "parameters": {"window_name": title, "strict": True}},
        ],
        "related_apps": ["vlc", "pdf"],
        "evaluator": {"func": "infeasible"},
    }
    (tmp_path / "task.json").write_text(json.dumps(data))
    env.task = load_task(tmp_path / "task.json")
    obs, _info = env.reset(seed=0)
    assert obs["focused_window"] == title
    assert sorted(w["title"] for w in obs["windows"]) == ["chime.wav - VLC media player", title]
    assert sorted(p.name() for p in app_processes(env)) == ["evince", "vlc"]


def download(name: str, path: str) -> dict[str, object]:
    return {"type": "download", "parameters": {"files": [{"url": f"files/{name}", "path": path}]}}
