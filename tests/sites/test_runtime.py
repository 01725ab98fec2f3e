"""The site runtime on real processes, real SQLite and real Chromium: isolation, reset, crashes, errors.

Isolation, reset and crashes are checked on every site with a record to change through a form: the
shop (a Django app over SQLite), the wiki (django-wiki) and the code host (Fossil repositories).
"""

from __future__ import annotations

import os
import shutil
import socket
import time
import urllib.request
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from palaestra.envs import BrowserEnv
from palaestra.envs.browser import host_for_running_loop
from palaestra.envs.loop import run_sync
from palaestra.errors import SiteError
from palaestra.sites import build as builds
from palaestra.sites.isolation import LAST_NAME, RECORDS, Outcome, Record, concurrent_changes, read_value
from palaestra.sites.registry import Dataset, get_site
from palaestra.sites.runtime import SiteRuntime
from palaestra.tasks.webarena.config import from_json
from palaestra.tasks.webarena.task import SiteTask
from palaestra.tasks.webarena.templates.base import click

#: The sites with a form the checks below change a record through (``palaestra.sites.isolation``).
EDITABLE = sorted(RECORDS)


def record_task(record: Record, expected: str) -> SiteTask:
    """A task that starts on the record's edit form and succeeds when the record holds ``expected``."""
    return SiteTask(
        from_json(
            {
                "sites": [record.site],
                "task_id": 9,
                "require_login": True,
                "start_url": get_site(record.site).placeholder + record.edit_path,
                "intent": "Change the record.",
                "eval": {"eval_types": ["db_state"], "db_state": [record.db_state(expected)]},
            }
        ),
        f"{record.site}.test-record",
    )


def seeded_field(obs: dict[str, Any], record: Record) -> dict[str, Any]:
    """The form's text field, which must hold the seeded value."""
    fields = [e for e in obs["elements"] if e["role"] == "textbox" and e.get("value") == record.seeded]
    assert fields, f"no text field holds {record.seeded!r} on {obs['url']}"
    return fields[0]


def test_episodes_get_their_own_copy_of_the_seed(runtime: SiteRuntime) -> None:
    a, b = runtime.new_episode(["shop", "shop-admin"]), runtime.new_episode(["shop"])
    assert a.database("shop") != b.database("shop")
    assert a.database("shop").is_file() and b.database("shop").is_file()
    assert read_value(a.database("shop"), LAST_NAME) == "Lopez"
    a.discard()
    assert not a.folder.exists() and b.folder.exists()
    b.discard()


@pytest.mark.parametrize("site", ["forum", "code", "wiki", "map"])
def test_a_request_names_its_episode_and_unknown_episodes_are_refused(
    site: str, runtime: SiteRuntime
) -> None:
    episode = runtime.new_episode([site])
    base = runtime.url(site)
    request = urllib.request.Request(base + "/", headers=episode.headers)
    with urllib.request.urlopen(request) as response:
        assert response.status == 200
    gone = urllib.request.Request(base + "/", headers={"X-Palaestra-Episode": "no-such-episode"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(gone)
    assert refused.value.code == 410
    episode.discard()
    with pytest.raises(urllib.error.HTTPError) as ended:  # an ended episode is refused too
        urllib.request.urlopen(request)
    assert ended.value.code == 410


@pytest.mark.parametrize("site", EDITABLE)
def test_two_episodes_change_the_same_record_at_once_and_neither_sees_the_other(
    site: str, runtime: SiteRuntime
) -> None:
    async def both() -> Outcome:
        browser = await host_for_running_loop().ensure_browser()  # the process's one Chromium
        return await concurrent_changes(browser, runtime, site)

    outcome = run_sync(both())
    a, b = outcome.a, outcome.b
    assert "Parallel-A" in a.shown and a.stored == "Parallel-A" and "Parallel-B" not in a.shown
    assert "Parallel-B" in b.shown and b.stored == "Parallel-B" and "Parallel-A" not in b.shown
    assert outcome.fresh == outcome.record.seeded  # the seed is untouched
    assert outcome.record.seeded not in ("", "Parallel-A", "Parallel-B")
    assert outcome.isolated
    assert not replace(outcome, a=replace(a, wanted="Parallel-B")).isolated  # the check can fail
    assert not replace(outcome, fresh="Parallel-B").isolated


@pytest.mark.parametrize("site", EDITABLE)
def test_each_reset_starts_from_the_seed(
    site: str, runtime: SiteRuntime, make_env: Callable[..., BrowserEnv]
) -> None:
    record = RECORDS[site](runtime)
    env = make_env(record_task(record, "Reset"))
    for _ in range(2):
        obs, _ = env.reset(seed=0)
        field = seeded_field(obs, record)  # logged in by cookie, the seeded value in the form
        obs, *_ = env.step(f"fill({field['id']!r}, 'Reset')")
        for button in record.buttons:
            obs, *_ = env.step(click(obs, "button", button, exact=False))
            assert obs["last_action_error"] == ""
        assert "Reset" in obs["axtree"]  # the episode's own page shows its change
        _, reward, terminated, _, info = env.step("send_msg_to_user('done')")
        assert terminated and reward == 1.0 and info["success"]  # and its own database holds it


@pytest.mark.parametrize("site", EDITABLE)
def test_a_site_that_dies_mid_episode_ends_it_and_the_next_reset_has_a_fresh_one(
    site: str, runtime: SiteRuntime, make_env: Callable[..., BrowserEnv]
) -> None:
    record = RECORDS[site](runtime)
    env = make_env(record_task(record, record.seeded))
    env.reset(seed=0)
    old = runtime.processes[site]
    runtime.kill(site)
    obs, reward, terminated, truncated, info = env.step("scroll(0, 100)")
    assert truncated and not terminated and reward == 0.0
    assert info["error"]["kind"] == "site_crashed"
    assert site in obs["last_action_error"]
    obs, _ = env.reset(seed=0)
    assert runtime.processes[site] is not old and runtime.alive(site)
    seeded_field(obs, record)  # the restarted site serves the new episode, logged in
    _, _, terminated, truncated, info = env.step("send_msg_to_user('done')")
    assert terminated and not truncated and info["error"] == {} and info["success"]


def test_a_port_in_use_is_a_clear_error(runtime: SiteRuntime) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        other = SiteRuntime()
        try:
            with pytest.raises(SiteError, match=f"Port {port} is in use"):
                other.ensure("forum", port=port)
        finally:
            other.stop()


def test_a_site_that_fails_for_another_reason_is_not_called_a_port_in_use(
    runtime: SiteRuntime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The runtime tells a taken port by the child's exit status (from its bind's errno), not by
    words in its log: a process that fails otherwise, mentioning an address in use (a search backend's
    socket, say), gets the log, not advice about --port."""
    (tmp_path / "failing_site_server.py").write_text(
        "import sys\nsys.stderr.write('search backend: [Errno 98] Address already in use\\n')\nsys.exit(1)\n"
    )
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")]))
    forum = builds.DATASETS["forum"]
    monkeypatch.setitem(builds.DATASETS, "forum", replace(forum, server="failing_site_server"))
    other = SiteRuntime()
    try:
        with pytest.raises(SiteError, match="did not start") as caught:
            other.ensure("forum")
        assert "search backend" in str(caught.value) and "--port" not in str(caught.value)
    finally:
        other.stop()


def test_missing_apps_and_a_damaged_seed_are_clear_errors(
    runtime: SiteRuntime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(builds.DATASETS, "ghost", Dataset("ghost", "x", ("no_such_module_here",)))
    with pytest.raises(SiteError, match=r"no_such_module_here.*pip install 'palaestra\[sites\]'"):
        builds.check_installed("ghost")
    damaged = tmp_path / "forum-build"
    shutil.copytree(
        runtime.build_of("forum"), damaged, ignore=shutil.ignore_patterns("static", "index", "media")
    )
    with (damaged / "db.sqlite3").open("r+b") as db:
        db.seek(4096)
        db.write(b"\xff" * 8192)
    with pytest.raises(SiteError, match=r"damaged.*palaestra sites build forum --force"):
        builds.verify("forum", damaged)
    builds.verify("forum", runtime.build_of("forum"))  # the real seed is fine


def test_the_recipe_checksum_follows_the_recipe(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    before, shop = builds.recipe_checksum("forum"), builds.recipe_checksum("shop")
    copy = tmp_path / "sites"
    shutil.copytree(builds.HERE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(builds, "HERE", copy)
    assert builds.recipe_checksum("forum") == before
    words = copy / "data" / "forum_words.py"
    words.write_text(words.read_text() + "\n# a comment, or reformatting, changes nothing\n")
    assert builds.recipe_checksum("forum") == before
    words.write_text(words.read_text() + "\nNOUNS = [*NOUNS, 'walrus']\n")
    assert builds.recipe_checksum("forum") != before
    assert builds.recipe_checksum("shop") == shop  # the shop's recipe does not include the forum's words


def test_a_new_build_removes_only_builds_nothing_used_lately(tmp_path: Path) -> None:
    """The cache is shared by every checkout: a build another one serves now must survive."""
    for name in ("forum-new", "forum-in-use", "forum-stale", "forum-half.tmp-1", "shop-stale"):
        (tmp_path / name).mkdir()
        (tmp_path / name / builds.USED_STAMP).touch()
    long_ago = time.time() - (builds.UNUSED_DAYS + 1) * 86400
    for name in ("forum-stale", "forum-half.tmp-1", "shop-stale"):
        os.utime(tmp_path / name / builds.USED_STAMP, (long_ago, long_ago))
    builds._prune("forum", keep=tmp_path / "forum-new")
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == ["forum-half.tmp-1", "forum-in-use", "forum-new", "shop-stale"]
