"""The desktop action parsers: PyAutoGUI scripts (ast, never exec) and OSWorld's computer_13 JSON."""

from __future__ import annotations

import pytest

from palaestra.envs.desktop import actions as A
from palaestra.envs.desktop.parse import parse_computer_13, parse_pyautogui
from palaestra.errors import ActionError


def test_omniact_style_script_parses_and_prints_back() -> None:
    script = (
        "import pyautogui\npyautogui.click(640, 400)\npyautogui.write('hi'); pyautogui.press('enter')\n"
        "time.sleep(0.5)"
    )
    parsed = parse_pyautogui(script)
    assert parsed == [A.Click((640.0, 400.0)), A.Write("hi"), A.Press(("enter",)), A.Wait(0.5)]
    for action in parsed + parse_pyautogui(
        "click('12', button='right')\nscroll(-3, 10, 20)\nhotkey('ctrl', 's')"
    ):
        assert parse_pyautogui(action.to_call()) == [action]


def test_element_ids_coordinates_and_specials() -> None:
    assert parse_pyautogui("click('12')") == [A.Click("12")]
    assert parse_pyautogui("doubleClick(x=3, y=4)") == [A.DoubleClick((3.0, 4.0))]
    assert parse_pyautogui("typewrite(['a', 'enter'])") == [A.Press(("a", "enter"))]
    assert parse_pyautogui("DONE") == [A.Done()]


@pytest.mark.parametrize(
    "hostile",
    [
        "os.system('rm -rf /')",
        "__import__('os')",
        "click(x)",
        "click(1)",
        "for i in range(3): click(1, 2)",
        "click(1, 2, 3, 4, 5, 6, 7)",
        "(" * 300 + ")" * 300,
        "x = 1",
        "click(True, 2)",
        "write(1)",
        "\x00",
        "",
        "click(**{'x': 1})",
        "pyautogui.screenshot()",
        "lambda: 0",
        "click(1e9, 2)",
        "a" * 30_000,
    ],
)
def test_hostile_scripts_are_refused_with_a_message(hostile: str) -> None:
    with pytest.raises(ActionError) as info:
        parse_pyautogui(hostile)
    assert str(info.value)


def test_did_you_mean() -> None:
    with pytest.raises(ActionError, match="Did you mean: `click`"):
        parse_pyautogui("clik(1, 2)")


def test_computer_13() -> None:
    assert parse_computer_13('{"action_type": "CLICK", "parameters": {"x": 1, "y": 2, "num_clicks": 2}}') == [
        A.Click((1.0, 2.0), 2)
    ]
    assert parse_computer_13(
        '[{"action_type": "HOTKEY", "parameters": {"keys": ["ctrl", "c"]}}, "DONE"]'
    ) == [A.Hotkey(("ctrl", "c")), A.Done()]
    assert parse_computer_13("WAIT") == [A.Wait(1.0)]
    assert parse_computer_13('{"action_type": "SCROLL", "parameters": {"dx": 0, "dy": -3}}') == [A.Scroll(-3)]
    for bad in [
        '{"action_type": "CLICKK"}',
        "not json",
        '{"action_type": "TYPING", "parameters": {"text": 3}}',
        '{"action_type": "SCROLL", "parameters": {"dx": 1, "dy": 1}}',
        "[]",
    ]:
        with pytest.raises(ActionError):
            parse_computer_13(bad)


def test_lowering_resolves_ids_and_checks_ranges() -> None:
    ops = A.lower(A.Click("7"), lambda element_id: (10.0, 20.0))
    assert ops == [{"x": 10.0, "y": 20.0, "k": "click", "button": "left", "clicks": 1}]
    with pytest.raises(ActionError):
        A.lower(A.Press(("a",), 1000), lambda element_id: (0.0, 0.0))


@pytest.mark.parametrize("word", ["WAIT", "DONE", "FAIL"])
def test_osworld_special_codes_in_inline_fences(word: str) -> None:
    """OSWorld's prompt asks for ```WAIT```, ```DONE``` and ```FAIL``` written exactly so."""
    expected = {"WAIT": A.Wait(1.0), "DONE": A.Done(), "FAIL": A.Fail()}[word]
    assert parse_pyautogui(f"```{word}```") == [expected]
    assert parse_pyautogui(f"The task is over.\n```{word}```") == [expected]
    assert parse_computer_13(f"```{word}```") == [expected]


def test_code_blocks_are_taken_from_a_reply_with_prose_around_them() -> None:
    """OSWorld's agents answer with a reflection and then the code in fenced blocks."""
    reply = (
        "The field is empty, so I click it and type.\n```python\nimport pyautogui\n"
        "pyautogui.click(100, 200)\n```\nThen I confirm:\n```\npyautogui.press('enter')\n```\nThat's all."
    )
    assert parse_pyautogui(reply) == [A.Click((100.0, 200.0)), A.Press(("enter",))]
    assert parse_computer_13(
        'I will type.\n```json\n{"action_type": "TYPING", "parameters": {"text": "hi"}}\n```'
    ) == [A.Write("hi")]
    # A backtick inside a string of a plain script is text, not a fence.
    assert parse_pyautogui("write('a ``` b')") == [A.Write("a ``` b")]
    with pytest.raises(ActionError, match="no code"):
        parse_pyautogui("Let me think.\n```python\n```")


def test_pyautogui_pacing_arguments_and_constants_are_accepted_and_ignored() -> None:
    """What PyAutoGUI accepts about pacing, tweening and buttons, an agent may write too."""
    assert parse_pyautogui("pyautogui.click(10, 20, _pause=False, logScreenshot=None)") == [
        A.Click((10.0, 20.0))
    ]
    assert parse_pyautogui("pyautogui.moveTo(100, 200, duration=0.5, tween=pyautogui.easeInOutQuad)") == [
        A.MoveTo((100.0, 200.0))
    ]
    assert parse_pyautogui("pyautogui.moveTo(100, 200, 0.5, pyautogui.linear)") == [A.MoveTo((100.0, 200.0))]
    assert parse_pyautogui("pyautogui.click(1, 2, button='secondary')") == [
        A.Click((1.0, 2.0), button="right")
    ]
    assert parse_pyautogui("pyautogui.click(1, 2, button=pyautogui.PRIMARY)") == [A.Click((1.0, 2.0))]
    assert parse_pyautogui("pyautogui.mouseDown(button=pyautogui.RIGHT)") == [A.MouseDown(None, "right")]
    with pytest.raises(ActionError, match="literals"):
        parse_pyautogui("pyautogui.click(1, 2, button=pyautogui.position())")
    with pytest.raises(ActionError, match="literals"):
        parse_pyautogui("pyautogui.moveTo(100, 200, tween=os.system)")
    # PyAutoGUI's own settings, which OSWorld's controller sets before an agent's code and agents
    # set again: ignored when literal; anything else assigned is still refused.
    script = "import pyautogui\npyautogui.FAILSAFE = False\npyautogui.PAUSE = 0.5\npyautogui.click(1, 2)"
    assert parse_pyautogui(script) == [A.Click((1.0, 2.0))]
    for refused in ("pyautogui.PAUSE = os.getpid()", "pyautogui.click = 1", "pyautogui.PAUSE = x = 1"):
        with pytest.raises(ActionError, match="is not an action call"):
            parse_pyautogui(refused + "\npyautogui.click(1, 2)")
    with pytest.raises(ActionError, match="holds no action"):
        parse_pyautogui("pyautogui.FAILSAFE = False")


def test_osworld_action_space_names_and_a_typo_that_lists_them() -> None:
    """OSWorld calls the PyAutoGUI action space `pyautogui`; a wrong name lists every set."""
    from palaestra.envs.actions import get_action_set
    from palaestra.envs.desktop import DesktopEnv
    from palaestra.errors import UnknownNameError

    assert get_action_set("pyautogui") is get_action_set("desktop")
    assert DesktopEnv("desktop.calc-add", action_set="pyautogui").action_set.parse("DONE") == [A.Done()]
    with pytest.raises(
        UnknownNameError, match=r"Did you mean: `computer_13`\?.*Available:.*desktop.*pyautogui"
    ):
        get_action_set("computer13")


def test_a_task_of_another_kind_is_named_in_the_error() -> None:
    from palaestra.envs.desktop import DesktopEnv

    with pytest.raises(
        TypeError, match=r"^miniwob.click-test is not a desktop task.*palaestra list tasks desktop"
    ):
        DesktopEnv("miniwob.click-test")


def test_a_bad_key_list_is_reported_once() -> None:
    with pytest.raises(ActionError) as info:
        parse_pyautogui("press([])")
    assert str(info.value) == "press(): keys must be key names such as 'enter' or 'ctrl', got []."


def test_relative_moves_parse_under_pyautogui_names_and_print_back() -> None:
    assert parse_pyautogui("pyautogui.move(10, -5)") == [A.MoveRel(10.0, -5.0)]
    assert parse_pyautogui("pyautogui.moveRel(xOffset=3, yOffset=4, duration=0.3)") == [A.MoveRel(3.0, 4.0)]
    drag = parse_pyautogui("pyautogui.drag(100, 0, 0.5, button='right')")
    assert drag == [A.DragRel(100.0, 0.0, 0.5, "right")]
    for action in drag + parse_pyautogui("dragRel(0, 30)\nmoveRel(dy=2)"):
        assert parse_pyautogui(action.to_call()) == [action]
    with pytest.raises(ActionError, match="xOffset and yOffset must be numbers"):
        parse_pyautogui("move('12', 3)")
