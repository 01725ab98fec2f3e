"""BrowserGym's own action signatures reach our actions: its argument names (``bid``, ``value``,
``wait_ms``...), click's ``modifiers``, dblclick's ``button`` and fill's ``enable_autocomplete_menu``.

AgentLab's prompts show models BrowserGym's docstrings (``click('48', button="middle",
modifiers=["Shift"])``, ``fill('b534', "Montre", True)``), so models write them; each is checked by
what the page itself saw, on real Chromium.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from palaestra.envs import BrowserEnv
from palaestra.envs.actions import MINIWOB_ACTIONS, WEB_ACTIONS
from palaestra.envs.actions import coord as c
from palaestra.envs.actions import types as a
from palaestra.errors import ActionError
from palaestra.tasks.page import PageTask

PAGE = (Path(__file__).parent / "pages" / "browsergym_actions.html").as_uri()
MakeEnv = Callable[..., BrowserEnv]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("click(bid='12')", a.Click("12")),
        ("click('48', button='middle', modifiers=['Shift'])", a.Click("48", "middle", ("Shift",))),
        ("dblclick('ca42', button='right')", a.DblClick("ca42", "right")),
        ("fill(bid='7', value='x')", a.Fill("7", "x")),
        ("fill('b534', 'Montre', True)", a.Fill("b534", "Montre", True)),
        ("press(bid='88', key_comb='Backspace')", a.Press("88", "Backspace")),
        ("keyboard_press(key='Enter')", a.KeyboardPress("Enter")),
        ("scroll(delta_x=0, delta_y=200)", a.Scroll(0.0, 200.0)),
        ("drag_and_drop(from_bid='3', to_bid='8')", a.DragAndDrop("3", "8")),
        ("upload_file(bid='14', file='a.pdf')", a.UploadFile("14", "a.pdf")),
        ("mouse_dblclick(5, 6, button='right')", a.MouseDblClick(5.0, 6.0, "right")),
        ("mouse_drag_and_drop(from_x=1, from_y=2, to_x=3, to_y=4)", a.MouseDragAndDrop(1, 2, 3, 4)),
        ("noop(wait_ms=500)", a.Noop(500.0)),
        ("select_option(bid='9', options=['Red'])", a.SelectOption("9", ("Red",))),
    ],
)
def test_browsergym_argument_names_parse(text: str, expected: a.Action) -> None:
    assert WEB_ACTIONS.parse(text) == [expected]
    assert WEB_ACTIONS.parse(expected.to_call()) == [expected]  # and what we print parses back


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("fill('7', 'x', 'yes')", "must be True or False"),
        ("click('7', bid='7')", "got `id` twice"),
        ("noop(wait='1')", "no argument `wait`"),
    ],
)
def test_bad_browsergym_arguments_name_the_problem(text: str, message: str) -> None:
    with pytest.raises(ActionError, match=message):
        WEB_ACTIONS.parse(text)


def page_log(obs: dict[str, Any]) -> str:
    return next(e["text"] for e in obs["elements"] if e["attributes"].get("id") == "log")


def ids(obs: dict[str, Any]) -> dict[str, str]:
    return {e["attributes"]["id"]: e["id"] for e in obs["elements"] if e["attributes"].get("id")}


def test_click_holds_modifiers_and_dblclick_takes_a_button(make_env: MakeEnv) -> None:
    env = make_env(PageTask(PAGE, "Click."))
    obs, _ = env.reset()
    target = ids(obs)["target"]
    obs, *_ = env.step(f"click('{target}', modifiers=['Shift', 'ControlOrMeta'])")
    assert obs["last_action_error"] == ""
    assert page_log(obs) == "down b0 d1 Control+Shift;click Control+Shift;"
    obs, *_ = env.step(f"click('{target}')")  # the keys were let go
    assert page_log(obs).endswith(";down b0 d1 ;click ;")
    obs, *_ = env.step(f"dblclick(bid='{target}', button='middle')")
    assert obs["last_action_error"] == ""
    assert page_log(obs).endswith(";down b1 d1 ;down b1 d2 ;")
    obs, *_ = env.step(f"click('{target}', modifiers=['Hyper'])")
    assert "Unknown modifier 'Hyper'" in obs["last_action_error"]


def test_fill_with_autocomplete_menu_types_its_last_key(make_env: MakeEnv) -> None:
    env = make_env(PageTask(PAGE, "Fill."))
    obs, _ = env.reset()
    city = ids(obs)["city"]
    obs, *_ = env.step(f"fill('{city}', 'Mont')")
    assert "Montreal" not in obs["axtree"]  # no key events: the page's list stays shut
    obs, *_ = env.step(f"fill(bid='{city}', value='Montr', enable_autocomplete_menu=True)")
    assert obs["last_action_error"] == ""
    city_record = next(e for e in obs["elements"] if e["id"] == city)
    assert city_record["value"] == "Montr"
    assert "Montreal" in obs["axtree"] and "Montpellier" not in obs["axtree"]


def test_miniwob_set_keeps_the_compatible_signatures() -> None:
    assert MINIWOB_ACTIONS.parse("click(bid='3', modifiers=['Shift'])") == [a.Click("3", "left", ("Shift",))]


def test_an_action_the_task_leaves_out_is_not_called_unknown() -> None:
    with pytest.raises(ActionError, match=r"`goto` is not an action of this task") as caught:
        MINIWOB_ACTIONS.parse("goto('http://example.com')")
    assert "Unknown action" not in str(caught.value)
    with pytest.raises(ActionError, match=r"Unknown action `clik`\. Did you mean: `click`"):
        MINIWOB_ACTIONS.parse("clik('x')")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("keyboard_down('Shift')", c.KeyboardDown("Shift")),
        ("keyboard_up(key='Shift')", c.KeyboardUp("Shift")),
        ("keyboard_insert_text('Hello world!')", c.KeyboardInsertText("Hello world!")),
        ("scroll_at(400, 300, 0, 200)", c.ScrollAt(400.0, 300.0, 0.0, 200.0)),
        ("mouse_upload_file(120, 340, file='a.pdf')", c.MouseUploadFile(120.0, 340.0, "a.pdf")),
    ],
)
def test_browsergyms_coord_actions_parse_in_the_web_set_only(text: str, expected: a.Action) -> None:
    assert WEB_ACTIONS.parse(text) == [expected]
    with pytest.raises(ActionError, match="is not an action of this task"):
        MINIWOB_ACTIONS.parse(text)  # as BrowserGym's miniwob_all; --action-set web offers them


def test_coord_actions_reach_the_page(make_env: MakeEnv, tmp_path: Path) -> None:
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    (uploads / "notes.txt").write_text("hello upload\n")
    env = make_env(PageTask(PAGE, "Act."), upload_dir=uploads, pages_ahead=0)
    obs, _ = env.reset()
    found = ids(obs)
    obs, *_ = env.step(f"keyboard_down('Shift')\nclick('{found['target']}')\nkeyboard_up('Shift')")
    obs, *_ = env.step(f"click('{found['target']}')")
    assert page_log(obs) == "down b0 d1 Shift;click Shift;down b0 d1 ;click ;"  # held, then let go
    obs, *_ = env.step(f"focus('{found['city']}')\nkeyboard_insert_text('Montr')")
    assert obs["last_action_error"] == "" and page_log(obs).endswith(";input insertText Montr;")
    assert "keydown" not in page_log(obs)  # inserted, not typed
    pane = next(e for e in obs["elements"] if e["attributes"].get("id") == "pane")
    x, y, width, height = pane["bbox"]
    obs, *_ = env.step(f"scroll_at({x + width / 2}, {y + height / 2}, 0, 300)")
    pane = next(e for e in obs["elements"] if e["attributes"].get("id") == "pane")
    assert obs["last_action_error"] == "" and int(pane["attributes"].get("data-top", "0")) > 0
    pick = next(e for e in obs["elements"] if e["attributes"].get("id") == "pick")
    x, y, width, height = pick["bbox"]
    obs, *_ = env.step(f"mouse_upload_file({x + width / 2}, {y + height / 2}, 'notes.txt')")
    assert obs["last_action_error"] == ""
    for _ in range(5):  # the page reads the file asynchronously
        if "file notes.txt" in page_log(obs):
            break
        obs, *_ = env.step("noop(200)")
    assert page_log(obs).endswith(";file notes.txt hello upload;")
    obs, *_ = env.step("mouse_upload_file(5, 5, 'notes.txt')")
    assert "opened no file chooser" in obs["last_action_error"]
