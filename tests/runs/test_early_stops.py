"""WebArena's early stops (`runs.early_stops`), as its run.py decides them: the same action N
times in a row, a typing action N times anywhere in the episode, N answers in a row that do not
parse; 0 turns a stop off."""

from __future__ import annotations

from palaestra.envs.actions.action_set import WEB_ACTIONS
from palaestra.runs.early_stops import EarlyStops


def reasons(stops: EarlyStops, actions: list[str]) -> list[str]:
    return [stops.after(action, WEB_ACTIONS) for action in actions]


def test_the_same_action_three_times_in_a_row_stops() -> None:
    said = reasons(
        EarlyStops(repeat=3), ["click('4')", "scroll(0, 300)", "scroll(0,  300)", "scroll(0, 300)"]
    )
    assert said == ["", "", "", "Same action for 3 times"]  # whitespace aside, the same action


def test_other_actions_between_repeats_do_not_stop_but_typing_counts_over_the_episode() -> None:
    assert (
        reasons(EarlyStops(repeat=3), ["click('4')", "noop(0)", "click('4')", "noop(0)", "click('4')"])
        == [""] * 5
    )
    typing = ["fill('7', 'shoes')", "click('9')", "fill('7', 'shoes')", "go_back()", "fill('7', 'shoes')"]
    assert reasons(EarlyStops(repeat=3), typing)[-1] == "Same typing action for 3 times"


def test_actions_compare_as_parsed_so_spellings_of_one_action_are_the_same() -> None:
    spellings = ["click('4')", 'click("4")', "click(bid='4')"]
    assert reasons(EarlyStops(repeat=3), spellings)[-1] == "Same action for 3 times"
    others = ["click('4')", "click('5')", "click('4', button='right')"]
    assert reasons(EarlyStops(repeat=3), others) == ["", "", ""]


def test_typing_is_any_action_that_types_text_however_written() -> None:
    typing = ["fill('7', 'shoes')", "noop()", "fill(bid='7', value='shoes')", "noop()", 'fill("7", "shoes")']
    assert reasons(EarlyStops(repeat=3), typing)[-1] == "Same typing action for 3 times"
    keyboard = ["keyboard_type('hi')", "noop()", "keyboard_type('hi')", "noop()", "keyboard_type('hi')"]
    assert reasons(EarlyStops(repeat=3), keyboard)[-1] == "Same typing action for 3 times"
    assert reasons(EarlyStops(repeat=3), ["fill('7', 'a')", "fill('7', 'b')", "fill('8', 'a')"]) == [""] * 3


def test_answers_that_do_not_parse_stop_after_as_many_in_a_row() -> None:
    answers = ["I think I should click.", "click('4')", "Let me see.", "Hmm", "no action here"]
    assert reasons(EarlyStops(parse=3), answers) == ["", "", "", "", "Failed to parse actions for 3 times"]


def test_stops_are_off_unless_asked_for() -> None:
    assert reasons(EarlyStops(), ["noop(0)"] * 5 + ["not an action"] * 5) == [""] * 10
