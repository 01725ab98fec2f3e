"""OSWorld's postconfig and window steps, the `check_accessibility_tree` metric over our tree as
XML, and the getters added beside them: what loads, what is refused (typed, did-you-mean), and
how the metric scores trees it matches and trees it does not."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from palaestra.envs.desktop.window_ops import matches
from palaestra.tasks.desktop.base import DesktopOutcome, Judging
from palaestra.tasks.desktop.live_steps import LaunchApp, Pause, RunCommand, WindowStep, wire
from palaestra.tasks.desktop.osworld import (
    OSWorldTaskError,
    UnsupportedAppError,
    UnsupportedEvaluatorError,
    UnsupportedStepError,
    load_task,
)
from palaestra.tasks.desktop.osworld.accessibility import AccessibilityTree, check_accessibility_tree
from palaestra.tasks.desktop.osworld.errors import OfflineURLError

SAVE = ["python", "-c", "import pyautogui; pyautogui.hotkey('ctrl', 's')"]
BASE: dict[str, Any] = {
    "id": "t1",
    "snapshot": "os",
    "instruction": "Do the thing.",
    "config": [{"type": "launch", "parameters": {"command": ["mousepad", "/home/user/a.txt"]}}],
    "evaluator": {
        "func": "check_include_exclude",
        "result": {"type": "vm_file", "path": "/home/user/a.txt"},
        "expected": {"type": "rule", "rules": {"include": ["hi"]}},
    },
}


def task_file(tmp_path: Path, postconfig: Any = None, **evaluator: Any) -> Path:
    data = json.loads(json.dumps(BASE))
    data["evaluator"].update(evaluator)
    if postconfig is not None:
        data["evaluator"]["postconfig"] = postconfig
    path = tmp_path / "task.json"
    path.write_text(json.dumps(data))
    return path


def step(kind: str, **params: Any) -> dict[str, Any]:
    return {"type": kind, "parameters": params}


def test_an_acting_postconfig_makes_the_task_judged_at_the_end_with_its_steps_in_order(
    tmp_path: Path,
) -> None:
    postconfig = [
        step("activate_window", window_name="a.txt - Mousepad", strict="true"),
        step("sleep", seconds=0.5),
        step("execute", command=SAVE),
        step("close_window", window_name="Mousepad", by_class=True),
        step("open", path="/home/user/a.txt"),
        step("launch", command="galculator", shell=True),
    ]
    task = load_task(task_file(tmp_path, postconfig))
    assert task.judging is Judging.AT_END
    assert task.final_steps() == (
        WindowStep("activate", "a.txt - Mousepad", strict=True),
        Pause(0.5),
        RunCommand(tuple(SAVE)),
        WindowStep("close", "Mousepad", by_class=True),
        LaunchApp(("mousepad", "~/a.txt")),
        LaunchApp(("galculator",)),
    )
    assert wire(task.final_steps()[0]) == {
        "do": "window",
        "action": "activate",
        "name": "a.txt - Mousepad",
        "strict": True,
        "by_class": False,
    }
    # A postconfig of pauses only acts on nothing: the task keeps its verdict after every step.
    long = load_task(task_file(tmp_path, [step("sleep", seconds=8), step("execute", command=SAVE)] * 2))
    assert [s for s in long.final_steps() if isinstance(s, Pause)] == [Pause(8.0), Pause(2.0)]
    for postconfig in ([step("sleep", seconds=1)], None, []):
        plain = load_task(task_file(tmp_path, postconfig))
        assert plain.judging is Judging.EVERY_STEP and plain.final_steps() == ()


@pytest.mark.parametrize(
    ("bad", "error", "message"),
    [
        (step("activate_window"), OSWorldTaskError, r"postconfig\[0\] \(activate_window\).*`window_name`"),
        (
            step("close_window", window_title="x"),
            UnsupportedStepError,
            "parameter of `close_window` `window_title`.* Did you mean: `window_name`",
        ),
        (step("download", files=[]), UnsupportedStepError, "postconfig step `download`.*config's download"),
        (step("sleep", seconds=-1), OSWorldTaskError, r"`seconds` must be a number >= 0"),
        (step("sleep", seconds=True), OSWorldTaskError, r"`seconds` must be a number >= 0"),
        (step("execute"), OSWorldTaskError, "`command` must be a string or a list"),
        (step("launch", command=["gedit"]), UnsupportedAppError, "app `gedit`.*mousepad"),
        (
            step("launch", command=["pkill", "-9", "vlc"]),
            UnsupportedAppError,
            "app `pkill`",
        ),
        (step("chrome_open_tabs"), OSWorldTaskError, '"urls_to_open": a list of URLs'),
        (step("chrome_open_tabs", urls_to_open=["https://example.com"]), OfflineURLError, "on the internet"),
        ({"type": "sleep", "parameters": [1]}, OSWorldTaskError, "`parameters` must be an object"),
    ],
)
def test_bad_postconfig_steps_are_typed_errors_at_load(
    tmp_path: Path, bad: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        load_task(task_file(tmp_path, [bad]))
    with pytest.raises(OSWorldTaskError, match="must be a list of steps"):
        load_task(task_file(tmp_path, {"type": "sleep"}))


def test_window_steps_match_names_as_wmctrl_does() -> None:
    klass = ("mousepad", "Mousepad")
    assert matches("*memo.txt - Mousepad", klass, "MEMO.TXT", strict=False, by_class=False)
    assert not matches("*memo.txt - Mousepad", klass, "memo.txt", strict=True, by_class=False)
    assert matches("memo.txt - Mousepad", klass, "memo.txt - Mousepad", strict=True, by_class=False)
    assert matches("untitled", klass, "mousepad.Mousepad", strict=True, by_class=True)
    assert matches("untitled", klass, "pad", strict=False, by_class=True)
    assert not matches("mousepad", klass, "mousepad", strict=True, by_class=True)


def node(key: str, parent: str, role: str, children: tuple[str, ...] = (), **fields: Any) -> dict[str, Any]:
    return {
        "key": key,
        "parent": parent,
        "children": list(children),
        "role": role,
        "name": fields.get("name", ""),
        "states": fields.get("states", ["enabled", "showing", "visible"]),
        "box": fields.get("box", (10, 20, 100, 30)),
        "text": fields.get("text"),
        "value": fields.get("value"),
    }


#: A calculator as our AT-SPI reader gives it: an application, its window, a display and a button.
NODES = [
    node("app", "root", "application", ("frame",), name="galculator"),
    node(
        "frame", "app", "frame", ("pane", "btn"), name="galculator", states=["active", "showing", "visible"]
    ),
    node("pane", "frame", "scroll pane", ("display",)),
    node("display", "pane", "text", states=["multi-line", "showing", "visible"], text="375"),
    node("btn", "frame", "push button", name="=", text="=", value=1.0),
]
TREE = AccessibilityTree("text '' '375'", NODES)


def score(rules: Any, tree: Any = TREE) -> float:
    return check_accessibility_tree(tree, rules)


def test_check_accessibility_tree_selects_by_css_and_xpath_and_compares_the_text() -> None:
    css = {"selectors": ["application[name=galculator] frame[st|active=true] scroll-pane > text"]}
    assert score([css]) == 1.0
    assert score(css) == 1.0  # OSWorld's older files give one rule, not a list
    assert score([{**css, "text": "375"}]) == 1.0
    assert score([{**css, "text": "376"}]) == 0.0
    xpath = {"xpath": "//text[@st:multi_line='true']", "text": "375", "exact": True}
    assert score([xpath, {"selectors": ["push-button[name='=']"]}]) == 1.0
    # The box and the value are OSWorld's component and value attributes.
    assert score([{"xpath": "//push-button[@cp:screencoord='(10, 20)'][@val:value='1.0']"}]) == 1.0
    # A rule that selects nothing fails the task, whatever the others.
    assert score([xpath, {"selectors": ["push-button[name='+']"]}]) == 0.0
    # Fuzzy: the best element's similarity, multiplied over the rules.
    fuzzy = score([{"selectors": ["text"], "text": "3750", "exact": False}])
    assert fuzzy == pytest.approx(6 / 7)
    both = score([{"selectors": ["text"], "text": "3750", "exact": False}] * 2)
    assert both == pytest.approx(fuzzy * fuzzy)
    # The text form stays what text metrics read; XML from elsewhere is read as XML.
    assert str(TREE) == "text '' '375'"
    assert (
        score([{"selectors": ["label"], "text": "ok"}], "<desktop-frame><label>ok</label></desktop-frame>")
        == 1.0
    )
    assert score([css], None) == 0.0
    with pytest.raises(ValueError, match="could not be read as XML"):
        score([css], "not xml <")


def test_node_text_and_names_that_xml_cannot_hold_are_cleaned() -> None:
    odd = [
        node("app", "", "application", ("t",), name="a\x01b"),
        node("t", "app", "text", text="x\ufffcy\x02"),
    ]
    tree = AccessibilityTree("", odd)
    assert score([{"selectors": ["application[name=ab] text"], "text": "xy"}], tree) == 1.0


def test_sheet_cells_are_named_by_their_address_with_the_formula_an_attribute() -> None:
    """OSWorld's XML names a Calc cell by its address alone ("B3"), its formula being an object
    attribute; our tree's ``B3 =A3*2`` name must not leak into the XML's name."""
    cells = [
        node("app", "", "application", ("sheet",), name="soffice"),
        node("sheet", "app", "table", ("b3", "c3", "note"), name="Sheet Sheet1"),
        node("b3", "sheet", "table cell", name="B3 =A3*2", text="6"),
        node("c3", "sheet", "table cell", name="C3", text="7"),
        node("note", "sheet", "label", name="B3 =x"),  # not a cell: its name stays whole
    ]
    tree = AccessibilityTree("", cells)
    assert score([{"selectors": ["table-cell[name=B3]"], "text": "6"}], tree) == 1.0
    assert score([{"xpath": "//table-cell[@name='B3'][@attr:Formula='A3*2']"}], tree) == 1.0
    assert score([{"selectors": ["table-cell[name=C3]"], "text": "7"}], tree) == 1.0
    assert score([{"xpath": "//table-cell[@name='C3'][@attr:Formula]"}], tree) == 0.0
    assert score([{"selectors": ["table-cell[name='B3 =A3*2']"]}], tree) == 0.0
    assert score([{"selectors": ["label[name='B3 =x']"]}], tree) == 1.0


@pytest.mark.parametrize(
    ("rules", "error", "message"),
    [
        (
            [{"selector": ["text"]}],
            UnsupportedEvaluatorError,
            "rule key .*`selector`.* Did you mean: `selectors`",
        ),
        ([{"text": "375"}], OSWorldTaskError, r'needs "selectors" \(CSS\) or "xpath"'),
        ([{"selectors": "text"}], OSWorldTaskError, "must be a list of CSS selectors"),
        ([{"selectors": ["text[[["]}], OSWorldTaskError, "are not CSS"),
        ([{"xpath": "//text[@"}], OSWorldTaskError, "is not XPath"),
        ([{"xpath": "//nope:text"}], OSWorldTaskError, "is not XPath"),
        ([{"xpath": "//text", "text": 375}], OSWorldTaskError, "`text` must be a string"),
        ([{"xpath": "//text", "exact": "yes"}], OSWorldTaskError, "`exact` must be true or false"),
        ([], OSWorldTaskError, "needs a rule or a list of rules"),
        (["//text"], OSWorldTaskError, "a rule is"),
    ],
)
def test_bad_accessibility_rules_are_typed_errors_at_load(
    tmp_path: Path, rules: Any, error: type[Exception], message: str
) -> None:
    evaluator = {
        "func": "check_accessibility_tree",
        "result": {"type": "accessibility_tree"},
        "expected": {"type": "rule", "rules": rules},
    }
    with pytest.raises(error, match=message):
        load_task(task_file(tmp_path, **evaluator))
    evaluator["expected"] = {"type": "cloud_file", "path": "task.json"}
    with pytest.raises(OSWorldTaskError, match='takes its rules from a "rule" getter'):
        load_task(task_file(tmp_path, **evaluator))


def test_list_directory_and_the_indices_multi_gives(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "Documents" / "old").mkdir(parents=True)
    (home / "Documents" / "b.txt").write_text("b")
    (home / "Documents" / "a.txt").write_text("a")
    tree = {
        "name": "Documents",
        "type": "directory",
        "children": [
            {"name": "a.txt", "type": "file"},
            {"name": "b.txt", "type": "file"},
            {"name": "old", "type": "directory", "children": []},
        ],
    }
    evaluator = {
        "func": "exact_match",
        "result": {"type": "list_directory", "path": "/home/user/Documents"},
        "expected": {"type": "rule", "rules": {"expected": tree}},
    }
    task = load_task(task_file(tmp_path, **evaluator))
    outcome = DesktopOutcome(home=home, elements=[], windows=[], messages=[])
    assert task.evaluate(outcome).success
    (home / "Documents" / "c.txt").write_text("c")
    assert not task.evaluate(outcome).success
    multi = {"type": "vm_file", "multi": True, "path": ["/home/user/a", "/home/user/b"], "gives": [2]}
    with pytest.raises(OSWorldTaskError, match=r"`gives` must list indices of the 2 paths, got \[2\]"):
        load_task(task_file(tmp_path, result=multi))
