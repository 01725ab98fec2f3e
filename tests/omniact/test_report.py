"""`python -m palaestra.omniact.report` on a file of a model's predictions, as an OmniACT researcher
has them: task ids to scripts (or whole replies), scored with OmniACT's data-set figures."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from palaestra.omniact.report import main

from .test_data import ENTRY, omniact_data_set


def _data(root: Path) -> Path:
    omniact_data_set(root)
    (root / "data/tasks/desktop/finder/task_2.txt").write_text(
        "Task: Copy\nOutput Script:\npyautogui.hotkey('ctrl', 'c')\n"
    )
    index = json.loads((root / "test.json").read_text())
    (root / "test.json").write_text(
        json.dumps({**index, "3": {**ENTRY, "task": "data/tasks/desktop/finder/task_2.txt"}})
    )
    return root


def test_a_predictions_file_gets_omniacts_scores(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _data(tmp_path / "omniact")
    predictions = tmp_path / "preds.json"
    calls = "pyautogui.click(115, 100)\npyautogui.write('fish')\npyautogui.press('enter')"
    reply = f"```python\nimport pyautogui\n{calls}\n```"
    predictions.write_text(json.dumps({"2849": reply}))  # task 3 has no prediction: 0
    assert main([str(predictions), "--data", str(root)]) == 0
    row = capsys.readouterr().out.splitlines()[1].split()
    mu = math.sqrt(800)  # the search box's diagonal; the click is 5 px right of it
    kept = 1 - (1 - mu / (5 + mu)) / 3
    assert row[:4] == ["preds.json", "2", f"{2.1 / 2.2:.3f}", f"{2.1 * kept / 2.2:.3f}"]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("[1, 2]", "must map task ids to scripts"),
        ('{"99": "press(1)"}', "the test split lacks: 99"),
        ("{", "cannot read it as JSON"),
    ],
)
def test_a_predictions_file_not_as_expected_says_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, problem: str
) -> None:
    root = _data(tmp_path / "omniact")
    (tmp_path / "p.json").write_text(content)
    assert main([str(tmp_path / "p.json"), "--data", str(root)]) == 2
    assert problem in capsys.readouterr().err
