"""``upload_file`` on real Chromium: files from the environment's upload directory reach a file
input (plain, hidden, or behind a button that opens the chooser), and a path outside the directory,
or any file the action cannot take, is the step's ``last_action_error`` with nothing uploaded."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from palaestra.envs import BrowserEnv
from palaestra.errors import ConfigError
from palaestra.tasks.page import PageTask

PAGE = (Path(__file__).parent / "pages" / "upload.html").as_uri()
MakeEnv = Callable[..., BrowserEnv]


@pytest.fixture
def folders(tmp_path: Path) -> Path:
    """An upload directory ``tmp_path/uploads`` with two notes, and a secret beside it."""
    uploads = tmp_path / "uploads"
    (uploads / "sub").mkdir(parents=True)
    (uploads / "notes.txt").write_text("hello upload\n")
    (uploads / "sub" / "more.txt").write_text("second file\n")
    (tmp_path / "secret.txt").write_text("not yours\n")
    return uploads


def upload_env(make_env: MakeEnv, upload_dir: Path | None) -> tuple[BrowserEnv, dict[str, Any]]:
    env = make_env(PageTask(PAGE, "Upload the notes."), upload_dir=upload_dir, pages_ahead=0)
    obs, _ = env.reset(seed=0)
    return env, obs


def ids(obs: dict[str, Any]) -> dict[str, str]:
    """DOM id -> element id."""
    return {e["attributes"].get("id", ""): e["id"] for e in obs["elements"]}


def out(obs: dict[str, Any]) -> str:
    return str(next(e["text"] for e in obs["elements"] if e["attributes"].get("id") == "out"))


def shown(env: BrowserEnv, obs: dict[str, Any], source: str, tries: int = 5) -> str:
    """What ``out`` says once the page has read the files ``source`` got: its handler awaits
    ``file.text()``, which a loaded machine may finish after the step's observation, so a few
    ``noop`` steps may pass first (nothing else acts on the page meanwhile)."""
    for _ in range(tries):
        if out(obs).startswith(f"{source}:"):
            break
        obs, *_ = env.step("noop(200)")
    return out(obs)


def test_a_file_input_gets_the_named_files(make_env: MakeEnv, folders: Path) -> None:
    env, obs = upload_env(make_env, folders)
    obs, *_ = env.step(f"upload_file('{ids(obs)['one']}', 'notes.txt')")
    assert obs["last_action_error"] == ""
    assert shown(env, obs, "one") == "one: notes.txt = hello upload"
    obs, *_ = env.step(f"upload_file('{ids(obs)['many']}', ['notes.txt', 'sub/more.txt'])")  # hidden
    assert obs["last_action_error"] == ""
    assert shown(env, obs, "many") == "many: notes.txt = hello upload; more.txt = second file"


def test_a_button_that_opens_the_file_chooser_gets_them_through_it(make_env: MakeEnv, folders: Path) -> None:
    env, obs = upload_env(make_env, folders)
    obs, *_ = env.step(f"upload_file('{ids(obs)['pick']}', 'sub/more.txt')")
    assert obs["last_action_error"] == ""
    assert shown(env, obs, "picked") == "picked: more.txt = second file"


def test_paths_outside_the_upload_directory_are_refused(make_env: MakeEnv, folders: Path) -> None:
    (folders / "link.txt").symlink_to(folders.parent / "secret.txt")
    env, obs = upload_env(make_env, folders)
    one = ids(obs)["one"]
    for outside in ("../secret.txt", str(folders.parent / "secret.txt"), "link.txt", "sub/../../secret.txt"):
        obs, *_ = env.step(f"upload_file('{one}', {outside!r})")
        error = obs["last_action_error"]
        assert "outside the upload directory" in error, outside
        assert error.endswith("Files: 'notes.txt', 'sub/more.txt'.")  # what it may name (no link out)
        assert out(obs) == "Nothing chosen"


def test_what_upload_file_cannot_take_is_the_steps_error(make_env: MakeEnv, folders: Path) -> None:
    env, obs = upload_env(make_env, folders)
    page = ids(obs)
    obs, *_ = env.step(f"upload_file('{page['one']}', 'note.txt')")
    assert (
        "no file 'note.txt'" in obs["last_action_error"]
        and "Did you mean: `notes.txt`" in obs["last_action_error"]
    )
    obs, *_ = env.step(f"upload_file('{page['one']}', ['notes.txt', 'sub/more.txt'])")
    assert "takes one file" in obs["last_action_error"]
    obs, *_ = env.step(f"upload_file('{page['out']}', 'notes.txt')")
    assert "opened no file chooser" in obs["last_action_error"]
    obs, *_ = env.step(f"upload_file('{page['one']}', [])")
    assert "at least one file" in obs["last_action_error"]
    assert out(obs) == "Nothing chosen"


def test_without_an_upload_directory_the_action_is_refused(make_env: MakeEnv, tmp_path: Path) -> None:
    env, obs = upload_env(make_env, None)
    obs, *_ = env.step(f"upload_file('{ids(obs)['one']}', 'notes.txt')")
    assert "no upload directory" in obs["last_action_error"] and "upload_dir" in obs["last_action_error"]
    with pytest.raises(ConfigError, match="not a directory"):
        make_env(PageTask(PAGE, "Upload."), upload_dir=tmp_path / "missing")


def test_every_page_intercepts_file_choosers_from_its_start(make_env: MakeEnv, folders: Path) -> None:
    """Playwright intercepts a page's file choosers only while something listens for one, and the
    first listener turns interception on without waiting: a click right after it could open its
    chooser before (4 of 25 `mouse_upload_file` steps found none). So every page of an episode, new
    tabs too, listens from its start, not from the upload's click."""
    env, obs = upload_env(make_env, folders)
    obs, *_ = env.step("new_tab()")
    assert obs["last_action_error"] == ""
    pages = env._episode.context.pages  # type: ignore[union-attr]
    assert len(pages) == 2
    assert all(page._impl_obj.listeners("filechooser") for page in pages)
