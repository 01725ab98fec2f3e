"""A MiniWoB++-format page of one's own (``genProblem``, ``core.endEpisode``), registered as a task
of one's own suite: seeded, played, ended and scored in a real Chromium as the package's pages are,
and checked with `palaestra.tasks.check` (doing nothing fails, its oracle succeeds)."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

from palaestra.errors import ConfigError
from palaestra.tasks import registry
from palaestra.tasks.check import check_task
from palaestra.tasks.miniwob import HTML_DIR
from palaestra.tasks.miniwob.task import MiniWoBTask
from palaestra.tasks.registry import TaskSpec

#: MiniWoB++'s own layout: the page in a folder beside `core/`, whose scripts it loads relatively.
PAGE = """<!DOCTYPE html>
<html><head><title>Pick Word Task</title>
<link rel="stylesheet" type="text/css" href="../core/core.css">
<script src="../core/core.js"></script>
<script>
var genProblem = function() {
  var words = ['apple', 'river', 'stone', 'cloud', 'tiger', 'maple'];
  var area = document.getElementById('area');
  area.innerHTML = '';
  var right = core.sample(words);
  words.forEach(function(word) {
    var button = document.createElement('button');
    button.textContent = word;
    button.onclick = function() { core.endEpisode(word === right ? 1.0 : -1.0, word === right); };
    area.appendChild(button);
  });
  document.getElementById('query').textContent = 'Click the button "' + right + '".';
};
window.onload = function() { core.startEpisode(); };
</script></head>
<body><div id="wrap"><div id="query"></div><div id="area"></div></div></body></html>
"""


def pick_word(obs: Any) -> Generator[str, Any, None]:
    word = obs["goal"].split('"')[1]
    yield f"click('{next(e['id'] for e in obs['elements'] if e.get('text') == word)}')"


@pytest.fixture
def own_page(tmp_path: Path) -> Iterator[Path]:
    (tmp_path / "mine").mkdir()
    (tmp_path / "core").symlink_to(HTML_DIR.parent / "core")  # the package's scripts
    page = tmp_path / "mine" / "pick-word.html"
    page.write_text(PAGE)
    spec = TaskSpec(
        "mine.pick-word",
        "mine",
        "palaestra.tasks.miniwob.task:MiniWoBTask",
        {"task": "pick-word", "page": str(page), "name": "mine.pick-word"},
        oracle=pick_word,
    )
    registry.register_task(spec)
    yield page
    registry._registry.pop(spec.name)


def test_an_own_miniwob_page_is_seeded_played_and_checked(own_page: Path) -> None:
    check = check_task("mine.pick-word", seeds=[0, 1, 2])
    assert check.ok, check.problems
    assert [p.reward for p in check.played if p.player == "oracle"] == [1.0, 1.0, 1.0]


def test_its_seed_fixes_its_problem(own_page: Path, make_env: Any) -> None:
    env = make_env("mine.pick-word")
    goals = [env.reset(seed=seed)[0]["goal"] for seed in (4, 4, 5, 6, 7)]
    assert goals[0] == goals[1] and len(set(goals)) > 1
    assert env.task.name == "mine.pick-word"


def test_a_page_that_is_not_there_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"no MiniWoB\+\+ page at .*nowhere\.html"):
        MiniWoBTask("nowhere", page=tmp_path / "nowhere.html", name="mine.nowhere")
