"""GIMP's plug-in cache across a session's episodes (`envs/desktop/gimp_app.PluginCache`): the
session keeps the ``pluginrc`` GIMP wrote in its first episode, and GIMP in a later episode's fresh
HOME starts from it instead of asking each of its plug-ins again; a task's own is left alone. On a
real Xvfb with the real GIMP 2.10."""

from __future__ import annotations

import random
from pathlib import Path

from palaestra.envs.desktop import DesktopEnv
from palaestra.envs.desktop.gimp_app import PLUGIN_CACHE, PluginCache
from palaestra.tasks.base import Evaluation
from palaestra.tasks.desktop.base import DesktopOutcome, DesktopSetup, DesktopTask, verdict

#: A plug-in's description as GIMP's query of it gives it, and as the first episode rewrites it.
ASKED = "Opens the given URL in the user specified web browser."
REWRITTEN = "Opens the given URL (kept)."


class OpenGimp(DesktopTask):
    """GIMP with no picture; ``after_apps``: commands run once its window is up."""

    name = "desktop.test-gimp-plugins"

    def __init__(self) -> None:
        self.after_apps: tuple[tuple[str, ...], ...] = ()

    def setup(self, rng: random.Random) -> DesktopSetup:
        return DesktopSetup(goal="Open GIMP.", apps=(("gimp",),), after_apps=self.after_apps)

    def evaluate(self, outcome: DesktopOutcome) -> Evaluation:
        return verdict(False)


def test_a_later_episodes_gimp_starts_from_the_plug_in_cache_of_the_first() -> None:
    task = OpenGimp()
    # The first episode's cache is read once its apps are up: a description changed by then is
    # what later episodes start from. GIMP takes a cached plug-in's procedures as the cache says
    # (its file's time is unchanged) and writes them back, while asking the plug-in gives ASKED.
    task.after_apps = (("sed", "-i", f"s/{ASKED.replace('.', '[.]')}/{REWRITTEN}/", PLUGIN_CACHE),)
    env = DesktopEnv(task)
    try:
        _obs, info = env.reset(seed=0)
        assert [c["returncode"] for c in info["setup_commands"]] == [0]
        assert env._home is not None and REWRITTEN.encode() in (env._home / PLUGIN_CACHE).read_bytes()
        task.after_apps = ()
        obs, _info = env.reset(seed=0)
        assert obs["focused_window"] == "GNU Image Manipulation Program"
        cache = (env._home / PLUGIN_CACHE).read_bytes()  # it holds icons: bytes, not text
        assert REWRITTEN.encode() in cache and ASKED.encode() not in cache
    finally:
        env.close()


def test_only_the_first_cache_is_kept_and_a_tasks_own_is_left_alone(tmp_path: Path) -> None:
    first, later, fresh = tmp_path / "first", tmp_path / "later", tmp_path / "fresh"
    for home, text in ((first, "# first"), (later, "# later")):
        (home / PLUGIN_CACHE).parent.mkdir(parents=True)
        (home / PLUGIN_CACHE).write_text(text)
    cache = PluginCache()
    assert cache.seed(fresh) is None and not fresh.exists()  # nothing kept yet: nothing written
    cache.keep(first)
    cache.keep(later)
    assert cache.seed(later) is None and (later / PLUGIN_CACHE).read_text() == "# later"
    fresh.mkdir()
    assert cache.seed(fresh) == fresh / ".config"  # the topmost folder made, for its owner
    assert (fresh / PLUGIN_CACHE).read_text() == "# first"
