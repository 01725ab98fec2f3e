"""OmniACT's scores on worked examples, each figure computed by hand from the formulas of OmniACT's
own scorer (its action_scorer.py): a gold of s actions weighs s - 0.9; a matching script keeps
max(1 - (click + key + write penalties) / s, 0) of it; a click costs 1 - mu / (d + mu), d its
distance in pixels from the gold box and mu the box's diagonal; a write costs 1 - character BLEU."""

from __future__ import annotations

import math

import pytest
from nltk.translate.bleu_score import sentence_bleu

from palaestra.omniact import aggregate, score_script
from palaestra.omniact.score import char_bleu

GOLD = 'import pyautogui\npyautogui.click(100, 100)\npyautogui.write("fish")\npyautogui.press("enter")'
BOX = (90.0, 90.0, 110.0, 110.0)  # 20 x 20: its diagonal, mu, is sqrt(800)
MU = math.sqrt(800)


def _score(script: str, gold: str = GOLD) -> float:
    return score_script(script, gold, [BOX]).action


def test_the_gold_script_scores_one_and_weighs_its_length_less_0_9() -> None:
    score = score_script(GOLD, GOLD, [BOX])
    assert (score.sequence, score.gold_sequence, score.action) == (
        pytest.approx(2.1),
        pytest.approx(2.1),
        1.0,
    )


def test_a_click_just_outside_the_box_costs_by_the_box_diagonal_over_the_gold_length() -> None:
    score = score_script('click(111, 100)\nwrite("fish")\npress("enter")', GOLD, [BOX])
    assert score.click_penalty == pytest.approx((1 - MU / (1 + MU)) / 3)
    assert score.action == pytest.approx(1 - (1 - MU / (1 + MU)) / 3)  # 0.98862
    assert _score('click(109.5, 90)\nwrite("fish")\npress("enter")') == 1.0  # inside, off centre
    far = score_script('click(500, 500)\nwrite("fish")\npress("enter")', GOLD, [BOX])
    assert far.click_penalty == pytest.approx((1 - MU / (math.hypot(390, 390) + MU)) / 3)


def test_a_wrong_key_costs_one_over_the_gold_length() -> None:
    assert _score('click(100, 100)\nwrite("fish")\npress("tab")') == pytest.approx(2 / 3)
    assert _score("press('tab')", "pyautogui.press('enter')") == 0.0  # 1 - 1/1
    assert _score("press('Enter')", "pyautogui.press('enter')") == 1.0  # OmniACT lower-cases


def test_hotkeys_compare_as_sets_of_keys_whatever_the_quotes() -> None:
    gold = 'pyautogui.hotkey("ctrl", "c")'
    assert _score("pyautogui.hotkey('ctrl','c')", gold) == 1.0
    assert _score("pyautogui.hotkey('c', 'ctrl')", gold) == 1.0
    assert _score("pyautogui.hotkey(['ctrl', 'c'])", gold) == 1.0
    assert _score("pyautogui.hotkey('ctrl', 'v')", gold) == 0.0


@pytest.mark.parametrize(
    ("typed", "expected"), [("fish", 1.0), ("FISH", 1.0), ("fsh", None), ("fishes", None), ("cat", 0.0)]
)
def test_a_write_with_other_text_costs_one_less_its_character_bleu(
    typed: str, expected: float | None
) -> None:
    bleu = sentence_bleu(["fish"], typed.lower(), weights=(0.5, 0.5))  # what OmniACT's scorer calls
    assert char_bleu(typed.lower(), "fish") == pytest.approx(bleu, abs=1e-12)
    if expected is not None:
        assert bleu == pytest.approx(expected)
    score = score_script(f'click(100, 100)\nwrite("{typed}")\npress("enter")', GOLD, [BOX])
    assert score.write_penalty == pytest.approx((1 - bleu) / 3)


def test_fsh_for_fish_by_hand() -> None:
    """Unigrams 3 of 3, bigrams 1 of 2 ('sh'), brevity exp(1 - 4/3): BLEU 0.5067."""
    assert char_bleu("fsh", "fish") == pytest.approx(math.exp(-1 / 3) * math.sqrt(0.5))


@pytest.mark.parametrize(
    "script",
    [
        'click(100, 100)\nwrite("fish")',  # a step missing
        'click(100, 100)\nwrite("fish")\npress("enter")\npress("enter")',  # a step too many
        'write("fish")\nclick(100, 100)\npress("enter")',  # the order
        'doubleClick(100, 100)\nwrite("fish")\npress("enter")',  # another function: not click
        'click(100, 100)\nwrite("fish")\nhotkey("enter")',
    ],
)
def test_other_functions_count_or_order_earn_no_sequence_score(script: str) -> None:
    score = score_script(script, GOLD, [BOX])
    assert (score.sequence, score.action, score.parse_error) == (0.0, 0.0, "")


def test_the_data_set_scores_weigh_each_task_by_its_gold_length() -> None:
    long_ok = score_script(GOLD, GOLD, [BOX])  # weighs 2.1, keeps all
    short_wrong = score_script("press('a')", "pyautogui.press('b')")  # weighs 0.1, keeps none
    long_typo = score_script('click(100, 100)\nwrite("cat")\npress("enter")', GOLD, [BOX])  # keeps 2/3
    totals = aggregate([long_ok, short_wrong, long_typo])
    assert totals["sequence_score"] == pytest.approx(1.0)
    assert totals["action_score"] == pytest.approx((2.1 + 0 + 2.1 * 2 / 3) / 4.3)
    assert totals["key_penalty"] == pytest.approx(0.1 * 1.0 / 4.3)
    assert totals["write_penalty"] == pytest.approx(2.1 * (1 / 3) / 4.3)


FENCED = """I will search for it.
```python
import pyautogui
import time
# the search box
pyautogui.click(x=100, y=100)  # click it
time.sleep(0.5)
pyautogui.write(message='fish', interval=0.05)
pyautogui.press(['enter'])
```
That should do it."""


def test_model_output_as_it_comes_scores_as_its_calls() -> None:
    assert _score(FENCED) == 1.0


def test_indented_aliased_and_imported_pyautogui_scripts_parse_as_written() -> None:
    """Replies as models write them: code indented inside its fence, ``import pyautogui as pg``,
    ``from pyautogui import ...`` (one parser, so the live desktop reads them the same way)."""
    calls = "\n    pyautogui.click(100, 100)\n    pyautogui.write('fish')\n    pyautogui.press('enter')"
    indented = f"```python{calls}\n```"
    assert _score(indented) == 1.0
    assert _score(indented.replace("```python\n", "").replace("\n```", "")) == 1.0  # no fence
    aliased = (
        "import pyautogui as pg\npg.click(100, 100, button=pg.LEFT)\npg.write('fish')\npg.press('enter')"
    )
    assert _score(aliased) == 1.0
    imported = "from pyautogui import click, write, press\nclick(100, 100)\nwrite('fish')\npress('enter')"
    assert _score(imported) == 1.0
    assert "'import os as pg' is not an action call" in score_script("import os as pg", GOLD).parse_error
    assert "'pg.click' is not an action" in score_script("pg.click(100, 100)", GOLD).parse_error


@pytest.mark.parametrize(
    ("script", "reason"),
    [
        (
            "pyautogui.click(100, 100\npyautogui.write('fish')",
            "Cannot parse the script: '(' was never closed",
        ),
        (
            "pyautogui.click(100, 100)\nos.system('ls')\npyautogui.press('enter')",
            "'os.system' is not an action",
        ),
        ("pyautogui.click(*pyautogui.locateCenterOnScreen('s.png'))", "does not take *args"),
        ("x = 100\npyautogui.click(x, 100)", "is not an action call"),
        ("I would click the search box.", "Cannot parse the script"),
    ],
)
def test_a_script_that_does_not_parse_scores_zero_and_says_why(script: str, reason: str) -> None:
    score = score_script(script, GOLD, [BOX])
    assert (score.sequence, score.action) == (0.0, 0.0) and reason in score.parse_error
