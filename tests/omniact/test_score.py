"""OmniACT's scores on worked examples, and the loader on a data set laid out as OmniACT's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from palaestra.omniact import aggregate, load_split, score_script

GOLD = "import pyautogui\npyautogui.click(100, 100)\npyautogui.write('fish')\npyautogui.press('enter')"
BOX = (90.0, 90.0, 110.0, 110.0)


def test_the_gold_script_scores_one() -> None:
    score = score_script(GOLD, GOLD, [BOX])
    assert (score.sequence, score.gold_sequence, score.action) == (
        pytest.approx(2.1),
        pytest.approx(2.1),
        1.0,
    )


def test_a_click_inside_the_box_costs_nothing_and_a_typo_costs_its_dissimilarity() -> None:
    score = score_script("click(105, 101)\nwrite('fsh')\npress('enter')", GOLD, [BOX])
    assert score.penalty == pytest.approx(1 - 6 / 7)  # SequenceMatcher('fsh', 'fish').ratio() = 6/7


def test_a_far_click_and_a_wrong_key_are_penalised() -> None:
    near = score_script("click(120, 100)\nwrite('fish')\npress('enter')", GOLD, [BOX])
    far = score_script("click(500, 500)\nwrite('fish')\npress('enter')", GOLD, [BOX])
    wrong_key = score_script("click(100, 100)\nwrite('fish')\npress('tab')", GOLD, [BOX])
    assert 0 < near.penalty < far.penalty < 1
    assert near.penalty == pytest.approx(1 - 1 / (0.5 + 1))  # 10 px out of a 20 px box: alpha 0.5
    assert wrong_key.penalty == 1.0


def test_other_action_types_or_order_score_zero() -> None:
    assert score_script("write('fish')\nclick(100, 100)\npress('enter')", GOLD).sequence == 0.0
    assert score_script("os.system('x')", GOLD).parse_error
    totals = aggregate([score_script(GOLD, GOLD, [BOX]), score_script("press('a')", GOLD)])
    assert totals == {"sequence_score": 0.5, "action_score": 0.5}


def test_loader_reads_omniact_layout(tmp_path: Path) -> None:
    (tmp_path / "tasks").mkdir()
    (tmp_path / "tasks" / "task_1.txt").write_text(f"Task: Search for fish\nOutput Script:\n{GOLD}\n")
    (tmp_path / "boxes.json").write_text(
        json.dumps(
            {
                "search": {"top_left": [90, 90], "bottom_right": [110, 110]},
                "page": {"top_left": [0, 0], "bottom_right": [800, 600]},
            }
        )
    )
    (tmp_path / "test.json").write_text(
        json.dumps({"0": {"task": "tasks/task_1.txt", "image": "s.png", "box": "boxes.json"}})
    )
    [task] = load_split(tmp_path, "test")
    assert task.task == "Search for fish" and task.gold_script.endswith("press('enter')")
    assert task.gold_boxes() == [BOX]  # the smallest box around the gold click


def test_omniact_env_scores_a_script_written_with_element_ids(tmp_path: Path) -> None:
    from PIL import Image

    from palaestra.omniact.env import OmniActEnv

    (tmp_path / "tasks").mkdir()
    (tmp_path / "tasks" / "t.txt").write_text(f"Task: Search for fish\nOutput Script:\n{GOLD}\n")
    Image.new("RGB", (200, 150), "white").save(tmp_path / "s.png")
    (tmp_path / "b.json").write_text(
        json.dumps({"search": {"top_left": [90, 90], "bottom_right": [110, 110]}})
    )
    (tmp_path / "test.json").write_text(
        json.dumps({"7": {"task": "tasks/t.txt", "image": "s.png", "box": "b.json"}})
    )
    [task] = load_split(tmp_path)
    env = OmniActEnv(task)
    obs, _ = env.reset(seed=0)
    assert obs["axtree"] == "[1] search (90,90,20,20)" and obs["screenshot"].shape == (150, 200, 3)
    obs, reward, terminated, _, info = env.step("click('1')\nwrite('fish')\npress('enter')")
    assert reward == 1.0 and terminated and info["success"]
    again = env.step("click('1')\nwrite('fish')\npress('enter')")
    assert again[1:4] == (0.0, True, False)  # the end's reward is paid once (`PalaestraEnv.astep`)
    obs, reward, *_ = env.reset(seed=1)[:1] + env.step("click(500, 500)\nwrite('fish')\npress('enter')")[1:]
    assert 0 < reward < 1
    obs, reward, *_ = env.step("click('9')")
    assert reward == 0.0 and "No element '9'" in obs["last_action_error"]
    env.close()
