"""The loader and the one-step environment on a small data set in OmniACT's own layout and formats
(data/tasks, data/data and data/metadata/.../boxes, split files of relative paths), whole or broken."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from PIL import Image

from palaestra.omniact import load_split
from palaestra.omniact.data import OmniActDataError
from palaestra.omniact.env import OmniActEnv, load_task

GOLD = 'pyautogui.click(100.0,100.0)\npyautogui.write("fish")\npyautogui.press("enter")'
ENTRY = {
    "task": "data/tasks/desktop/finder/task_1.7.txt",
    "image": "data/data/desktop/finder/screen_1.png",
    "box": "data/metadata/desktop/boxes/finder/screen_1.json",
}


def omniact_data_set(root: Path, gold: str = GOLD) -> Path:
    for entry_path in ENTRY.values():
        (root / entry_path).parent.mkdir(parents=True, exist_ok=True)
    (root / ENTRY["task"]).write_text(f"Task: Search for fish\nOutput Script:\n{gold}\n")
    Image.new("RGB", (200, 150), "white").save(root / ENTRY["image"])
    boxes = {
        "page": {"top_left": [0, 0], "bottom_right": [200, 150]},
        "search": {"top_left": [90, 90], "bottom_right": [110, 110]},
        "search icon": {"top_left": [99, 99], "bottom_right": [105, 105]},  # smaller, not centred
    }
    (root / ENTRY["box"]).write_text(json.dumps(boxes))
    (root / "test.json").write_text(json.dumps({"2849": ENTRY}))
    return root


def test_loader_reads_omniacts_layout_and_finds_the_box_centred_on_the_gold_click(tmp_path: Path) -> None:
    [task] = load_split(omniact_data_set(tmp_path), "test")
    assert (task.id, task.task) == ("2849", "Search for fish") and task.gold_script.endswith('press("enter")')
    assert task.image == tmp_path / ENTRY["image"]
    assert task.gold_boxes() == [(90.0, 90.0, 110.0, 110.0)]  # OmniACT's scorer looks boxes up by centre


@pytest.mark.parametrize("missing", ["task", "image", "box"])
def test_a_file_missing_from_the_data_set_is_named_with_the_layout(tmp_path: Path, missing: str) -> None:
    root = omniact_data_set(tmp_path)
    (root / ENTRY[missing]).unlink()
    with pytest.raises(OmniActDataError, match=f"{ENTRY[missing]} is not under PALAESTRA_OMNIACT=") as raised:
        load_split(root, "test")
    assert '"box": "data/metadata/' in str(raised.value)


@pytest.mark.parametrize(
    ("index", "problem"),
    [
        ("{", "is not JSON"),
        (json.dumps({"1": {"task": ENTRY["task"]}}), "entry '1' is"),
        (json.dumps([ENTRY]), "holds no mapping"),
    ],
)
def test_a_split_file_not_in_omniacts_format_says_what_it_should_hold(
    tmp_path: Path, index: str, problem: str
) -> None:
    root = omniact_data_set(tmp_path)
    (root / "test.json").write_text(index)
    with pytest.raises(OmniActDataError, match=problem):
        load_split(root, "test")


def test_a_gold_script_that_does_not_parse_is_named_at_load_not_mid_run(tmp_path: Path) -> None:
    omniact_data_set(tmp_path, gold="pyautogui.click(100.0,100.0")
    with pytest.raises(
        OmniActDataError, match=r"task_1\.7\.txt: its gold script does not parse: Cannot parse"
    ):
        load_split(tmp_path, "test")


def test_a_box_file_not_in_omniacts_format_is_named(tmp_path: Path) -> None:
    root = omniact_data_set(tmp_path)
    (root / ENTRY["box"]).write_text(json.dumps({"search": {"x": 1}}))
    with pytest.raises(OmniActDataError, match=r"screen_1\.json is not a box file"):
        load_split(root, "test")


def test_one_task_loads_without_reading_the_others(tmp_path: Path) -> None:
    root = omniact_data_set(tmp_path)
    index = json.loads((root / "test.json").read_text())
    index["9"] = {**ENTRY, "task": "data/tasks/desktop/finder/gone.txt"}  # broken, and not asked for
    (root / "test.json").write_text(json.dumps(index))
    assert load_task(str(root), "test", "2849").task == "Search for fish"
    assert load_task(str(root), "test", "2849", show_elements=True).show_elements
    with pytest.raises(OmniActDataError, match="has no task '7'"):
        load_task(str(root), "test", "7")


def test_the_element_boxes_are_hidden_from_agents_as_omniact_asks(tmp_path: Path) -> None:
    """OmniACT's boxes are its evaluation metadata, not to be used for inference on the test set."""
    [task] = load_split(omniact_data_set(tmp_path))
    env = OmniActEnv(task)
    obs, _ = env.reset(seed=0)
    assert (obs["axtree"], list(obs["elements"])) == ("", [])
    assert "element ids such as click('12') do not apply" in env.action_set.describe()  # what agents read
    obs, reward, *_ = env.step("click('2')\nwrite('fish')\npress('enter')")
    assert reward == 0.0 and "No element ids here ('2'): give x, y" in obs["last_action_error"]
    env.reset(seed=1)
    assert env.step("pyautogui.click(100, 100)\npyautogui.write('fish')\npyautogui.press('enter')")[1] == 1.0
    env.close()


def test_omniact_env_scores_a_script_written_with_element_ids_when_shown(tmp_path: Path) -> None:
    [task] = load_split(omniact_data_set(tmp_path))
    env = OmniActEnv(dataclasses.replace(task, show_elements=True))
    obs, _ = env.reset(seed=0)
    assert obs["axtree"].splitlines()[1] == "[2] search (90,90,20,20)" and obs["screenshot"].shape == (
        150,
        200,
        3,
    )
    assert "you may give an element id" in env.action_set.describe()
    obs, reward, terminated, _, info = env.step("click('2')\nwrite('fish')\npress('enter')")
    assert reward == 1.0 and terminated and info["success"]
    again = env.step("click('2')\nwrite('fish')\npress('enter')")
    assert again[1:4] == (0.0, True, False)  # the end's reward is paid once (`PalaestraEnv.astep`)
    env.reset(seed=1)
    reward, info = env.step("click(500, 500)\nwrite('fish')\npress('enter')")[1::3]
    assert 0 < reward < 1 and info["task_info"]["click_penalty"] > 0
    env.reset(seed=2)
    obs, reward, *_ = env.step("click('9')")
    assert reward == 0.0 and "No element '9'" in obs["last_action_error"]
    env.reset(seed=3)
    obs, reward, *_ = env.step("pyautogui.click(100, 100")
    assert reward == 0.0 and "Cannot parse the script" in obs["last_action_error"]
    env.close()


def test_element_ids_resolve_to_exact_box_centres(tmp_path: Path) -> None:
    """The centre 1234.5625 must not be printed and read back as 1234.56 (``%g``), which is outside
    this (artificially thin) box. OmniACT's own boxes have whole-pixel corners, where %g is exact."""
    gold = "pyautogui.click(1234.5625, 100.0)"
    root = omniact_data_set(tmp_path, gold)
    (root / ENTRY["box"]).write_text(
        json.dumps({"thin": {"top_left": [1234.5615, 99.5], "bottom_right": [1234.5635, 100.5]}})
    )
    [task] = load_split(root)
    env = OmniActEnv(dataclasses.replace(task, show_elements=True))
    env.reset(seed=0)
    assert env.step("click('1')")[1] == 1.0
    env.close()
