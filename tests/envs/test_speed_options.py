"""What makes the environment fast must not change what it computes: formats, pages made ahead."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from playwright.async_api import Page

from palaestra.envs import BrowserEnv, BrowserHost, BrowserOptions, ObsConfig
from palaestra.envs import browser as browser_mod
from palaestra.envs.pages_ahead import predict_seeds
from palaestra.errors import ConfigError
from palaestra.tasks.miniwob.task import MiniWoBTask
from palaestra.tasks.page import PageTask

WIDGETS = (Path(__file__).parent / "pages" / "widgets.html").as_uri()
MakeEnv = Callable[..., BrowserEnv]


class RecordingMiniWoB(MiniWoBTask):
    """A MiniWoB++ task that notes the seed of every episode it starts, wherever it starts it."""

    def __init__(self, task: str) -> None:
        super().__init__(task)
        self.setups: list[int] = []

    async def setup(self, page: Page, seed: int) -> str:
        self.setups.append(seed)
        return await super().setup(page, seed)


def wait_for_pages_ahead(env: BrowserEnv) -> None:
    assert env._loop is not None
    asyncio.run_coroutine_threadsafe(env._pages.pipeline.wait(), env._loop).result(60)


def same_episode(a: dict[str, Any], b: dict[str, Any]) -> None:
    assert a["goal"] == b["goal"]
    assert a["axtree"] == b["axtree"]
    assert a["dom"] == b["dom"]
    assert np.array_equal(a["screenshot"], b["screenshot"])


def test_jpeg_screenshot_has_the_same_shape_dtype_and_picture(make_env: MakeEnv) -> None:
    task = PageTask(WIDGETS, "Use the widgets.")
    png, _ = make_env(task).reset(seed=0)
    env = make_env(task, obs_config=ObsConfig(screenshot_format="jpeg"))
    jpeg, _ = env.reset(seed=0)
    assert jpeg["screenshot"].shape == png["screenshot"].shape == (600, 800, 3)
    assert jpeg["screenshot"].dtype == np.uint8
    assert env.observation_space.contains(jpeg)
    difference = np.abs(jpeg["screenshot"].astype(int) - png["screenshot"].astype(int))
    assert difference.mean() < 4  # lossy, but the same picture


def test_bad_options_are_config_errors_that_name_the_choices() -> None:
    with pytest.raises(ConfigError, match=r"screenshot_format must be one of `png`, `jpeg`, got 'gif'\.$"):
        ObsConfig(screenshot_format="gif")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=r"got 'jpg'\. Did you mean: `jpeg`"):
        ObsConfig(screenshot_format="jpg")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=r"render_mode \(or None\) must be one of `rgb_array`, got 'rgb'"):
        BrowserEnv("miniwob.click-test", render_mode="rgb")
    with pytest.raises(ConfigError, match="pages_ahead must be 0 or more"):
        BrowserEnv("miniwob.click-test", pages_ahead=-1)


def test_pages_are_prepared_ahead_from_the_second_reset(make_env: MakeEnv) -> None:
    """An environment made for one episode loads no page it would not use; one reset again is
    playing a series, and from then on its next pages are prepared ahead (as many as
    ``pages_ahead``); from the first reset when the caller says which seeds come, and then only
    theirs."""
    env = make_env(RecordingMiniWoB("click-button"))
    env.reset(seed=5)
    wait_for_pages_ahead(env)
    assert len(env._pages.pipeline) == 0, "the first reset prepared pages for resets that may never come"
    env.reset(seed=6)
    wait_for_pages_ahead(env)
    assert len(env._pages.pipeline) == 2
    told = make_env(RecordingMiniWoB("click-button"))
    told.expect_seeds([8])
    told.reset(seed=7)
    wait_for_pages_ahead(told)
    assert len(told._pages.pipeline) == 1
    last = make_env(RecordingMiniWoB("click-button"))
    last.expect_seeds([])  # a run's worker with one episode to play
    last.reset(seed=9)
    wait_for_pages_ahead(last)
    assert len(last._pages.pipeline) == 0


def test_episode_started_ahead_is_the_episode_of_its_seed(make_env: MakeEnv) -> None:
    task = RecordingMiniWoB("click-button")
    env = make_env(task)
    env.reset(seed=11)
    env.reset()  # draws its seed: from now on the next seeds are known before their resets
    wait_for_pages_ahead(env)
    predicted = predict_seeds(env.np_random, 1)[0]
    assert predicted in task.setups, "the next episode was started on its page ahead of the reset"
    obs, info = env.reset()
    assert info["seed"] == predicted
    assert task.setups.count(predicted) == 1, "the reset did not start it again"
    direct, _ = make_env("miniwob.click-button", prewarm=False).reset(seed=predicted)
    same_episode(obs, direct)


def test_given_seed_never_uses_an_episode_started_ahead(make_env: MakeEnv) -> None:
    task = RecordingMiniWoB("click-button")
    env = make_env(task)
    env.reset(seed=1)
    env.reset()
    wait_for_pages_ahead(env)
    started_ahead = predict_seeds(env.np_random, 1)[0]
    assert started_ahead in task.setups
    seed = started_ahead + 1
    obs, info = env.reset(seed=seed)
    assert info["seed"] == seed
    direct, _ = make_env("miniwob.click-button", prewarm=False).reset(seed=seed)
    same_episode(obs, direct)
    # A caller who gives seeds gets no more episodes started ahead (they would all be wasted).
    wait_for_pages_ahead(env)
    count = len(task.setups)
    env.reset(seed=seed + 1)
    assert task.setups[count:] == [seed + 1]


def test_expected_seeds_are_started_ahead_and_bound_the_pages_made(make_env: MakeEnv) -> None:
    """A runner that says which seeds come next gets exactly those pages, started ahead."""
    task = RecordingMiniWoB("click-button")
    env = make_env(task)
    env.expect_seeds([21, 22, 23])  # more than pages_ahead (2): only the first two are prepared
    env.reset(seed=20)
    wait_for_pages_ahead(env)
    assert task.setups == [20, 21, 22] and len(env._pages.pipeline) == 2
    env.expect_seeds([22])
    obs, info = env.reset(seed=21)
    assert info["seed"] == 21 and task.setups.count(21) == 1, "the reset used the page started ahead"
    direct, _ = make_env("miniwob.click-button", prewarm=False).reset(seed=21)
    same_episode(obs, direct)
    env.expect_seeds([])  # the last episode: nothing more is prepared
    env.reset(seed=22)
    wait_for_pages_ahead(env)
    assert len(env._pages.pipeline) == 0 and task.setups == [20, 21, 22]
    env.reset(seed=30)  # no expectation said: back to preparing pages, without starting episodes
    wait_for_pages_ahead(env)
    assert len(env._pages.pipeline) == 2 and task.setups == [20, 21, 22, 30]


def test_drawn_seeds_follow_the_env_rng_whatever_was_prepared(make_env: MakeEnv) -> None:
    """Episodes started ahead must not change which seeds reset() draws (Gymnasium's contract)."""
    drawn = []
    for pages_ahead in (0, 2):
        env = make_env("miniwob.click-test", pages_ahead=pages_ahead)
        env.reset(seed=3)
        drawn.append([env.reset()[1]["seed"] for _ in range(3)])
    assert drawn[0] == drawn[1]


def test_headless_shell_is_preferred_for_headless_browsers(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    shell = tmp_path / "chromium-headless-shell"
    shell.write_text("")
    monkeypatch.delenv("PALAESTRA_CHROMIUM", raising=False)
    monkeypatch.setattr(browser_mod, "SYSTEM_HEADLESS_SHELL_PATHS", (str(shell),))
    assert browser_mod.find_chromium(None) == str(shell)
    assert browser_mod.find_chromium(None, headless=False) != str(shell)


@pytest.mark.skipif(not Path("/usr/lib/chromium/chromium").is_file(), reason="needs Debian's full Chromium")
def test_full_chromium_opens_no_webui_renderer_per_context() -> None:
    """Chromium's omnibox popup WebUI cost a renderer process per episode; it stays off."""

    async def browser_ui_targets() -> list[str]:
        host = BrowserHost(BrowserOptions(executable_path="/usr/lib/chromium/chromium"))
        try:
            browser = await host.ensure_browser()
            context = await browser.new_context()
            await context.new_page()
            session = await browser.new_browser_cdp_session()
            targets = (await session.send("Target.getTargets"))["targetInfos"]
            return [t["url"] for t in targets if t["type"] != "page"]
        finally:
            await host.close()

    assert not [url for url in asyncio.run(browser_ui_targets()) if "top-chrome" in url]
