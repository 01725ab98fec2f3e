"""The action parser: literal call syntax only, typed arguments, clear errors, never exec."""

from __future__ import annotations

import pytest

from palaestra.envs.actions import MINIWOB_ACTIONS, WEB_ACTIONS
from palaestra.envs.actions import types as a
from palaestra.errors import ActionError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("click('12')", [a.Click("12")]),
        ("click(12)", [a.Click("12")]),
        ('click("a3", button="right")', [a.Click("a3", "right")]),
        ("fill('7', 'Kasey')\nclick('12')", [a.Fill("7", "Kasey"), a.Click("12")]),
        ("fill('7', 'x'); press('7', 'Enter')", [a.Fill("7", "x"), a.Press("7", "Enter")]),
        ("press('Control+a')", [a.Press(None, "Control+a")]),
        ("select_option('9', ['Red', 'Blue'])", [a.SelectOption("9", ("Red", "Blue"))]),
        ("scroll(0, -200)", [a.Scroll(0.0, -200.0)]),
        ("scroll(0, 50, id='4')", [a.Scroll(0.0, 50.0, "4")]),
        ("mouse_click(10.5, 20)", [a.MouseClick(10.5, 20.0)]),
        ("mouse_click(10, 20, click_count=3)", [a.MouseClick(10.0, 20.0, "left", 3)]),
        ("tab_focus(1)", [a.TabFocus(1)]),
        ("noop()", [a.Noop()]),
        ("```python\nclick('3')\n```", [a.Click("3")]),
    ],
)
def test_parses(text: str, expected: list[a.Action]) -> None:
    assert WEB_ACTIONS.parse(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Empty action"),
        ("clik('3')", "Did you mean: `click`"),
        ("click(", "Cannot parse"),
        ("click()", "missing `id`"),
        ("click('1', 'left', [], 3)", "at most 3 arguments"),
        ("click('1', 'left', 3)", "`modifiers` must be a list of strings"),
        ("click('1', buton='left')", "Did you mean: `button`"),
        ("fill('1', 5)", "`text` must be a string"),
        ("tab_focus('x')", "must be a whole number"),
        ("scroll('a', 1)", "must be a finite number"),
        ("click(x)", "must be literals"),
        ("__import__('os').system('true')", "is not an action name"),
        ("x = 3", "is not an action call"),
        ("click(*ids)", "must be literals"),
        ("click('3', button='middle-ish')", ""),  # parses; the executor rejects the button
    ],
)
def test_rejects_with_clear_message(text: str, message: str) -> None:
    if not message:
        WEB_ACTIONS.parse(text)
        return
    with pytest.raises(ActionError, match=message.replace("(", r"\(")):
        WEB_ACTIONS.parse(text)


def test_action_sets_restrict() -> None:
    with pytest.raises(ActionError, match="`goto` is not an action of this task"):
        MINIWOB_ACTIONS.parse("goto('http://example.com')")
    assert "goto" in WEB_ACTIONS and "goto" not in MINIWOB_ACTIONS


@pytest.mark.parametrize("cls", list(a.ALL_ACTIONS))
def test_examples_parse_and_round_trip(cls: type[a.Action]) -> None:
    example = cls.example.split("  or  ")[0]
    (action,) = WEB_ACTIONS.parse(example)
    assert type(action) is cls
    assert WEB_ACTIONS.parse(action.to_call()) == [action]


def test_describe_and_tool_schemas_cover_every_action() -> None:
    text = MINIWOB_ACTIONS.describe()
    schemas = MINIWOB_ACTIONS.tool_schemas()
    assert len(schemas) == len(MINIWOB_ACTIONS.actions)
    for schema in schemas:
        name = schema["function"]["name"]
        assert f"- {name}(" in text
        params = schema["function"]["parameters"]
        assert params["type"] == "object" and set(params["required"]) <= set(params["properties"])
    click = next(s for s in schemas if s["function"]["name"] == "click")
    assert click["function"]["parameters"]["required"] == ["id"]
