"""Oracles for form-filling tasks: text fields, pickers, autocompletes, and small multi-page apps."""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Generator
from functools import partial

from palaestra.envs.obs import Observation
from palaestra.tasks.miniwob.oracles.base import (
    El,
    OracleError,
    descendants,
    elements,
    find,
    oracle,
    quoted,
    wait_for,
)

Solution = Generator[str, Observation, None]
MONTHS = {name: number for number, name in enumerate(calendar.month_name) if name}


def click(el: El) -> str:
    return f"click('{el.id}')"


def fill(el: El, text: str) -> str:
    return f"fill('{el.id}', {text!r})"


def current(obs: Observation, el: El) -> El:
    """The record of ``el`` (same element id) in a later observation."""
    for raw in obs["elements"]:
        if raw["id"] == el.id:
            return El(raw)
    raise OracleError(f"element [{el.id}] has gone")


def search(pattern: str, text: str) -> re.Match[str]:
    """``re.search`` that fails loudly: a goal the oracle cannot parse is a bug to see at once."""
    match = re.search(pattern, text)
    if match is None:
        raise OracleError(f"{pattern!r} not found in {text!r}")
    return match


def submit(obs: Observation) -> str:
    return click(find(obs, tag="button", text="Submit"))


def parse_date(text: str) -> tuple[int, int, int]:
    """Month, day, year of the first MM/DD/YYYY date in ``text``."""
    month, day, year = search(r"(\d{1,2})/(\d{1,2})/(\d{4})", text).groups()
    return int(month), int(day), int(year)


def pick_date(
    obs: Observation, field: El, month: int, day: int, year: int
) -> Generator[str, Observation, Observation]:
    """Choose a date in a jQuery UI datepicker: open it, page Prev/Next to the month, click the day."""
    obs = yield click(field)
    obs = yield from wait_for(obs, lambda o: bool(elements(o, tag="span", class_="ui-datepicker-month")))
    for _ in range(36):
        shown_month = MONTHS[find(obs, tag="span", class_="ui-datepicker-month").text]
        shown_year = int(find(obs, tag="span", class_="ui-datepicker-year").text)
        offset = (year - shown_year) * 12 + month - shown_month
        if offset == 0:
            break
        obs = yield click(find(obs, tag="a", text="Next" if offset > 0 else "Prev"))
    else:
        raise OracleError("the datepicker never showed the wanted month")
    calendar_table = find(obs, tag="table", class_="ui-datepicker-calendar")
    day_link = descendants(obs, calendar_table, tag="a", text=str(day))
    if not day_link:
        raise OracleError(f"day {day} is not selectable in the datepicker")
    obs = yield click(day_link[0])
    # The calendar fades out over what lies below it (often the submit button): wait until it has gone.
    return (yield from wait_for(obs, lambda o: not elements(o, tag="table", class_="ui-datepicker-calendar")))


def menu_items(obs: Observation) -> list[El]:
    """The entries of an open jQuery UI autocomplete menu."""
    return elements(obs, tag="li", class_="ui-menu-item")


def autocomplete(
    obs: Observation, field: El, typed: str, pick: Callable[[list[El]], El]
) -> Generator[str, Observation, Observation]:
    """Enter ``typed`` in an autocomplete field and choose the menu entry ``pick`` returns.

    We fill the field at once rather than key by key: the widget searches a while after the last
    change, and slow typing would let it search for a prefix, open that menu, and reopen it after
    our choice (over the next field) when the search for the whole text comes. We click the field
    first to take the mouse off where the menu opens: jQuery UI replays, on the next mouse move, the
    entry of a pointer resting over a new menu, which would pick that entry instead of ours."""
    obs = yield f"{click(field)}\n{fill(field, typed)}"
    obs = yield from wait_for(
        obs, lambda o: bool(menu_items(o)) and all(typed.lower() in it.text.lower() for it in menu_items(o))
    )
    choice = pick(menu_items(obs))
    obs = yield click(choice)
    return (yield from wait_for(obs, lambda o: not menu_items(o) and current(o, field).value == choice.text))


# -- single forms ---------------------------------------------------------------------------------


@oracle("login-user")
def login_user(obs: Observation) -> Solution:
    user, password = quoted(obs["goal"])[:2]
    yield "\n".join(
        [
            fill(find(obs, tag="input", id="username"), user),
            fill(find(obs, tag="input", id="password"), password),
            click(find(obs, tag="button", text="Login")),
        ]
    )


@oracle("enter-password")
def enter_password(obs: Observation) -> Solution:
    password = quoted(obs["goal"])[0]
    fields = elements(obs, tag="input", type="password")
    yield "\n".join([*(fill(f, password) for f in fields), submit(obs)])


@oracle("enter-text-2")
def enter_text_2(obs: Observation) -> Solution:
    goal = obs["goal"]
    text = quoted(goal)[0]
    text = text.upper() if "upper case" in goal else text.lower()
    yield f"{fill(find(obs, tag='input'), text)}\n{submit(obs)}"


@oracle("enter-date")
def enter_date(obs: Observation) -> Solution:
    month, day, year = parse_date(obs["goal"])
    # fill() on an <input type=date> takes the ISO form, whatever the locale shows.
    yield f"{fill(find(obs, tag='input', type='date'), f'{year:04d}-{month:02d}-{day:02d}')}\n{submit(obs)}"


@oracle("enter-time")
def enter_time(obs: Observation) -> Solution:
    hour, minute, half = search(r"(\d{1,2}):(\d{2})\s*([AP]M)", obs["goal"]).groups()
    hour24 = int(hour) % 12 + (12 if half == "PM" else 0)
    yield f"{fill(find(obs, tag='input', type='time'), f'{hour24:02d}:{minute}')}\n{submit(obs)}"


@oracle("choose-list")
def choose_list(obs: Observation) -> Solution:
    item = search(r"Select (.+) from the list", obs["goal"]).group(1)
    yield f"select_option('{find(obs, tag='select').id}', {item!r})\n{submit(obs)}"


@oracle("choose-date-easy")
def choose_date_easy(obs: Observation) -> Solution:
    month, day, year = parse_date(obs["goal"])
    obs = yield from pick_date(obs, find(obs, tag="input", id="datepicker"), month, day, year)
    yield submit(obs)


@oracle("use-autocomplete")
def use_autocomplete(obs: Observation) -> Solution:
    goal = obs["goal"]
    start = search(r'starts with "([^"]*)"', goal).group(1)
    end = re.search(r'ends with "([^"]*)"', goal)

    def fitting(items: list[El]) -> El:
        for item in items:
            if end is None or item.text.endswith(end.group(1)):
                return item
        raise OracleError(f"no suggestion fits {goal!r}")

    obs = yield from autocomplete(obs, find(obs, tag="input"), start, fitting)
    yield submit(obs)


@oracle("copy-paste")
def copy_paste(obs: Observation) -> Solution:
    source = find(obs, tag="textarea")
    target = find(obs, tag="input")
    # Through the clipboard, as a person would; the text keeps its exact whitespace.
    yield "\n".join(
        [
            click(source),
            f"press('{source.id}', 'Control+a')",
            f"press('{source.id}', 'Control+c')",
            click(target),
            f"press('{target.id}', 'Control+v')",
            submit(obs),
        ]
    )


@oracle("scroll-text-2")
def scroll_text_2(obs: Observation) -> Solution:
    area = find(obs, tag="textarea")
    dy = 100_000 if "to the bottom" in obs["goal"] else -100_000
    yield f"scroll(0, {dy}, '{area.id}')\n{submit(obs)}"


@oracle("drag-box")
def drag_box(obs: Observation) -> Solution:
    # The boxes are labelled "s" (small) and "L" (large). The small one is drawn on top, so its
    # centre can always be grabbed; dropping it centre on centre puts it well inside the large one.
    small = find(obs, tag="div", text="s")
    large = find(obs, tag="div", text="L")
    obs = yield f"drag_and_drop('{small.id}', '{large.id}')"
    yield submit(obs)


# -- multi-page tasks -----------------------------------------------------------------------------


@oracle("navigate-tree")
def navigate_tree(obs: Observation) -> Solution:
    name = quoted(obs["goal"])[0]
    for _ in range(20):
        named = [el for el in elements(obs, tag="span", text=name) if {"file", "folder"} & set(el.classes)]
        if named:
            yield click(named[0])
            return
        # Open a closed folder with its +/- handle; clicking a wrong file would end the episode.
        closed = [el for el in elements(obs, tag="div") if "expandable-hitarea" in el.classes]
        if not closed:
            raise OracleError(f"{name!r} is nowhere in the tree")
        obs = yield click(closed[0])


@oracle("search-engine")
def search_engine(obs: Observation) -> Solution:
    goal = obs["goal"]
    query = quoted(goal)[0]
    rank = int(search(r"(\d+)(?:st|nd|rd|th) search result", goal).group(1))
    page, index = divmod(rank - 1, 3)  # three results a page
    obs = yield f"{fill(find(obs, tag='input'), query)}\n{click(find(obs, tag='button', text='Search'))}"
    if page > 0:
        pagination = find(obs, tag="ul", class_="pagination")
        obs = yield click(descendants(obs, pagination, tag="a", text=str(page + 1))[0])
    results = elements(obs, tag="a", class_="search-title")
    yield click(results[index])


@oracle("social-media")
def social_media(obs: Observation) -> Solution:
    user, action = search(r'For the user (\S+), click on the "(.+?)" button', obs["goal"]).groups()
    name_tag = find(obs, tag="span", text=user, class_="username")
    post = next(el for el in elements(obs, tag="div", class_="media") if name_tag in descendants(obs, el))
    icons = {"Reply": "reply", "Retweet": "retweet", "Like": "like"}
    icon = descendants(obs, post, tag="span", class_=icons.get(action, "more"))[0]
    # The icons swap to another image on hover, and shrink to nothing until it has loaded: a click
    # at once presses on the icon but releases on its parent, which the page ignores. Hover first.
    obs = yield f"hover('{icon.id}')"
    obs = yield click(icon)
    if action not in icons:  # the other actions are entries of the post's "more" menu
        entries = [el for el in descendants(obs, post, tag="li") if el.text.startswith(action)]
        yield click(entries[0])


@oracle("email-inbox")
def email_inbox(obs: Observation) -> Solution:
    goal = obs["goal"]
    sender = search(r"email by (.+?) and ", goal).group(1)
    thread = next(
        el
        for el in elements(obs, tag="div", class_="email-thread")
        if descendants(obs, el, tag="div", text=sender, class_="email-sender")
    )
    if "trash icon" in goal or "star icon" in goal:
        icon = "trash" if "trash icon" in goal else "star"
        yield click(descendants(obs, thread, tag="span", class_=icon)[0])
        return
    obs = yield click(thread)
    if "reply to them" in goal:
        obs = yield click(find(obs, tag="span", class_="email-reply"))
        field, text, send = find(obs, tag="textarea", id="reply-text"), quoted(goal)[0], "send-reply"
    else:
        obs = yield click(find(obs, tag="span", class_="email-forward"))
        recipient = search(r"forward that email to (.+?)\.?$", goal).group(1)
        field, text, send = find(obs, tag="input", class_="forward-sender"), recipient, "send-forward"
    yield f"{fill(field, text)}\n{click(find(obs, id=send))}"


def duration_minutes(text: str) -> int:
    hours, minutes = search(r"(\d+)h (\d+)m", text).groups()
    return int(hours) * 60 + int(minutes)


def airport_choice(items: list[El], wanted: str) -> El:
    """The menu entry ("City, ST (CODE)") whose city or airport code is ``wanted``."""
    for item in items:
        city, _, code = item.text.rpartition(" (")
        if wanted in (city, code.rstrip(")")):
            return item
    raise OracleError(f"no airport {wanted!r} among {[it.text for it in items]}")


@oracle("book-flight")
def book_flight(obs: Observation) -> Solution:
    goal = obs["goal"]
    kind, origin, destination = search(
        r"Book the (\w+) one-way flight from: (.+) to: (.+) on ", goal
    ).groups()
    month, day, year = parse_date(goal)
    for field_id, place in (("flight-from", origin), ("flight-to", destination)):
        obs = yield from autocomplete(
            obs, find(obs, tag="input", id=field_id), place, partial(airport_choice, wanted=place)
        )
    obs = yield from pick_date(obs, find(obs, tag="input", id="datepicker"), month, day, year)
    obs = yield click(find(obs, tag="button", text="Search"))

    def cost(flight: El) -> int:
        if kind == "cheapest":
            price = descendants(obs, flight, tag="button", class_="flight-price")[0].text
            return int(search(r"\$(\d+)", price).group(1))
        return duration_minutes(descendants(obs, flight, tag="div", class_="time-duration")[0].text)

    best = min(elements(obs, tag="div", class_="flight"), key=cost)
    yield click(descendants(obs, best, tag="button", class_="flight-price")[0])
