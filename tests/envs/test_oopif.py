"""Out-of-process iframes on real Chromium over real loopback HTTP: a page on 127.0.0.1 shows a frame
from localhost (another site), which shows one from 127.0.0.2 (a third). With site isolation on
(``--site-per-process``; Debian's headless shell leaves it off by default) each renders in its own
process, and the observation shows them as it shows same-process frames: nodes under their
``<iframe>``, prefixed ids, boxes in page coordinates, marks; every action lands inside them; a
frame that navigates or goes away leaves old ids failing cleanly."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from palaestra.envs import BrowserEnv, ObsConfig, loop, observation
from palaestra.envs.browser import BrowserHost, BrowserOptions
from palaestra.tasks.page import PageTask
from palaestra.testing.loopback import files_in, serve

PAGES = Path(__file__).parent / "pages"
Isolated = Callable[..., BrowserEnv]


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    """The test pages served on 127.0.0.1, .2 and .3 at one port (``localhost`` reaches the first)."""
    with ExitStack() as servers:
        port = servers.enter_context(serve(files_in(PAGES))).port
        for n in (2, 3):
            servers.enter_context(serve(files_in(PAGES), host=f"127.0.0.{n}", port=port))
        yield port


def top_task(port: int) -> PageTask:
    return PageTask(f"http://127.0.0.1:{port}/oopif_top.html", "Use the frames.")


@pytest.fixture
def isolated(port: int, tmp_path: Path) -> Iterator[Isolated]:
    """Environments on a Chromium of their own with site isolation on, closed with it."""
    host = BrowserHost(BrowserOptions(extra_args=("--site-per-process",)))
    made: list[BrowserEnv] = []
    (tmp_path / "notes.txt").write_text("notes\n")

    def factory(task: PageTask | None = None, **kwargs: Any) -> BrowserEnv:
        env = BrowserEnv(task or top_task(port), host=host, pages_ahead=0, upload_dir=tmp_path, **kwargs)
        made.append(env)
        return env

    yield factory
    for env in made:
        env.close()
    loop.run_sync(host.close())


def element(obs: dict[str, Any], dom_id: str) -> dict[str, Any]:
    return next(e for e in obs["elements"] if e["attributes"].get("id") == dom_id)


def ids(obs: dict[str, Any]) -> dict[str, str]:
    return {e["attributes"].get("id", ""): e["id"] for e in obs["elements"]}


def out_of_process(env: BrowserEnv) -> list[str]:
    """The URLs of the frames the episode captures through sessions of their own."""
    state = env._episode.state  # type: ignore[union-attr]
    found = asyncio.run_coroutine_threadsafe(
        state.frame_ids.sessions.out_of_process(state.page),
        env._loop,  # type: ignore[arg-type]
    ).result()
    return sorted(frame.url.split("/")[2].split(":")[0] for frame, _ in found)


def run_in_page(env: BrowserEnv, script: str) -> None:
    """Change the top page the way its own script would (not through an agent's action)."""
    asyncio.run_coroutine_threadsafe(
        env._episode.state.page.evaluate(script),  # type: ignore[union-attr]
        env._loop,  # type: ignore[arg-type]
    ).result()


def test_cross_site_frames_are_observed_under_their_iframes(isolated: Isolated) -> None:
    env = isolated(obs_config=ObsConfig(som=True))
    obs, _ = env.reset(seed=0)
    assert out_of_process(env) == ["127.0.0.2", "localhost"]  # what this test is about
    inner, deep = element(obs, "inner"), element(obs, "deep")
    assert inner["id"].rstrip("0123456789") and deep["id"].rstrip("0123456789")  # frame prefixes
    assert inner["id"].rstrip("0123456789") != deep["id"].rstrip("0123456789")
    assert np.allclose(inner["bbox"], (100, 100, 120, 24), atol=1), inner["bbox"]
    assert np.allclose(deep["bbox"], (150, 250, 80, 30), atol=1), deep["bbox"]  # shifted twice
    assert inner["visible"] and deep["visible"] and element(obs, "top")["visible"]
    assert deep["text"] == "Deep"
    roots = {e["id"].rstrip("0123456789"): e["parent"] for e in obs["elements"] if e["tag"] == "html"}
    assert roots[inner["id"].rstrip("0123456789")] == ids(obs)["cross"]  # each document under its <iframe>
    assert roots[deep["id"].rstrip("0123456789")] == ids(obs)["grand"]
    assert f"[{inner['id']}] button 'Inner'" in obs["axtree"]
    assert f"[{deep['id']}] button 'Deep'" in obs["axtree"]
    axtree = obs["axtree"].splitlines()
    cross = f"[{ids(obs)['cross']}]"
    frame_line = next(i for i, line in enumerate(axtree) if line.lstrip().startswith(cross))
    inner_line = next(i for i, line in enumerate(axtree) if f"[{inner['id']}]" in line)
    assert frame_line < inner_line and _indent(axtree[inner_line]) > _indent(axtree[frame_line])
    dom = obs["dom"]
    assert dom.index(f'bid="{ids(obs)["cross"]}"') < dom.index('id="inner"') < dom.index('id="deep"')
    marks = obs["som_marks"]
    assert f"[{inner['id']}]" in marks and f"[{deep['id']}]" in marks and f"[{ids(obs)['txt']}]" in marks
    # The frame paints where its <iframe> does: above the box before it (under "inner"), under
    # the banner after it (over "covered").
    covered = element(obs, "covered")
    assert covered["visible"] and covered["in_viewport"] and f"[{covered['id']}]" not in marks


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def test_actions_land_inside_cross_site_frames(isolated: Isolated) -> None:
    env = isolated()
    obs, _ = env.reset(seed=0)
    got = ids(obs)
    steps = [
        (f"click('{got['inner']}')", "Log: clicked"),
        (f"fill('{got['txt']}', 'hi')", "Log: typed hi"),
        (f"select_option('{got['pick']}', 'Blue')", "Log: picked Blue"),
        (f"upload_file('{got['upload']}', 'notes.txt')", "Log: uploaded notes.txt"),
    ]
    for action, log in steps:
        obs, *_ = env.step(action)
        assert obs["last_action_error"] == "", action
        assert element(obs, "log")["text"] == log
    assert element(obs, "tall")["bbox"][1] == 100  # at the top of its scroller
    obs, *_ = env.step(f"scroll(0, 100, '{got['scroller']}')")
    assert obs["last_action_error"] == ""
    assert element(obs, "tall")["bbox"][1] == 0  # scrolled up by 100 px, in page coordinates
    obs, *_ = env.step(f"click('{got['deep']}')")
    assert obs["last_action_error"] == ""
    assert element(obs, "deep")["text"] == "Deep done"


def test_a_cross_site_frame_that_navigates_or_goes_away_fails_old_ids_cleanly(
    isolated: Isolated, port: int
) -> None:
    env = isolated()
    obs, _ = env.reset(seed=0)
    old = ids(obs)
    prefix = old["inner"].rstrip("0123456789")
    # Within its site (its process stays), then to a fourth site (a new process). (To 127.0.0.2,
    # the site of the grandchild it drops meanwhile: the next test.)
    for site, process in (("localhost", "localhost"), ("127.0.0.3", "127.0.0.3")):
        run_in_page(env, f"document.getElementById('cross').src = 'http://{site}:{port}/oopif_grand.html'")
        obs, *_ = env.step("noop(300)")
        assert out_of_process(env) == [process]  # the grandchild went with the child's document
        now = ids(obs)
        assert "inner" not in now and now["deep"] != old["deep"]
        assert now["deep"].rstrip("0123456789") == prefix  # the same frame, the same prefix
        assert np.allclose(element(obs, "deep")["bbox"], (100, 100, 80, 30), atol=1)
        obs, *_ = env.step(f"click('{old['inner']}')")
        assert f"No element with id '{old['inner']}'" in obs["last_action_error"]
        obs, *_ = env.step(f"click('{now['deep']}')")
        assert obs["last_action_error"] == "" and element(obs, "deep")["text"] == "Deep done"
    run_in_page(env, "document.getElementById('cross').remove()")
    obs, *_ = env.step("noop(100)")
    assert out_of_process(env) == [] and "deep" not in ids(obs)
    obs, *_ = env.step(f"click('{now['deep']}')")
    error = obs["last_action_error"]
    assert "detached" in error or f"No element with id '{now['deep']}'" in error, error
    obs, *_ = env.step(f"click('{now['top']}')")
    assert obs["last_action_error"] == ""


def test_cross_site_frames_look_as_they_do_in_one_process(
    isolated: Isolated, port: int, make_env: Callable[..., BrowserEnv]
) -> None:
    """The same page without site isolation (the headless shell's default: one process) gives the
    same elements, accessibility tree and marks, so the out-of-process path adds nothing of its own."""
    apart = isolated(obs_config=ObsConfig(som=True))
    together = make_env(top_task(port), obs_config=ObsConfig(som=True), pages_ahead=0)
    obs_apart, _ = apart.reset(seed=0)
    obs_together, _ = together.reset(seed=0)
    assert out_of_process(apart) and not out_of_process(together)
    for key in ("elements", "axtree", "dom", "som_marks"):
        assert obs_apart[key] == obs_together[key], key


def test_a_cross_site_frame_in_a_closed_root_is_observed_and_used(isolated: Isolated, port: int) -> None:
    """The frame's ``<iframe>`` is reached (and given its id) only through the closed root; its
    document is captured over its own session and hung under it, as any out-of-process frame's."""
    task = PageTask(f"http://127.0.0.1:{port}/oopif_shadow.html", "Press Deep.")
    env = isolated(task=task, obs_config=ObsConfig(som=True))
    obs, _ = env.reset(seed=0)
    assert out_of_process(env) == ["127.0.0.2"]
    owner = next(e for e in obs["elements"] if e["tag"] == "iframe")
    deep = element(obs, "deep")
    prefix = deep["id"].rstrip("0123456789")
    assert prefix and not owner["id"].rstrip("0123456789")  # the frame's ids; its owner's, the page's
    roots = {e["id"].rstrip("0123456789"): e["parent"] for e in obs["elements"] if e["tag"] == "html"}
    assert roots[prefix] == owner["id"]
    x, y = owner["bbox"][:2]
    assert x > 40 and np.allclose(deep["bbox"], (x, y, 80, 30), atol=1), (deep["bbox"], owner["bbox"])
    assert f"[{deep['id']}] button 'Deep'" in obs["axtree"]
    assert f"[{deep['id']}] button 'Deep'" in obs["som_marks"].splitlines()
    obs, *_ = env.step(f"click('{deep['id']}')")
    assert obs["last_action_error"] == ""
    assert element(obs, "deep")["text"] == "Deep done"


def test_a_frame_playwright_cannot_evaluate_in_is_observed_without_ids_not_hung(
    isolated: Isolated, port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The child frame navigates to the site of the grandchild it drops meanwhile (127.0.0.2):
    Playwright 1.65 never gets its new document to evaluate in. The step must not hang on it: the
    rest of the page is observed and acted on, the frame's content shows without ids, the agent is
    told, and once the frame navigates again it is marked as any frame is. The stuck frame is
    given 2.5 s, not the default 5, at each of its two steps: what is waited for never comes, and
    a healthy frame's marking (the last steps) takes milliseconds."""
    monkeypatch.setattr(observation, "FRAME_ANSWER_S", 2.5)
    env = isolated()
    obs, _ = env.reset(seed=0)
    top = ids(obs)["top"]
    run_in_page(env, f"document.getElementById('cross').src = 'http://127.0.0.2:{port}/oopif_grand.html'")
    obs, _, _, truncated, info = env.step("noop(300)")
    assert info["error"] == {} and not truncated
    assert (
        f"The frame showing http://127.0.0.2:{port}/oopif_grand.html did not answer"
        in obs["last_action_error"]
    )
    assert "deep" not in ids(obs) and "button 'Deep'" in obs["axtree"]  # seen, without an id
    obs, _, _, truncated, info = env.step(f"click('{top}')")  # the page works around it
    assert info["error"] == {} and not truncated
    assert obs["last_action_error"].startswith("The frame showing")  # the click itself: no error
    run_in_page(env, f"document.getElementById('cross').src = 'http://127.0.0.3:{port}/oopif_grand.html'")
    obs, *_ = env.step("noop(300)")
    assert obs["last_action_error"] == ""
    obs, *_ = env.step(f"click('{ids(obs)['deep']}')")
    assert obs["last_action_error"] == "" and element(obs, "deep")["text"] == "Deep done"


def test_a_frame_in_a_closed_root_of_a_cross_site_frame_is_in_the_first_observation(
    isolated: Isolated, port: int
) -> None:
    """Its ``<iframe>`` gets an id only from the snapshot of the frame around it, which is taken
    after the frames' owners are first looked up: the owner is looked up again once every
    snapshot is in, so the agent's first observation already shows (and can use) the frame."""
    task = PageTask(f"http://127.0.0.1:{port}/oopif_shadow_nested.html", "Press Deep.")
    env = isolated(task=task)
    obs, _ = env.reset(seed=0)
    assert out_of_process(env) == ["127.0.0.2", "localhost"]
    assert obs["last_action_error"] == ""
    deep = element(obs, "deep")
    middle_prefix = ids(obs)["top"].rstrip("0123456789")  # the shadow page's own button
    owner = next(e for e in obs["elements"] if e["tag"] == "iframe" and e["id"].rstrip("0123456789"))
    assert owner["id"].rstrip("0123456789") == middle_prefix != deep["id"].rstrip("0123456789")
    roots = {e["id"].rstrip("0123456789"): e["parent"] for e in obs["elements"] if e["tag"] == "html"}
    assert roots[deep["id"].rstrip("0123456789")] == owner["id"]
    assert f"[{deep['id']}] button 'Deep'" in obs["axtree"]
    obs, *_ = env.step(f"click('{deep['id']}')")
    assert obs["last_action_error"] == "" and element(obs, "deep")["text"] == "Deep done"
