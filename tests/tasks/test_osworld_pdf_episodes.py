"""The bundled PDF tasks (OSWorld's format) on a real Xvfb with the real Evince: an ``open`` step
opens a PDF in Evince, whose window is titled as OSWorld's tasks expect and whose pages' text and
form fields are in the accessibility tree; an episode that says done at once scores 0, then the
oracle's episode scores 1: judged by compare_pdfs on the form Evince saved, and by
check_include_exclude on the answer typed into the editor beside it. One desktop session serves
all."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pypdf import PdfReader

from palaestra.envs.desktop import DesktopEnv
from palaestra.tasks.desktop.osworld import BUNDLED, load_folder

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
    info = done_fails_and_the_oracle_solves(env, PDF["pdf-note-answer"])
    assert info["task_info"]["checks"][0]["score"] == 1.0
    home = env._home
    assert home is not None
    assert (home / "Desktop" / "answer.txt").read_text().strip() == "O(log n)"
