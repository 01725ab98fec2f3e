"""`DesktopToolEnv`: a desktop task's episode through tool calls (TRL's GRPOTrainer calls them so;
`test_tool_env.py` has the web tools and the trainer's probe of the class). Real galculator on a
real Xvfb desktop: the tools act on the ids of the screen's accessibility tree, ``done`` judges."""

from __future__ import annotations

import re

import pytest

from palaestra.envs.desktop.tool_env import DesktopToolEnv
from palaestra.envs.tool_forms import ToolForm
from palaestra.errors import ActionError
from tests.envs.tool_schemas import trl_tools

TOOLS = {
    "click",
    "double_click",
    "right_click",
    "type_text",
    "press_keys",
    "scroll",
    "send_message",
    "done",
    "fail",
}


def test_the_desktop_tools_have_schemas() -> None:
    tools = trl_tools(DesktopToolEnv)
    assert set(tools) == TOOLS
    assert all(schema["name"] == name and schema["description"] for name, schema in tools.items())
    assert tools["scroll"]["parameters"]["required"] == ["clicks"]  # element_id has a default


def test_tool_calls_on_the_screens_ids_play_a_calculator_task() -> None:
    env = DesktopToolEnv(max_steps=20)
    try:
        screen = env.reset(task="desktop.calc-add", seed=1)
        found = re.search(r"Goal: Use the calculator to compute (\d+) \+ (\d+)", screen)
        assert found, screen
        assert "\n\nThe screen:\n[1] application 'galculator'" in screen  # as the tools' docstrings say
        assert env.click("9999").startswith("Error: No element '9999'")
        buttons = dict((name, ref) for ref, name in re.findall(r"\[(\d+)\] toggle button '([^']+)'", screen))
        *keys, equals = f"{found.group(1)}+{found.group(2)}="
        for key in keys:
            answer = env.click(buttons[key])
            assert answer.startswith("The screen:"), answer
        assert env.get_reward() == 0.0
        over = "The episode is over (reward 1): call no more tools."
        assert env.click(buttons[equals]) == over  # the task judges the display itself
        assert env.get_reward() == 1.0 and env.done() == over
        env.reset(task="desktop.calc-add", seed=2)
        assert env.fail() == "The episode is over (reward 0): call no more tools."  # FAIL ends it, judged
    finally:
        env._close()


class Written(DesktopToolEnv):
    """The action each tool writes, not played."""

    def _act(self, action: str, form: ToolForm | None = None) -> str:
        return action


def test_each_tool_writes_an_action_the_desktop_parses() -> None:
    from palaestra.envs import get_action_set

    env = Written()
    written = [
        env.click("12"), env.double_click("3"), env.right_click("4"), env.type_text("it's\n"),
        env.press_keys("Ctrl + S"), env.press_keys("Enter"), env.scroll(-3, "12"), env.scroll(2),
        env.send_message("42"), env.done(), env.fail(),
    ]  # fmt: skip
    assert written[4:8] == ["hotkey('ctrl', 's')", "press('enter')", "scroll(-3, '12')", "scroll(2)"]
    parse = get_action_set("desktop").parse
    kinds = [type(parse(action)[0]).__name__ for action in written]
    assert kinds == [
        "Click", "DoubleClick", "RightClick", "Write", "Hotkey", "Press", "Scroll", "Scroll", "SendMsgToUser",
        "Done", "Fail",
    ]  # fmt: skip


def test_arguments_of_the_wrong_type_reach_the_parser_whose_error_the_model_reads() -> None:
    """TRL passes the model's JSON as it is: a number may come as a string, keys as a list."""
    from palaestra.envs import get_action_set

    env = Written()
    assert env.scroll("3") == "scroll(3)"  # type: ignore[arg-type]
    assert env.press_keys(["ctrl", "s"]) == "press(['ctrl', 's'])"  # type: ignore[arg-type]
    parse = get_action_set("desktop").parse
    assert type(parse("press(['ctrl', 's'])")[0]).__name__ == "Press"
    for bad in (env.scroll("up"), env.scroll(None, "12")):  # type: ignore[arg-type]
        with pytest.raises(ActionError, match="clicks must be a whole number"):
            parse(bad)


def test_a_refused_tool_call_is_told_in_the_tools_own_terms() -> None:
    """The desktop parser's refusal named PyAutoGUI's signature (`Usage: scroll(clicks, x, y)`,
    `write(message, interval)`), not the tool the model called."""
    from palaestra.envs import get_action_set
    from palaestra.envs.desktop.tool_env import CLICK, SCROLL, TYPE_TEXT

    env, parse = Written(), get_action_set("desktop").parse
    cases = [
        (env.scroll("a lot"), SCROLL,  # type: ignore[arg-type]
         "scroll(): clicks must be a whole number, got 'a lot'. Usage: scroll(clicks=-3, element_id=\"12\")"),
        (env.type_text(5), TYPE_TEXT,  # type: ignore[arg-type]
         'type_text(): the text must be a string, got 5. Usage: type_text(text="hello")'),
        (env.click([1]), CLICK,  # type: ignore[arg-type]
         "click(): the target must be x, y numbers or an element id string, got [1], None. "
         'Usage: click(element_id="12")'),
    ]  # fmt: skip
    for written, form, told in cases:
        with pytest.raises(ActionError) as refused:
            parse(written)
        assert form.told(str(refused.value)) == told
    assert env.click(12) == "click('12')"  # an id written as a number is that id
    assert env.click(None) == "click('')"  # type: ignore[arg-type]  # refused, not a click at the pointer
